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

/** A growable array of numbers backed by a Float64Array (exact for integers below 2^53). */
export class NumberList {
  private data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(Math.max(16, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  truncate(length: number): void {
    this.length = length;
  }

  /** A view of the live elements (shares memory). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
