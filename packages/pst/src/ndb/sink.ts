/**
 * Where the NDB layer's bytes go. The allocator and the B-tree writer decide where every page and block lands; a
 * sink receives them. `FileSink` (`file-sink.ts`) stages them into the file; `CountingSink`, below, only counts
 * them, which is how the writer learns the exact size a file would have without writing it (size projection): the
 * same allocation code runs, against a different sink.
 */
import { PAGE_SIZE } from './constants.js';
import type { DataTreeWriter } from './data-tree.js';
import type { PageTrailer } from './trailers.js';

export interface Sink {
  /**
   * Stores a block — [MS-PST] §2.2.2.8 — of `size` bytes at `ib`: its data `source[from, from + length)`,
   * NDB_CRYPT_PERMUTE-encoded when `permute` is set (§5.1), zero padding, then its BLOCKTRAILER.
   */
  writeBlock(
    ib: number,
    size: number,
    bid: number,
    source: Uint8Array,
    from: number,
    length: number,
    permute: boolean,
  ): void;
  /**
   * Stores a 512-byte page at `ib`: `fill` writes its first 496 bytes into a zeroed page, then `trailer` is added.
   * `fill` may not be called at all (a counting sink needs no content).
   */
  writePage(ib: number, trailer: PageTrailer, fill: (page: Uint8Array) => void): void;
  /** Stores zeros at [ib, ib + length): the head of an AMap region, before its map pages are written over it. */
  writeZeros(ib: number, length: number): void;
  /** Where asynchronous callers wait between synchronous stretches; `undefined` when there is nothing to wait for. */
  ready(): Promise<void> | undefined;
  /** The content of a value of `size` bytes: what `read` yields, or as many zeros when only its size matters. */
  content(size: number, read: () => Promise<Uint8Array>): Promise<Uint8Array>;
  /**
   * Puts a value of `size` bytes into `tree`: `stream` pushes it chunk by chunk, or `size` bytes are accounted for
   * without reading them when only their size matters.
   */
  streamContent(tree: DataTreeWriter, size: number, stream: () => Promise<void>): Promise<void>;
}

/**
 * A sink that writes nothing and reads no source: it counts what it is given. Block sizes, page positions and the
 * B-trees do not depend on the content, so allocating against it gives the exact layout of the file.
 */
export class CountingSink implements Sink {
  /** Bytes of the blocks and pages given (padding and trailers included). */
  bytes = 0;

  writeBlock(_ib: number, size: number): void {
    this.bytes += size;
  }

  writePage(): void {
    this.bytes += PAGE_SIZE;
  }

  writeZeros(): void {}

  ready(): undefined {
    return undefined;
  }

  content(size: number): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(size));
  }

  streamContent(tree: DataTreeWriter, size: number): Promise<void> {
    tree.pushUnread(size);
    return Promise.resolve();
  }
}
