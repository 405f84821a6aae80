/**
 * The NDB layer's append-only writer — [MS-PST] §2.2 and §2.6.1.
 *
 * Blocks and BT pages are allocated at a cursor that only moves forward, skipping the fixed map pages at the start of
 * each AMap region. Bytes are staged in the slot being filled of a ring of write buffers and written with large
 * asynchronous positional writes (`WriteBehind`); the writer's callers await `ready()` between synchronous stretches,
 * so the host's event loop is never held for long. The Block
 * BTree's leaves are written as they fill (BIDs grow with the cursor, so BBT entries arrive sorted), and the Node
 * BTree is kept as compact typed arrays, so memory does not grow with the data written.
 *
 * Simulation: between `beginSimulation()` and `endSimulation()` nothing is written and every allocation is undone at
 * the end. The writer uses it to learn the exact size a file would have, without writing it (size projection).
 */
import { closeSync, openSync } from 'node:fs';
import { blockEncoder, type BlockEncoder } from '../encode/block-encoder.js';
import { pstCrc } from '../encode/crc.js';
import { computeSig } from '../encode/signature.js';
import { NumberList, align, setU64, viewOf } from '../io/bytes.js';
import {
  AMAP_REGION_SIZE,
  BLOCK_TRAILER_SIZE,
  MAX_BLOCK_DATA,
  PAGE_DATA_SIZE,
  PAGE_SIZE,
  PageType,
} from './constants.js';
import { fileEofFor, hasFMap, hasFPMap, hasPMap, regionDataStart, regionStart } from './layout.js';
import { WriteBehind } from './write-behind.js';

/** `bCryptMethod`: [MS-PST] §2.2.2.6. */
export type CryptMethod = 'none' | 'permute';

/** BBT leaf capacity: 488 / 24 (BBTENTRY, [MS-PST] §2.2.2.7.7.3). */
const BBT_LEAF_MAX = 20;
/** Intermediate BT page capacity: 488 / 24 (BTENTRY, §2.2.2.7.7.2). */
const BT_INTERMEDIATE_MAX = 20;
/** NBT leaf capacity: 488 / 32 (NBTENTRY, §2.2.2.7.7.4). */
const NBT_LEAF_MAX = 15;
/** Each slot of the write ring: one is filled while the others are written (see `WriteBehind`). */
const SLOT_SIZE = 1024 * 1024;

/** A reference to a page or block: BREF, [MS-PST] §2.2.2.4. */
export interface BlockRef {
  readonly bid: number;
  readonly ib: number;
}

/** What `finish()` hands to the HEADER. */
export interface NdbRoot {
  readonly fileEof: number;
  /** End of the last allocation (the file is then padded to whole regions). */
  readonly usedEnd: number;
  readonly amapLast: number;
  readonly amapFree: number;
  readonly nbt: BlockRef;
  readonly bbt: BlockRef;
  readonly nextBid: number;
  readonly nextPageBid: number;
}

/**
 * The writer's allocation state at a checkpoint. Only scalars are saved at once: allocation is append-only, so
 * what changes afterwards is known from the cursor, except the region bitmap once its region is closed and the
 * pending BBT entries once they are written out. Those are captured when that happens (`captureAll`,
 * `capturePending`), so that a message costs no copy of them.
 */
export interface Snapshot {
  readonly cursor: number;
  readonly region: number;
  readonly fmapLength: number;
  readonly freeBytes: number;
  readonly nextBid: number;
  readonly nextPageBid: number;
  readonly pendingCount: number;
  readonly leafCount: number;
  readonly nodeCount: number;
  readonly dataBytes: number;
  readonly blockCount: number;
  /** The bitmap of `region` as it was when the region was closed (allocations after the cursor are cleared on restore). */
  regionBits?: Uint8Array;
  /** The first `pendingCount` pending BBT entries, once they were written out. */
  pending?: { bid: Float64Array; ib: Float64Array; cb: Uint16Array };
}

