/**
 * The sink that writes the file: pages and blocks are staged in the slot being filled of a ring of write buffers and
 * written with large asynchronous positional writes (`WriteBehind`), so that the host's event loop is never held for
 * long. External blocks go through the block encoder on their way into the slot (copy, NDB_CRYPT_PERMUTE, `dwCRC`
 * in one pass where the native kernel is built).
 */
import { closeSync, openSync } from 'node:fs';
import { type BlockEncoder, blockEncoder } from '../encode/block-encoder.js';
import { computeSig } from '../encode/signature.js';
import { viewOf } from '../io/bytes.js';
import { BLOCK_TRAILER_SIZE, PAGE_SIZE } from './constants.js';
import type { DataTreeWriter } from './data-tree.js';
import type { Sink } from './sink.js';
import { BlockTrailer, type PageTrailer } from './trailers.js';
import { WriteBehind } from './write-behind.js';

/** Each slot of the write ring: one is filled while the others are written (see `WriteBehind`). */
const SLOT_SIZE = 1024 * 1024;

export interface FileSinkOptions {
  /**
   * Use the native kernel (`native-kernel.ts`) for block encoding and CRCs when it is built; `false` keeps the
   * JavaScript encoder (tests compare the two). The bytes written are the same either way (`block-encoder.ts`).
   */
  readonly native?: boolean;
}

export class FileSink implements Sink {
  private readonly fd: number;
  /** The ring of write buffers; `buffer` is its slot being filled, which changes at every flush. */
  private readonly writeBehind: WriteBehind;
  private buffer: Uint8Array;
  private bufferView: DataView;
  /** Copies a block into the buffer, encodes it and computes its CRC. */
  private readonly encoder: BlockEncoder;
  /** File offset of the current slot's first byte, and how many of its bytes are staged. */
  private bufferStart = 0;
  private bufferEnd = 0;
  private closed = false;

  /** Creates (or empties) the file at `path`. */
  constructor(path: string, options: FileSinkOptions = {}) {
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
  }

  /** The encoder in use (`native avx512`, `javascript`, …). */
  get encoderName(): string {
    return this.encoder.name;
  }

  writeBlock(
    ib: number,
    size: number,
    bid: number,
    source: Uint8Array,
    from: number,
    length: number,
    permute: boolean,
  ): void {
    const at = this.stage(ib, size);
    const out = this.buffer;
    const trailer = at + size - BLOCK_TRAILER_SIZE;
    const crc = this.encoder.copyBlock(out, at, source, from, length, permute);
    if (at + length < trailer) out.fill(0, at + length, trailer); // padding (the slot is not cleared between uses)
    BlockTrailer.write(this.bufferView, trailer, length, computeSig(ib, bid), crc, bid);
  }

  writePage(ib: number, trailer: PageTrailer, fill: (page: Uint8Array) => void): void {
    const page = new Uint8Array(PAGE_SIZE);
    fill(page);
    trailer.writeTo(page);
    this.place(ib, page);
  }

  writeZeros(ib: number, length: number): void {
    const at = this.stage(ib, length);
    this.buffer.fill(0, at, at + length);
  }

  /**
   * Resolves once a slot is free and the event loop has had a turn lately (see `WriteBehind.ready`); `undefined`
   * when there is nothing to wait for. Throws the error of a failed write (ENOSPC, EIO).
   */
  ready(): Promise<void> | undefined {
    this.assertOpen();
    return this.writeBehind.ready();
  }

  content(_size: number, read: () => Promise<Uint8Array>): Promise<Uint8Array> {
    return read();
  }

  streamContent(_tree: DataTreeWriter, _size: number, stream: () => Promise<void>): Promise<void> {
    return stream();
  }

  /**
   * Writes bytes at an absolute offset: through the current slot when the offset is in it, else as a write of their
   * own queued behind everything handed over (the AMap page of a region that began in an earlier slot, the header).
   * `bytes` must not change afterwards.
   */
  writeAt(ib: number, bytes: Uint8Array): void {
    this.assertOpen();
    this.place(ib, bytes);
  }

  /** `writeAt` without its check, for pages, as for blocks: after `close()` the next flush fails instead. */
  private place(ib: number, bytes: Uint8Array): void {
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

  /**
   * Goes back to `offset` after a rollback: what was staged is handed over, and the next bytes may start at
   * `offset` again (bytes already in the file past it become free space, written over in order by `WriteBehind`).
   */
  rewind(offset: number): void {
    this.flush();
    this.bufferStart = Math.min(this.bufferStart, offset);
  }

  /** Sets the file's size (queued behind the writes handed over). */
  truncate(length: number): Promise<void> {
    return this.writeBehind.truncate(length);
  }

  /** Resolves once everything handed over is in the file; rejects with the first write error (ENOSPC, EIO). */
  async drain(): Promise<void> {
    this.assertOpen();
    await this.writeBehind.drain();
  }

  /**
   * Closes the file: writes not started yet are dropped, the descriptor is closed once those under way are done,
   * and nothing is written afterwards. Never rejects. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.writeBehind.close();
  }

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
   * NOTE: once closed, the descriptor number may already belong to another file opened in this process; a write
   * through it would land there. Every write checks first.
   */
  private assertOpen(): void {
    if (this.closed) throw new Error('the PST file was closed (the writer was aborted)');
  }
}
