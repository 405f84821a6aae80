/**
 * Stand-ins for the NDB layer's byte destinations, for per-structure tests: they keep what the code under test hands
 * over, as it was handed over, so that a test can compare it with bytes laid out by hand from the spec.
 */

import type { DataTreeWriter } from '../../src/ndb/data-tree.js';
import type { NdbWriter } from '../../src/ndb/ndb-writer.js';
import type { Sink } from '../../src/ndb/sink.js';
import type { PageTrailer } from '../../src/ndb/trailers.js';

/**
 * An `NdbWriter` in place of the file for code that only writes blocks (heaps, data and subnode trees): blocks by
 * BID, their data unencoded. BIDs go up by 4 from 4; internal blocks have bit 1 set ([MS-PST] §2.2.2.2).
 */
export function recordingNdb(): { ndb: NdbWriter; blocks: Map<number, Uint8Array>; internal: Set<number> } {
  const blocks = new Map<number, Uint8Array>();
  const internal = new Set<number>();
  let next = 4;
  const ndb = {
    dataBytes: 0,
    writeBlock(data: Uint8Array, length: number, isInternal: boolean, from = 0): number {
      const bid = next + (isInternal ? 2 : 0);
      next += 4;
      blocks.set(bid, data.slice(from, from + length));
      if (isInternal) internal.add(bid);
      else ndb.dataBytes += length;
      return bid;
    },
  };
  return { ndb: ndb as unknown as NdbWriter, blocks, internal };
}

/** A block as a sink received it. */
export interface RecordedBlock {
  readonly ib: number;
  readonly size: number;
  readonly bid: number;
  readonly data: Uint8Array;
  readonly permute: boolean;
}

/** A `Sink` that keeps every page (512 bytes, trailer included) and block it is given, by offset. */
export class RecordingSink implements Sink {
  readonly pages = new Map<number, Uint8Array>();
  readonly blocks = new Map<number, RecordedBlock>();
  readonly zeros: [number, number][] = [];

  writeBlock(
    ib: number,
    size: number,
    bid: number,
    source: Uint8Array,
    from: number,
    length: number,
    permute: boolean,
  ): void {
    this.blocks.set(ib, { ib, size, bid, data: source.slice(from, from + length), permute });
  }

  writePage(ib: number, trailer: PageTrailer, fill: (page: Uint8Array) => void): void {
    const page = new Uint8Array(512);
    fill(page);
    trailer.writeTo(page);
    this.pages.set(ib, page);
  }

  writeZeros(ib: number, length: number): void {
    this.zeros.push([ib, length]);
  }

  ready(): undefined {
    return undefined;
  }

  content(_size: number, read: () => Promise<Uint8Array>): Promise<Uint8Array> {
    return read();
  }

  streamContent(_tree: DataTreeWriter, _size: number, stream: () => Promise<void>): Promise<void> {
    return stream();
  }
}

/** Little-endian bytes of `value` in `width` bytes: for laying out expected structures by hand. */
export function le(value: number | bigint, width: number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

/** A buffer of `size` zero bytes with `parts` placed at their offsets (`[offset, bytes]`). */
export function layout(
  size: number,
  parts: readonly (readonly [number, readonly number[] | Uint8Array])[],
): Uint8Array {
  const out = new Uint8Array(size);
  for (const [at, bytes] of parts) out.set(bytes, at);
  return out;
}

/** [MS-PST] §5.3 CRC computed the way the spec states it, bit by bit (independent of the writer's `pstCrc`). */
export function specCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return crc >>> 0;
}

/** [MS-PST] §5.5 ComputeSig, as the spec writes it. */
export function specSig(ib: number, bid: number): number {
  const x = Number((BigInt(ib) ^ BigInt(bid)) & 0xffffffffn);
  return ((x >>> 16) ^ x) & 0xffff;
}