export interface NdbWriterOptions {
  /**
   * Use the native kernel (`native-kernel.ts`) for block encoding and CRCs when it is built; `false` keeps the
   * JavaScript encoder (tests compare the two). The bytes written are the same either way (`block-encoder.ts`).
   */
  readonly native?: boolean;
}

export class NdbWriter {
  readonly crypt: CryptMethod;
  private readonly fd: number;
  /** The ring of write buffers; `buffer` is its slot being filled, which changes at every flush. */
  private readonly writeBehind: WriteBehind;
  private buffer: Uint8Array;
  private bufferView: DataView;
  /** Copies a block into the buffer, encodes it and computes its CRC. */
  private readonly encoder: BlockEncoder;
  /** Set by `finishTrees`: what completing the file needs. */
  private finished: { readonly lastRegion: number; readonly fileEof: number } | undefined;
  /** File offset of the current slot's first byte, and how many of its bytes are staged. */
  private bufferStart = 0;
  private bufferEnd = 0;

  // Allocation state ([MS-PST] §2.6.1.1).
  private cursor = 0;
  private region = -1;
  private regionBits: Uint8Array = new Uint8Array(PAGE_DATA_SIZE);
  /** Per closed region: the longest run of free 64-byte slots, capped at 255 (FMap content, §2.2.2.7.5). */
  private fmap = new NumberList(256);
  /** Free bytes of the closed regions. */
  private freeBytes = 0;

  private nextBid = 4;
  private nextPageBid = 1;

  // BBT: entries waiting for a full leaf, and the leaves already written.
  private pendingCount = 0;
  private pendingBid: Float64Array = new Float64Array(BBT_LEAF_MAX);
  private pendingIb: Float64Array = new Float64Array(BBT_LEAF_MAX);
  private pendingCb: Uint16Array = new Uint16Array(BBT_LEAF_MAX);
  private leafKey = new NumberList();
  private leafBid = new NumberList();
  private leafIb = new NumberList();

  // NBT entries, in the order added.
  private nodeNid = new NumberList(1024, (n) => new Uint32Array(n));
  private nodeData = new NumberList();
  private nodeSub = new NumberList();
  private nodeParent = new NumberList(1024, (n) => new Uint32Array(n));

  /** Logical bytes of the external data blocks written (the unit of PidTagMessageSize). */
  dataBytes = 0;
  /** Blocks written, internal ones included. */
  blockCount = 0;
  private simulating = false;
  private closed = false;
  /** The latest checkpoint that may still be restored: its lazy parts are captured before they change. */
  private guard: Snapshot | undefined;
  private recording: number[] | undefined;

  constructor(path: string, crypt: CryptMethod = 'permute', options: NdbWriterOptions = {}) {
    this.crypt = crypt;
    this.encoder = blockEncoder(options);
    this.fd = openSync(path, 'w+');
    try {
      this.writeBehind = new WriteBehind(this.fd, SLOT_SIZE);
    } catch (error) {
      closeSync(this.fd); // no buffer (out of memory): the descriptor is not left open
      throw error;
    }
    this.buffer = this.writeBehind.slot;
    this.bufferView = viewOf(this.buffer);
    this.openRegion(0);
  }

  /** The offset where the next allocation would start (before alignment). */
  get position(): number {
    return this.cursor;
  }

  get nodeTotal(): number {
    return this.nodeNid.length;
  }

  /** The encoder in use (`native avx512`, `javascript`, …). */
  get encoderName(): string {
    return this.encoder.name;
  }

  /**
   * Where the writer's asynchronous callers wait between synchronous stretches (see `WriteBehind.ready`): resolves
   * once a slot is free and the event loop has had a turn lately; `undefined` when there is nothing to wait for.
   * Throws the error of a failed write (ENOSPC, EIO).
   */
  ready(): Promise<void> | undefined {
    if (this.simulating) return undefined;
    this.assertOpen();
    return this.writeBehind.ready();
  }

  // ---------------------------------------------------------------------------------------------- blocks

