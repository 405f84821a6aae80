/**
 * The NDB layer's writer — [MS-PST] §2.2 and §2.6.1: blocks (§2.2.2.8) and nodes in, a complete file out.
 *
 * It puts together the parts a newcomer finds by name: the `Allocator` (`allocator.ts`: where every page and block
 * lands, and the AMap, PMap, FMap and FPMap pages that say so), the B-trees (`btree.ts`: BBT and NBT), the page and
 * block trailers (`trailers.ts`) and a sink (`sink.ts`) that takes the bytes: `FileSink` writes the file,
 * `CountingSink` only counts. Between `beginProjection()` and `endProjection()` the counting sink takes the bytes,
 * and every part is restored to its checkpoint at the end: the writer learns the exact size a file would have
 * without writing it (size projection).
 *
 * The writer's asynchronous callers await `ready()` between synchronous stretches, so the host's event loop is never
 * held for long. Memory does not grow with the data written: the BBT's leaves are written as they fill, the NBT is
 * kept as compact typed arrays.
 */

import { Allocator, type AllocatorCheckpoint } from './allocator.js';
import { BlockBTree, type BlockBTreeCheckpoint, type BlockRef, BTreePages, NodeBTree } from './btree.js';
import { MAX_BLOCK_DATA, PageType } from './constants.js';
import type { DataTreeWriter } from './data-tree.js';
import { FileSink, type FileSinkOptions } from './file-sink.js';
import { CountingSink, type Sink } from './sink.js';
import { BlockTrailer, PageTrailer } from './trailers.js';

export type { BlockRef } from './btree.js';

/** `bCryptMethod`: [MS-PST] §2.2.2.6. */
export type CryptMethod = 'none' | 'permute';

/** What `finishTrees()` hands to the HEADER. */
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

/** The state of every part at a checkpoint, to go back to with `rollback` or at the end of a projection. */
export interface Checkpoint {
  readonly allocator: AllocatorCheckpoint;
  readonly bbt: BlockBTreeCheckpoint;
  readonly nodeCount: number;
  readonly nextBid: number;
  readonly nextPageBid: number;
  readonly dataBytes: number;
  readonly blockCount: number;
}

export type NdbWriterOptions = FileSinkOptions;

export class NdbWriter {
  readonly crypt: CryptMethod;
  private readonly file: FileSink;
  private readonly counting = new CountingSink();
  /** Where bytes go now: the file, or the counting sink during a projection. */
  private sink: Sink;
  private readonly allocator: Allocator;
  private readonly pages: BTreePages;
  private readonly bbt: BlockBTree;
  private readonly nbt: NodeBTree;
  private nextBid = 4;
  /** Logical bytes of the external data blocks written (the unit of PidTagMessageSize). */
  dataBytes = 0;
  /** Blocks written, internal ones included. */
  blockCount = 0;
  /** The checkpoint a projection under way goes back to. */
  private projection: Checkpoint | undefined;
  /** Set by `finishTrees`: what completing the file needs. */
  private finished: { readonly lastRegion: number; readonly fileEof: number } | undefined;
  private recording: number[] | undefined;

  constructor(path: string, crypt: CryptMethod = 'permute', options: NdbWriterOptions = {}) {
    this.crypt = crypt;
    this.file = new FileSink(path, options);
    this.sink = this.file;
    this.allocator = new Allocator(this.sink);
    this.pages = new BTreePages(this.allocator);
    this.bbt = new BlockBTree(this.pages);
    this.nbt = new NodeBTree(this.pages);
  }

  /** The offset where the next allocation would start (before alignment). */
  get position(): number {
    return this.allocator.position;
  }

  /** How far the file has been written: `position`, or during a projection the position where it began. */
  get writtenEnd(): number {
    return this.projection ? this.projection.allocator.cursor : this.allocator.position;
  }

  /** The encoder in use (`native avx512`, `javascript`, …). */
  get encoderName(): string {
    return this.file.encoderName;
  }

