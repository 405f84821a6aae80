type NumericArray = Float64Array | Uint32Array | Uint16Array | Uint8Array;
type NumericArrayCtor<T extends NumericArray> = new (length: number) => T;

/** An append-only typed array that doubles its capacity as needed (one number per element, no objects). */
export class Growable<T extends NumericArray> {
  private buf: T;
  length = 0;

  constructor(
    private readonly ctor: NumericArrayCtor<T>,
    initial = 1024,
  ) {
    this.buf = new ctor(initial);
  }

  /** Appends a value. */
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new this.ctor(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  /** Value at index `i` (no bounds check beyond the typed array's). */
  at(i: number): number {
    return this.buf[i]!;
  }

  /** Overwrites index `i`. */
  set(i: number, v: number): void {
    this.buf[i] = v;
  }

  /** A view of the filled part. */
  view(): T {
    return this.buf.subarray(0, this.length) as T;
  }
}