  /**
   * Writes one block — [MS-PST] §2.2.2.8 — and returns its BID. `data[0, length)` is the block's data (1–8176 bytes);
   * external blocks are encoded with the file's crypt method, internal ones (XBLOCK, SLBLOCK, …) are stored as is.
   * With `from`, the data is `data[from, from + length)`: a caller streaming a large value passes its source chunk
   * and the block is copied (and encoded) straight from it into the write buffer.
   */
  writeBlock(data: Uint8Array, length: number, internal: boolean, from = 0): number {
    if (length <= 0 || length > MAX_BLOCK_DATA) throw new RangeError(`block cb ${length} is outside 1..${MAX_BLOCK_DATA}`);
    this.recording?.push(internal ? -length : length);
    const size = align(length + BLOCK_TRAILER_SIZE, 64);
    const ib = this.allocate(size, 64);
    const bid = internal ? this.nextBid | 2 : this.nextBid;
    this.nextBid += 4;
    if (!this.simulating) {
      const at = this.stage(ib, size);
      const out = this.buffer;
      const external = !internal && this.crypt === 'permute';
      const view = this.bufferView;
      const trailer = at + size - BLOCK_TRAILER_SIZE;
      const crc = this.encoder.copyBlock(out, at, data, from, length, external);
      if (at + length < trailer) out.fill(0, at + length, trailer); // padding (the slot is not cleared between uses)
      view.setUint16(trailer, length, true); // cb
      view.setUint16(trailer + 2, computeSig(ib, bid), true); // wSig
      view.setUint32(trailer + 4, crc, true); // dwCRC
      setU64(view, trailer + 8, bid); // bid
    }
    if (!internal) this.dataBytes += length;
    this.blockCount++;
    this.recordBlock(bid, ib, length);
    return bid;
  }

  /**
   * While simulating: runs `write` and returns what it did as a plan — the length of each block (negative for
   * internal ones) and a 0 for each node — which `replay` repeats without running `write` again. Block sizes do not
   * depend on where blocks land, so a plan stays valid for as long as what `write` writes does not change.
   */
  record(write: () => void): number[] {
    if (!this.simulating) throw new Error('internal: record is only valid while simulating');
    const outer = this.recording;
    const plan: number[] = [];
    this.recording = plan;
    try {
      write();
    } finally {
      this.recording = outer;
    }
    outer?.push(...plan);
    return plan;
  }

  /** Repeats the allocations of a recorded plan (while simulating). */
  replay(plan: readonly number[]): void {
    if (!this.simulating) throw new Error('internal: replay is only valid while simulating');
    for (const step of plan) {
      if (step === 0) this.addNode(0, 0, 0, 0);
      else this.writeBlock(EMPTY_BLOCK, Math.abs(step), step < 0);
    }
  }

  /** Sizes of the blocks `writeBlock` would produce, without writing: for size projection of unread data. */
  reserveBlock(length: number, internal: boolean): number {
    if (!this.simulating) throw new Error('reserveBlock is only valid while simulating');
    return this.writeBlock(EMPTY_BLOCK, length, internal);
  }

  get isSimulating(): boolean {
    return this.simulating;
  }

  /** Adds an NBTENTRY — [MS-PST] §2.2.2.7.7.4. */
  addNode(nid: number, bidData: number, bidSub: number, nidParent: number): void {
    this.recording?.push(0);
    this.nodeNid.push(nid);
    this.nodeData.push(bidData);
    this.nodeSub.push(bidSub);
    this.nodeParent.push(nidParent);
  }

  private recordBlock(bid: number, ib: number, cb: number): void {
    const i = this.pendingCount++;
    this.pendingBid[i] = bid;
    this.pendingIb[i] = ib;
    this.pendingCb[i] = cb;
    if (this.pendingCount === BBT_LEAF_MAX) this.flushBbtLeaf();
  }