  /**
   * Where the writer's asynchronous callers wait between synchronous stretches (see `WriteBehind.ready`): resolves
   * once a slot is free and the event loop has had a turn lately; `undefined` when there is nothing to wait for.
   * Throws the error of a failed write (ENOSPC, EIO).
   */
  ready(): Promise<void> | undefined {
    return this.sink.ready();
  }

  // ---------------------------------------------------------------------------------------------- blocks and nodes

  /**
   * Writes one block — [MS-PST] §2.2.2.8 — and returns its BID. `data[0, length)` is the block's data (1–8176 bytes);
   * external blocks are encoded with the file's crypt method, internal ones (XBLOCK, SLBLOCK, …) are stored as is.
   * With `from`, the data is `data[from, from + length)`: a caller streaming a large value passes its source chunk
   * and the block is copied (and encoded) straight from it into the write buffer.
   */
  writeBlock(data: Uint8Array, length: number, internal: boolean, from = 0): number {
    if (length <= 0 || length > MAX_BLOCK_DATA)
      throw new RangeError(`block cb ${length} is outside 1..${MAX_BLOCK_DATA}`);
    this.recording?.push(internal ? -length : length);
    const size = BlockTrailer.blockSize(length);
    const ib = this.allocator.allocate(size, 64, this.sink);
    const bid = internal ? this.nextBid | 2 : this.nextBid;
    this.nextBid += 4;
    this.sink.writeBlock(ib, size, bid, data, from, length, !internal && this.crypt === 'permute');
    if (!internal) this.dataBytes += length;
    this.blockCount++;
    this.bbt.add(bid, ib, length, this.sink);
    return bid;
  }

  /** Adds an NBTENTRY — [MS-PST] §2.2.2.7.7.4. */
  addNode(nid: number, bidData: number, bidSub: number, nidParent: number): void {
    this.recording?.push(0);
    this.nbt.add(nid, bidData, bidSub, nidParent);
  }

  /** The content of a value of `size` bytes: what `read` yields, or during a projection `size` zeros, unread. */
  content(size: number, read: () => Promise<Uint8Array>): Promise<Uint8Array> {
    return this.sink.content(size, read);
  }

  /** Puts a value of `size` bytes into `tree` with `stream`, or during a projection accounts for them unread. */
  streamContent(tree: DataTreeWriter, size: number, stream: () => Promise<void>): Promise<void> {
    return this.sink.streamContent(tree, size, stream);
  }

  /**
   * During a projection: runs `write` and returns what it did as a plan — the length of each block (negative for
   * internal ones) and a 0 for each node — which `replay` repeats without running `write` again. Block sizes do not
   * depend on where blocks land, so a plan stays valid for as long as what `write` writes does not change.
   */
  record(write: () => void): number[] {
    if (!this.projection) throw new Error('internal: record is only valid during a projection');
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

  /** Repeats the allocations of a recorded plan (during a projection). */
  replay(plan: readonly number[]): void {
    if (!this.projection) throw new Error('internal: replay is only valid during a projection');
    for (const step of plan) {
      if (step === 0) this.addNode(0, 0, 0, 0);
      else this.writeBlock(EMPTY_BLOCK, Math.abs(step), step < 0);
    }
  }

  // ---------------------------------------------------------------------------------------------- checkpoints

  /** Starts a projection: the counting sink takes the bytes until `endProjection(s)` restores every part to `s`. */
  beginProjection(): Checkpoint {
    if (this.projection) throw new Error('internal: nested projection');
    const s = this.checkpoint();
    this.projection = s;
    this.sink = this.counting;
    return s;
  }

  endProjection(s: Checkpoint): void {
    if (this.projection !== s) throw new Error('internal: endProjection without its beginProjection');
    this.restore(s);
    this.projection = undefined;
    this.sink = this.file;
  }

