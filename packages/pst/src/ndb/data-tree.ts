/**
 * Data trees — [MS-PST] §2.2.2.8.3.2: a value longer than one block is cut into 8176-byte data blocks (every leaf but
 * the last is full) listed by an XBLOCK (up to 1021 BIDs), or by an XXBLOCK of XBLOCKs for longer values.
 * `lcbTotal` is 32-bit, so one tree holds less than 4 GiB.
 */
import { NumberList, setU64, viewOf } from '../io/bytes.js';
import { MAX_BLOCK_DATA } from './constants.js';
import type { NdbWriter } from './ndb-writer.js';

/** BIDs one XBLOCK or XXBLOCK lists: (8176 − 8) / 8. */
export const XBLOCK_MAX_ENTRIES = 1021;
/** The largest value a data tree holds (lcbTotal is a 32-bit count). */
export const MAX_TREE_BYTES = 0xffff_ffff;

export interface DataTree {
  /** BID of the root (a data block, XBLOCK or XXBLOCK); 0 for an empty value. */
  readonly bid: number;
  /** Logical size of the value. */
  readonly size: number;
}

/** Streams a value into data blocks as it arrives, then indexes them. */
export class DataTreeWriter {
  /** The block being filled; allocated on first use (a heap's tree only lists pages written elsewhere). */
  private blockBuffer: Uint8Array | undefined;
  private fill = 0;
  private readonly leaves = new NumberList(16);
  private readonly leafSizes = new NumberList(16);
  private total = 0;

  constructor(private readonly ndb: NdbWriter) {}

  get size(): number {
    return this.total + this.fill;
  }

  private get block(): Uint8Array {
    this.blockBuffer ??= new Uint8Array(MAX_BLOCK_DATA);
    return this.blockBuffer;
  }

  /** Appends bytes; full blocks are written at once. */
  push(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      if (this.fill === 0 && bytes.length - offset >= MAX_BLOCK_DATA) {
        // A whole block in the source chunk: written from there, without a copy into the block buffer.
        this.addWrittenLeaf(this.ndb.writeBlock(bytes, MAX_BLOCK_DATA, false, offset), MAX_BLOCK_DATA);
        offset += MAX_BLOCK_DATA;
        continue;
      }
      const n = Math.min(MAX_BLOCK_DATA - this.fill, bytes.length - offset);
      this.block.set(bytes.subarray(offset, offset + n), this.fill);
      this.fill += n;
      offset += n;
      if (this.fill === MAX_BLOCK_DATA) this.writeLeaf();
    }
  }

  /** Accounts for `n` bytes without having them: the counting sink's way to stream a value (`sink.ts`). */
  pushUnread(n: number): void {
    let left = n;
    while (left > 0) {
      const take = Math.min(MAX_BLOCK_DATA - this.fill, left);
      this.fill += take;
      left -= take;
      if (this.fill === MAX_BLOCK_DATA) this.writeLeaf();
    }
  }

  /** Adds a block written elsewhere (a heap page) as the next leaf. */
  addLeaf(bid: number, size: number): void {
    if (this.fill) this.writeLeaf();
    this.leaves.push(bid);
    this.leafSizes.push(size);
    this.total += size;
  }

  /** Replaces a leaf added before (the first page of a heap is written last). */
  setLeaf(index: number, bid: number, size: number): void {
    this.total += size - this.leafSizes.get(index);
    this.leaves.set(index, bid);
    this.leafSizes.set(index, size);
  }

  private writeLeaf(): void {
    const size = this.fill;
    const bid = this.ndb.writeBlock(this.block, size, false);
    this.fill = 0;
    this.addWrittenLeaf(bid, size);
  }

  private addWrittenLeaf(bid: number, size: number): void {
    this.leaves.push(bid);
    this.leafSizes.push(size);
    this.total += size;
  }

  clone(): DataTreeWriter {
    const copy = new DataTreeWriter(this.ndb);
    if (this.fill) copy.block.set(this.block.subarray(0, this.fill));
    copy.fill = this.fill;
    for (let i = 0; i < this.leaves.length; i++) copy.leaves.push(this.leaves.get(i));
    for (let i = 0; i < this.leafSizes.length; i++) copy.leafSizes.push(this.leafSizes.get(i));
    copy.total = this.total;
    return copy;
  }

  finish(): DataTree {
    if (this.fill) this.writeLeaf();
    const n = this.leaves.length;
    if (this.total > MAX_TREE_BYTES)
      throw new RangeError(`a value of ${this.total} bytes does not fit a data tree (4 GiB - 1 at most)`);
    if (n === 0) return { bid: 0, size: 0 };
    if (n === 1) return { bid: this.leaves.get(0), size: this.total };
    const xblocks = new NumberList(Math.ceil(n / XBLOCK_MAX_ENTRIES));
    const xsizes = new NumberList(xblocks.length);
    for (let start = 0; start < n; start += XBLOCK_MAX_ENTRIES) {
      const count = Math.min(XBLOCK_MAX_ENTRIES, n - start);
      let bytes = 0;
      for (let i = start; i < start + count; i++) bytes += this.leafSizes.get(i);
      xblocks.push(this.writeIndex(1, this.leaves.view().subarray(start, start + count), bytes));
      xsizes.push(bytes);
    }
    if (xblocks.length === 1) return { bid: xblocks.get(0), size: this.total };
    if (xblocks.length > XBLOCK_MAX_ENTRIES) throw new RangeError('internal: value too large for an XXBLOCK');
    return { bid: this.writeIndex(2, xblocks.view(), this.total), size: this.total };
  }

  /** XBLOCK (level 1) or XXBLOCK (level 2) — [MS-PST] §2.2.2.8.3.2.1–2. */
  private writeIndex(level: number, bids: Float64Array, total: number): number {
    const length = 8 + bids.length * 8;
    const bytes = new Uint8Array(length);
    const view = viewOf(bytes);
    bytes[0] = 0x01; // btype
    bytes[1] = level; // cLevel
    view.setUint16(2, bids.length, true); // cEnt
    view.setUint32(4, total, true); // lcbTotal
    for (let i = 0; i < bids.length; i++) setU64(view, 8 + i * 8, bids[i]!); // rgbid
    return this.ndb.writeBlock(bytes, length, true);
  }
}

/** Writes a value held in memory as a data tree. */
export function writeDataTree(ndb: NdbWriter, bytes: Uint8Array): DataTree {
  const tree = new DataTreeWriter(ndb);
  tree.push(bytes);
  return tree.finish();
}