  /** Writes the pending BBTENTRYs as one leaf page; every block is referenced once, so cRef = 2 (§2.2.2.7.7.3). */
  private flushBbtLeaf(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    if (this.guard && !this.guard.pending) this.capturePending(this.guard);
    const page = this.simulating ? null : new Uint8Array(PAGE_SIZE);
    if (page) {
      const view = viewOf(page);
      for (let i = 0; i < n; i++) {
        const at = i * 24;
        setU64(view, at, this.pendingBid[i]!); // BREF.bid
        setU64(view, at + 8, this.pendingIb[i]!); // BREF.ib
        view.setUint16(at + 16, this.pendingCb[i]!, true); // cb
        view.setUint16(at + 18, 2, true); // cRef
      }
    }
    const ref = this.writeBtPage(page, PageType.BlockBTree, n, BBT_LEAF_MAX, 24, 0);
    this.leafKey.push(this.pendingBid[0]!);
    this.leafBid.push(ref.bid);
    this.leafIb.push(ref.ib);
    this.pendingCount = 0;
  }

  /** Fills in the BTPAGE footer and trailer and writes the page — [MS-PST] §2.2.2.7.7.1. */
  private writeBtPage(page: Uint8Array | null, ptype: number, count: number, max: number, cbEnt: number, level: number): BlockRef {
    const ib = this.allocate(PAGE_SIZE, PAGE_SIZE);
    const bid = this.nextPageBid++;
    if (page && !this.simulating) {
      page[488] = count; // cEnt
      page[489] = max; // cEntMax
      page[490] = cbEnt; // cbEnt
      page[491] = level; // cLevel
      this.finishPage(page, ptype, ib, bid, computeSig(ib, bid));
      const at = this.stage(ib, PAGE_SIZE); // first: staging may flush, which changes `buffer`
      this.buffer.set(page, at);
    }
    return { bid, ib };
  }

  /** PAGETRAILER — [MS-PST] §2.2.2.7.1. */
  private finishPage(page: Uint8Array, ptype: number, ib: number, bid: number, sig: number): void {
    const view = viewOf(page);
    page[496] = ptype; // ptype
    page[497] = ptype; // ptypeRepeat
    view.setUint16(498, sig, true); // wSig
    view.setUint32(500, pstCrc(page.subarray(0, PAGE_DATA_SIZE)), true); // dwCRC
    setU64(view, 504, bid); // bid
  }

  // ---------------------------------------------------------------------------------------------- allocation

  private allocate(size: number, alignment: number): number {
    let ib = align(this.cursor, alignment);
    if (ib + size > regionStart(this.region + 1)) {
      this.closeRegion();
      this.openRegion(this.region + 1);
      ib = align(this.cursor, alignment);
    }
    this.markAllocated(ib - regionStart(this.region), size);
    this.cursor = ib + size;
    return ib;
  }

  /** Sets the AMap bits of the 64-byte slots of [from, from + size) (offsets in the current region), whole bytes at once. */
  private markAllocated(from: number, size: number): void {
    const bits = this.regionBits;
    let slot = from / 64;
    const last = slot + size / 64;
    for (; slot < last && (slot & 7) !== 0; slot++) bits[slot >> 3]! |= 0x80 >> (slot & 7);
    const wholeEnd = last & ~7;
    if (slot < wholeEnd) {
      bits.fill(0xff, slot >> 3, wholeEnd >> 3);
      slot = wholeEnd;
    }
    for (; slot < last; slot++) bits[slot >> 3]! |= 0x80 >> (slot & 7);
  }

  private openRegion(k: number): void {
    if (this.guard && !this.guard.regionBits && this.guard.region === this.region) this.guard.regionBits = this.regionBits.slice();
    this.region = k;
    this.regionBits.fill(0);
    const start = regionStart(k);
    const dataStart = regionDataStart(k);
    this.markAllocated(0, dataStart - start);
    this.cursor = dataStart;
    if (this.simulating) return;
    // PMap and FPMap: "no free pages" (all 0xFF, §2.2.2.7.3, §2.2.2.7.6). The FMap is written by finish().
    const at = this.stage(start, dataStart - start);
    this.buffer.fill(0, at, at + (dataStart - start));
    let page = start + PAGE_SIZE;
    if (hasPMap(k)) {
      this.writeMapPage(page, PageType.PageMap, FULL_MAP);
      page += PAGE_SIZE;
    }
    if (hasFPMap(k)) this.writeMapPage(page, PageType.FreePageMap, FULL_MAP);
  }