  /** The state of every part now, to go back to with `rollback` (a message whose source failed half-way). */
  checkpoint(): Checkpoint {
    return {
      allocator: this.allocator.checkpoint(),
      bbt: this.bbt.checkpoint(),
      nodeCount: this.nbt.checkpoint(),
      nextBid: this.nextBid,
      nextPageBid: this.pages.nextPageBid,
      dataBytes: this.dataBytes,
      blockCount: this.blockCount,
    };
  }

  /** Says that `s` will not be restored (the message it guarded was written). */
  release(s: Checkpoint): void {
    this.allocator.release(s.allocator);
    this.bbt.release(s.bbt);
  }

  /** Forgets everything allocated since `s`; bytes already in the file past its cursor become free space. */
  rollback(s: Checkpoint): void {
    if (this.projection) throw new Error('internal: rollback during a projection');
    this.file.flush();
    this.restore(s);
    this.file.rewind(s.allocator.cursor);
  }

  private restore(s: Checkpoint): void {
    this.allocator.restore(s.allocator);
    this.bbt.restore(s.bbt);
    this.nbt.restore(s.nodeCount);
    this.nextBid = s.nextBid;
    this.pages.nextPageBid = s.nextPageBid;
    this.dataBytes = s.dataBytes;
    this.blockCount = s.blockCount;
    this.finished = undefined;
  }

  // ---------------------------------------------------------------------------------------------- finish

  /**
   * Writes the BBT and NBT (§2.2.2.7.7) and seals the last region. During a projection, only the allocations happen
   * and the returned root describes the file that would result; otherwise `complete` then writes the rest of the file.
   */
  finishTrees(): NdbRoot {
    const steps = this.treeSteps();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** `finishTrees`, awaiting `ready()` every few hundred B-tree pages: a large file's trees take a while. */
  async finishTreesYielding(): Promise<NdbRoot> {
    const steps = this.treeSteps();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await this.ready();
    }
  }

  /** The work of `finishTrees`, paused (a `yield`) every few hundred pages. */
  private *treeSteps(): Generator<void, NdbRoot> {
    const bbt = yield* this.bbt.write(this.sink);
    const nbt = yield* this.nbt.write(this.sink);
    const sealed = this.allocator.seal(this.sink);
    this.finished = { lastRegion: sealed.lastRegion, fileEof: sealed.fileEof };
    return {
      fileEof: sealed.fileEof,
      usedEnd: sealed.usedEnd,
      amapLast: sealed.amapLast,
      amapFree: sealed.amapFree,
      nbt,
      bbt,
      nextBid: this.nextBid,
      nextPageBid: this.pages.nextPageBid,
    };
  }

  /**
   * Completes the file after `finishTrees`: the FMap pages, the size in whole regions, the bytes before the first
   * AMap (HEADER at 0, the DList at `dlistOffset`), then closes it. Rejects with the first write error.
   */
  async complete(head: Uint8Array, dlist: Uint8Array, dlistOffset: number): Promise<void> {
    const finished = this.finished;
    if (!finished || this.projection) throw new Error('internal: complete() before finishTrees()');
    this.file.flush();
    this.allocator.writeFMaps(finished.lastRegion, this.file);
    this.file.flush();
    await this.file.truncate(finished.fileEof);
    this.file.writeAt(0, head);
    this.file.writeAt(dlistOffset, dlist);
    await this.file.drain();
    await this.close();
  }

  /** Page trailer for the DList: `bid` = header `bidNextP`, signed like BT pages (§2.2.2.7.4). */
  sealDensityList(page: Uint8Array, ib: number, bid: number): void {
    PageTrailer.signed(PageType.DensityList, ib, bid).writeTo(page);
  }

  /**
   * Closes the file: writes not started yet are dropped (`complete` drains first), the descriptor is closed once
   * those under way are done, and nothing is written afterwards. Never rejects (a write error is for `drain` and
   * `complete`). Safe to call more than once.
   */
  close(): Promise<void> {
    return this.file.close();
  }
}

/** The data `replay` writes: a counting sink never reads it. */
const EMPTY_BLOCK = new Uint8Array(MAX_BLOCK_DATA);
