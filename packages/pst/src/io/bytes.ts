/**
 * Little-endian helpers over `DataView`. Offsets and BIDs are plain numbers: the format's 64-bit fields never hold
 * values at or above 2^53 in a file this library writes.
 */

export function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

export function getU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}

/** Writes a little-endian u16 without a DataView (cheaper for one-off writes into small buffers). */
export function putU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
}

/** Writes a little-endian u32 without a DataView. */
export function putU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Elements per chunk of a long `NumberList` (512 KiB of Float64). */
const CHUNK = 65536;

/**
 * A growable array of numbers in typed-array chunks (exact for integers below 2^53 with Float64, below 2^32 with
 * Uint32). The first chunk grows by doubling, later ones are allocated whole: a long list never copies itself, so
 * growing it never needs twice its memory.
 */
export class NumberList<T extends Float64Array | Uint32Array = Float64Array> {
  private chunks: T[];
  length = 0;

  constructor(
    capacity = 1024,
    private readonly make: (n: number) => T = ((n: number) => new Float64Array(n)) as (n: number) => T,
  ) {
    this.chunks = [make(Math.min(Math.max(capacity, 16), CHUNK))];
  }

  push(value: number): void {
    const i = this.length;
    if (i < CHUNK) {
      let first = this.chunks[0]!;
      if (i === first.length) {
        if (first.length < CHUNK) {
          const grown = this.make(Math.min(CHUNK, first.length * 2));
          grown.set(first);
          this.chunks[0] = first = grown;
        }
      }
      if (i < first.length) {
        first[i] = value;
        this.length++;
        return;
      }
    }
    const c = Math.floor(i / CHUNK);
    if (c === this.chunks.length) this.chunks.push(this.make(CHUNK));
    this.chunks[c]![i % CHUNK] = value;
    this.length++;
  }

  get(i: number): number {
    return this.chunks[Math.floor(i / CHUNK)]![i % CHUNK]!;
  }

  set(i: number, value: number): void {
    this.chunks[Math.floor(i / CHUNK)]![i % CHUNK] = value;
  }

  truncate(length: number): void {
    this.length = length;
    this.chunks.length = Math.max(1, Math.ceil(length / CHUNK));
  }

  /** The live elements as one array: a view when they fit one chunk, a copy otherwise. */
  view(): T {
    if (this.length <= CHUNK) return this.chunks[0]!.subarray(0, this.length) as T;
    const all = this.make(this.length);
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      all.set(chunk.subarray(0, Math.min(CHUNK, this.length - c * CHUNK)), c * CHUNK);
    }
    return all;
  }
}