  /** Seals the current region: its AMap page (§2.2.2.7.2) and its FMap byte. */
  private closeRegion(): void {
    const bits = this.regionBits;
    let free = 0;
    let run = 0;
    let longest = 0;
    for (let i = 0; i < PAGE_DATA_SIZE; i++) {
      const byte = bits[i]!;
      if (byte === 0xff) {
        run = 0;
        continue;
      }
      if (byte === 0) {
        free += 8;
        run += 8;
        if (run > longest) longest = run;
        continue;
      }
      for (let b = 7; b >= 0; b--) {
        if (byte & (1 << b)) run = 0;
        else {
          free++;
          run++;
          if (run > longest) longest = run;
        }
      }
    }
    this.freeBytes += free * 64;
    this.fmap.push(Math.min(longest, 255));
    if (!this.simulating) this.writeMapPage(regionStart(this.region), PageType.AllocationMap, bits);
  }

  /** Map pages carry `bid = ib` and `wSig = 0` (§2.2.2.7.1). */
  private writeMapPage(ib: number, ptype: number, content: Uint8Array): void {
    const page = new Uint8Array(PAGE_SIZE);
    page.set(content.subarray(0, PAGE_DATA_SIZE));
    this.finishPage(page, ptype, ib, ib, 0);
    this.writeAt(ib, page);
  }

  // ---------------------------------------------------------------------------------------------- IO

  /**
   * Returns the index in `buffer` where bytes for [ib, ib + size) go, flushing the current slot first when needed
   * (read `buffer` after calling this). The caller writes all of them. A slot is reused without being cleared, so
   * the gap between the end of the staged bytes and `ib` is zeroed here: every byte handed over has been written.
   */
  private stage(ib: number, size: number): number {
    if (ib < this.bufferStart) throw new Error(`internal: write at ${ib} behind the buffer at ${this.bufferStart}`);
    if (ib + size > this.bufferStart + SLOT_SIZE) {
      this.flush();
      this.bufferStart = ib;
    }
    const end = ib + size - this.bufferStart;
    if (end > this.bufferEnd) {
      const from = ib - this.bufferStart;
      if (from > this.bufferEnd) this.buffer.fill(0, this.bufferEnd, from);
      this.bufferEnd = end;
    }
    return ib - this.bufferStart;
  }

  /**
   * Writes bytes at an absolute offset: through the current slot when the offset is in it, else as a write of their
   * own queued behind everything handed over (the AMap page of a region that began in an earlier slot, the header).
   * `bytes` must not change afterwards.
   */
  private writeAt(ib: number, bytes: Uint8Array): void {
    this.assertOpen();
    if (ib >= this.bufferStart && ib + bytes.length <= this.bufferStart + SLOT_SIZE) {
      const at = this.stage(ib, bytes.length);
      this.buffer.set(bytes, at);
      return;
    }
    // Staged bytes that these overlap were written first: hand them over first.
    if (ib < this.bufferStart + this.bufferEnd && ib + bytes.length > this.bufferStart) this.flush();
    this.writeBehind.enqueue(ib, bytes);
  }

  /** Hands the staged bytes over to be written (see `WriteBehind`); `drain()` waits until they are in the file. */
  flush(): void {
    this.assertOpen();
    if (this.bufferEnd > 0) {
      this.writeBehind.submit(this.bufferStart, this.bufferEnd);
      this.buffer = this.writeBehind.slot;
      this.bufferView = viewOf(this.buffer);
    }
    this.bufferStart += this.bufferEnd;
    this.bufferEnd = 0;
  }

  /** Resolves once everything handed over is in the file; rejects with the first write error (ENOSPC, EIO). */
  async drain(): Promise<void> {
    this.assertOpen();
    await this.writeBehind.drain();
  }

  // ---------------------------------------------------------------------------------------------- simulation

  beginSimulation(): Snapshot {
    if (this.simulating) throw new Error('internal: nested simulation');
    const snapshot = this.checkpoint();
    this.simulating = true;
    return snapshot;
  }

