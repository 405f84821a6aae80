/**
 * BTree-on-Heap (BTH) — [MS-PST] §2.3.2: sorted records in heap allocations (leaves), with index levels of
 * {first key, HID} records above them when one allocation does not hold them all.
 */
import { putU32, viewOf } from '../io/bytes.js';
import { type Heap, MAX_HEAP_ALLOCATION } from './heap.js';

/** BTHHEADER size. */
export const BTH_HEADER_SIZE = 8;

/**
 * Collects records in ascending key order, writing each leaf to the heap as soon as it is full, so that a BTH of a
 * million records needs memory for one leaf and the index.
 */
export class BthBuilder {
  /** The HID of the BTHHEADER, allocated at once so that it can be referenced before the tree is complete. */
  readonly headerHid: number;
  private readonly recordSize: number;
  private readonly perLeaf: number;
  private leaf: Uint8Array;
  private leafCount = 0;
  /** First key and HID of each written leaf. */
  private index: { key: Uint8Array; hid: number }[] = [];
  private lastKey: Uint8Array | null = null;
  private hasLast = false;

  constructor(
    private heap: Heap,
    readonly keySize: number,
    readonly dataSize: number,
  ) {
    this.recordSize = keySize + dataSize;
    this.perLeaf = Math.floor(MAX_HEAP_ALLOCATION / this.recordSize);
    this.leaf = new Uint8Array(Math.min(this.perLeaf, 4) * this.recordSize);
    this.headerHid = heap.allocate(BTH_HEADER_SIZE).hid;
  }

  /** Appends a record; keys must ascend (compared as little-endian unsigned integers). */
  add(key: Uint8Array, data: Uint8Array): void {
    if (this.hasLast && compareKeys(key, this.lastKey!) <= 0) throw new Error('internal: BTH keys must ascend');
    this.lastKey ??= new Uint8Array(this.keySize);
    this.lastKey.set(key);
    this.hasLast = true;
    const at = this.leafCount * this.recordSize;
    if (at + this.recordSize > this.leaf.length) {
      const grown = new Uint8Array(Math.min(this.perLeaf * this.recordSize, this.leaf.length * 2));
      grown.set(this.leaf);
      this.leaf = grown;
    }
    this.leaf.set(key, at);
    this.leaf.set(data, at + this.keySize);
    this.leafCount++;
    if (this.leafCount === this.perLeaf) this.flushLeaf();
  }

  /**
   * Appends a record of a 4-byte key and 4-byte data (a TC's row index: row id → row index), without key and data
   * arrays. Keys must ascend as unsigned integers.
   */
  addU32(key: number, data: number): void {
    if (this.keySize !== 4 || this.dataSize !== 4)
      throw new Error('internal: addU32 needs a BTH of 4-byte keys and data');
    if (this.hasLast && key >>> 0 <= this.lastU32) throw new Error('internal: BTH keys must ascend');
    this.lastU32 = key >>> 0;
    this.hasLast = true;
    this.lastKey ??= new Uint8Array(4);
    putU32(this.lastKey, 0, key);
    const at = this.leafCount * 8;
    if (at + 8 > this.leaf.length) {
      const grown = new Uint8Array(Math.min(this.perLeaf * 8, this.leaf.length * 2));
      grown.set(this.leaf);
      this.leaf = grown;
    }
    putU32(this.leaf, at, key);
    putU32(this.leaf, at + 4, data);
    this.leafCount++;
    if (this.leafCount === this.perLeaf) this.flushLeaf();
  }

  private lastU32 = 0;

  private flushLeaf(): void {
    if (this.leafCount === 0) return;
    const bytes = this.leaf.subarray(0, this.leafCount * this.recordSize);
    this.index.push({ key: bytes.slice(0, this.keySize), hid: this.heap.store(bytes) });
    this.leafCount = 0;
  }

  /** Writes the last leaf and the index levels, then fills in the BTHHEADER. */
  finish(): void {
    this.flushLeaf();
    let level = this.index;
    let levels = 0;
    const entrySize = this.keySize + 4;
    const perNode = Math.floor(MAX_HEAP_ALLOCATION / entrySize);
    while (level.length > 1) {
      const next: { key: Uint8Array; hid: number }[] = [];
      for (let start = 0; start < level.length; start += perNode) {
        const chunk = level.slice(start, start + perNode);
        const bytes = new Uint8Array(chunk.length * entrySize);
        const view = viewOf(bytes);
        chunk.forEach((e, i) => {
          bytes.set(e.key, i * entrySize);
          view.setUint32(i * entrySize + this.keySize, e.hid, true);
        });
        next.push({ key: chunk[0]!.key, hid: this.heap.store(bytes) });
      }
      level = next;
      levels++;
    }
    const header = this.heap.bytesOf(this.headerHid);
    header[0] = 0xb5; // bType
    header[1] = this.keySize; // cbKey
    header[2] = this.dataSize; // cbEnt
    header[3] = levels; // bIdxLevels
    putU32(header, 4, level.length ? level[0]!.hid : 0); // hidRoot
  }

  /** HIDs of the leaves written so far, in key order. */
  get leafHids(): number[] {
    return this.index.map((e) => e.hid);
  }

  clone(heap: Heap): BthBuilder {
    const copy = Object.create(BthBuilder.prototype) as BthBuilder;
    Object.assign(copy, this);
    copy.heap = heap;
    copy.leaf = this.leaf.slice();
    copy.lastKey = this.lastKey?.slice() ?? null;
    copy.index = [...this.index];
    return copy;
  }
}

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