  endSimulation(s: Snapshot): void {
    this.restore(s);
    this.simulating = false;
  }

  /** The allocation state now, to go back to with `rollback` (a message whose source failed half-way). */
  checkpoint(): Snapshot {
    // An earlier checkpoint that was not released may still be restored: capture what it would lose from now on.
    if (this.guard) this.captureAll(this.guard);
    const s: Snapshot = {
      cursor: this.cursor,
      region: this.region,
      fmapLength: this.fmap.length,
      freeBytes: this.freeBytes,
      nextBid: this.nextBid,
      nextPageBid: this.nextPageBid,
      pendingCount: this.pendingCount,
      leafCount: this.leafKey.length,
      nodeCount: this.nodeNid.length,
      dataBytes: this.dataBytes,
      blockCount: this.blockCount,
    };
    this.guard = s;
    return s;
  }

  /** Says that `s` will not be restored (the message it guarded was written). */
  release(s: Snapshot): void {
    if (this.guard === s) this.guard = undefined;
  }

  /** Forgets everything allocated since `s`; bytes already in the file past the cursor become free space. */
  rollback(s: Snapshot): void {
    if (this.simulating) throw new Error('internal: rollback while simulating');
    this.flush();
    this.restore(s);
    this.bufferStart = Math.min(this.bufferStart, s.cursor);
  }

  private captureAll(s: Snapshot): void {
    if (!s.regionBits && s.region === this.region) s.regionBits = this.regionBits.slice();
    if (!s.pending) this.capturePending(s);
  }

  private capturePending(s: Snapshot): void {
    const n = s.pendingCount;
    s.pending = { bid: this.pendingBid.slice(0, n), ib: this.pendingIb.slice(0, n), cb: this.pendingCb.slice(0, n) };
  }

  private restore(s: Snapshot): void {
    const regionStartOffset = regionStart(s.region);
    if (s.regionBits) {
      // The region was closed (or a later checkpoint was taken) since: its bitmap then, without what came after s.
      this.regionBits.set(s.regionBits);
      this.clearSlots(s.cursor - regionStartOffset, regionStart(s.region + 1) - regionStartOffset);
    } else {
      if (s.region !== this.region) throw new Error('internal: a checkpoint lost the bitmap of its region');
      // Still the same region: everything allocated since s lies in [s.cursor, cursor).
      this.clearSlots(s.cursor - regionStartOffset, this.cursor - regionStartOffset);
    }
    if (s.pending) {
      this.pendingBid.set(s.pending.bid);
      this.pendingIb.set(s.pending.ib);
      this.pendingCb.set(s.pending.cb);
    }
    this.cursor = s.cursor;
    this.region = s.region;
    this.fmap.truncate(s.fmapLength);
    this.freeBytes = s.freeBytes;
    this.nextBid = s.nextBid;
    this.nextPageBid = s.nextPageBid;
    this.pendingCount = s.pendingCount;
    this.leafKey.truncate(s.leafCount);
    this.leafBid.truncate(s.leafCount);
    this.leafIb.truncate(s.leafCount);
    this.nodeNid.truncate(s.nodeCount);
    this.nodeData.truncate(s.nodeCount);
    this.nodeSub.truncate(s.nodeCount);
    this.nodeParent.truncate(s.nodeCount);
    this.dataBytes = s.dataBytes;
    this.blockCount = s.blockCount;
    if (this.guard === s) this.guard = undefined;
  }

  /** Marks the 64-byte slots of [from, to) (offsets in the current region, multiples of 64) free. */
  private clearSlots(from: number, to: number): void {
    const bits = this.regionBits;
    for (let slot = from / 64; slot < to / 64; slot++) bits[slot >> 3]! &= ~(0x80 >> (slot & 7));
  }

  // ---------------------------------------------------------------------------------------------- finish

  /**
   * Writes the BBT and NBT (§2.2.2.7.7) and seals the last region. While simulating, only the allocations happen and
   * the returned root describes the file that would result; otherwise `complete` then writes the rest of the file.
   */
  finishTrees(): NdbRoot {
    const steps = this.treeSteps();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** `finishTrees`, awaiting `ready()` every `PAGES_PER_STEP` B-tree pages: a large file's trees take a while. */
  async finishTreesYielding(): Promise<NdbRoot> {
    const steps = this.treeSteps();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await this.ready();
    }
  }

  /** The work of `finishTrees`, paused (a `yield`) every `PAGES_PER_STEP` pages. */
  private *treeSteps(): Generator<void, NdbRoot> {
    this.flushBbtLeaf();
    const bbt = yield* this.writeIntermediateLevels(PageType.BlockBTree, this.leafKey.view(), this.leafBid.view(), this.leafIb.view());
    const nbt = yield* this.writeNbt();
    const lastRegion = this.region;
    const usedEnd = this.cursor;
    this.closeRegion();
    const fileEof = fileEofFor(usedEnd);
    const amapLast = regionStart(lastRegion);
    if (fileEof !== regionStart(lastRegion + 1)) throw new Error('internal: file end is not the end of the last region');
    if (!this.simulating) this.finished = { lastRegion, fileEof };
    return {
      fileEof,
      usedEnd,
      amapLast,
      amapFree: this.freeBytes,
      nbt,
      bbt,
      nextBid: this.nextBid,
      nextPageBid: this.nextPageBid,
    };
  }

  /**
   * Completes the file after `finishTrees`: the FMap pages, the size in whole regions, the bytes before the first
   * AMap (HEADER at 0, the DList at `dlistOffset`), then closes it. Rejects with the first write error.
   */
  async complete(head: Uint8Array, dlist: Uint8Array, dlistOffset: number): Promise<void> {
    const finished = this.finished;
    if (!finished) throw new Error('internal: complete() before finishTrees()');
    this.flush();
    this.writeFMaps(finished.lastRegion);
    this.flush();
    await this.writeBehind.truncate(finished.fileEof);
    this.writeAt(0, head);
    this.writeAt(dlistOffset, dlist);
    await this.drain();
    await this.close();
  }

  /** FMap pages (§2.2.2.7.5): byte i is the longest free run of the i-th AMap the page covers. */
  private writeFMaps(lastRegion: number): void {
    for (let k = 128; k <= lastRegion; k += 496) {
      if (!hasFMap(k)) continue;
      const content = new Uint8Array(PAGE_DATA_SIZE);
      for (let i = 0; i < PAGE_DATA_SIZE && k + i < this.fmap.length; i++) content[i] = this.fmap.get(k + i);
      this.writeMapPage(regionStart(k) + 2 * PAGE_SIZE, PageType.FreeMap, content);
    }
  }

  private *writeNbt(): Generator<void, BlockRef> {
    const n = this.nodeNid.length;
    const order = this.simulating ? null : sortedOrder(this.nodeNid.view());
    const at = (k: number): number => (order ? order[k]! : k);
    const keys = new NumberList(Math.ceil(n / NBT_LEAF_MAX) + 1);
    const bids = new NumberList(keys.length);
    const ibs = new NumberList(keys.length);
    for (let start = 0; start < n; start += NBT_LEAF_MAX) {
      const count = Math.min(NBT_LEAF_MAX, n - start);
      let page: Uint8Array | null = null;
      if (!this.simulating) {
        page = new Uint8Array(PAGE_SIZE);
        const view = viewOf(page);
        for (let j = 0; j < count; j++) {
          const i = at(start + j);
          const offset = j * 32;
          if (j > 0 && this.nodeNid.get(i) === this.nodeNid.get(at(start + j - 1))) {
            throw new Error(`internal: NID 0x${this.nodeNid.get(i).toString(16)} added twice`);
          }
          setU64(view, offset, this.nodeNid.get(i)); // nid
          setU64(view, offset + 8, this.nodeData.get(i)); // bidData
          setU64(view, offset + 16, this.nodeSub.get(i)); // bidSub
          view.setUint32(offset + 24, this.nodeParent.get(i), true); // nidParent
        }
      }
      const ref = this.writeBtPage(page, PageType.NodeBTree, count, NBT_LEAF_MAX, 32, 0);
      keys.push(this.simulating ? 0 : this.nodeNid.get(at(start)));
      bids.push(ref.bid);
      ibs.push(ref.ib);
      if (keys.length % PAGES_PER_STEP === 0) yield;
    }
    return yield* this.writeIntermediateLevels(PageType.NodeBTree, keys.view(), bids.view(), ibs.view());
  }

  /** Builds BTENTRY levels (§2.2.2.7.7.2) above `count` child pages until one root remains. */
  private *writeIntermediateLevels(ptype: number, keys: Float64Array, bids: Float64Array, ibs: Float64Array): Generator<void, BlockRef> {
    if (keys.length === 0) throw new Error('internal: empty B-tree');
    let level = 0;
    while (keys.length > 1) {
      level++;
      const nextKeys = new NumberList(Math.ceil(keys.length / BT_INTERMEDIATE_MAX) + 1);
      const nextBids = new NumberList(nextKeys.length);
      const nextIbs = new NumberList(nextKeys.length);
      for (let start = 0; start < keys.length; start += BT_INTERMEDIATE_MAX) {
        const count = Math.min(BT_INTERMEDIATE_MAX, keys.length - start);
        let page: Uint8Array | null = null;
        if (!this.simulating) {
          page = new Uint8Array(PAGE_SIZE);
          const view = viewOf(page);
          for (let j = 0; j < count; j++) {
            const at = j * 24;
            setU64(view, at, keys[start + j]!); // btkey
            setU64(view, at + 8, bids[start + j]!); // BREF.bid
            setU64(view, at + 16, ibs[start + j]!); // BREF.ib
          }
        }
        const ref = this.writeBtPage(page, ptype, count, BT_INTERMEDIATE_MAX, 24, level);
        nextKeys.push(keys[start]!);
        nextBids.push(ref.bid);
        nextIbs.push(ref.ib);
        if (nextKeys.length % PAGES_PER_STEP === 0) yield;
      }
      keys = nextKeys.view();
      bids = nextBids.view();
      ibs = nextIbs.view();
    }
    return { bid: bids[0]!, ib: ibs[0]! };
  }

  /** Page trailer for the DList: `bid` = header `bidNextP`, signed like BT pages (§2.2.2.7.4). */
  sealDensityList(page: Uint8Array, ib: number, bid: number): void {
    this.finishPage(page, PageType.DensityList, ib, bid, computeSig(ib, bid));
  }

  /**
   * Closes the file: writes not started yet are dropped (`complete` drains first), the descriptor is closed once
   * those under way are done, and nothing is written afterwards. Never rejects (a write error is for `drain` and
   * `complete`). Safe to call more than once.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.writeBehind.close();
  }

  /**
   * NOTE: once closed, the descriptor number may already belong to another file opened in this process; a write
   * through it would land there. Every write checks first.
   */
  private assertOpen(): void {
    if (this.closed) throw new Error('the PST file was closed (the writer was aborted)');
  }
}

const FULL_MAP = new Uint8Array(PAGE_DATA_SIZE).fill(0xff);
const EMPTY_BLOCK = new Uint8Array(MAX_BLOCK_DATA);
/** B-tree pages written at finish between two `ready()`: about 50 µs of work each. */
const PAGES_PER_STEP = 256;

/**
 * The indexes of `nids` in ascending NID order (ties in index order): a least-significant-digit radix sort on two
 * 16-bit digits, linear in the node count, where a comparison sort of a million NBT entries held the thread for
 * hundreds of milliseconds.
 */
export function sortedOrder(nids: Uint32Array): Uint32Array {
  const n = nids.length;
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (const shift of [0, 16]) {
    const counts = new Uint32Array(65537);
    for (let i = 0; i < n; i++) counts[((nids[i]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d <= 65536; d++) counts[d]! += counts[d - 1]!;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      next[counts[(nids[i]! >>> shift) & 0xffff]!++] = i;
    }
    [order, next] = [next, order];
  }
  return order;
}

export { AMAP_REGION_SIZE };
