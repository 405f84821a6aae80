/**
 * The trailers that end every page and every block of the file, Unicode layout (16 bytes each):
 * PAGETRAILER, [MS-PST] §2.2.2.7.1, and BLOCKTRAILER, §2.2.2.8.1.
 */
import { pstCrc } from '../encode/crc.js';
import { computeSig } from '../encode/signature.js';
import { align, setU64, viewOf } from '../io/bytes.js';
import { BLOCK_TRAILER_SIZE, PAGE_DATA_SIZE, PAGE_SIZE } from './constants.js';

/** PAGETRAILER — [MS-PST] §2.2.2.7.1: the last 16 bytes of a 512-byte page. */
export class PageTrailer {
  /** Bytes of a PAGETRAILER. */
  static readonly SIZE = PAGE_SIZE - PAGE_DATA_SIZE;

  constructor(
    /** `ptype`, repeated in `ptypeRepeat`. */
    readonly ptype: number,
    /** `bid`: the page's BID; a map page's own offset. */
    readonly bid: number,
    /** `wSig`: 0 for the map pages (AMap, PMap, FMap, FPMap), else computed from `ib` and `bid` (§5.5). */
    readonly wSig: number,
  ) {}

  /** The trailer of an AMap, PMap, FMap or FPMap page: `bid` is the page's offset and `wSig` is 0 (§2.2.2.7.1). */
  static forMapPage(ptype: number, ib: number): PageTrailer {
    return new PageTrailer(ptype, ib, 0);
  }

  /** The trailer of a BT page or of the density list: signed with `ib` and `bid` (§2.2.2.7.1, §5.5). */
  static signed(ptype: number, ib: number, bid: number): PageTrailer {
    return new PageTrailer(ptype, bid, computeSig(ib, bid));
  }

  /** Writes the trailer into `page` (512 bytes), with `dwCRC` over the page's first 496 bytes as they are now. */
  writeTo(page: Uint8Array): void {
    const view = viewOf(page);
    const at = PAGE_DATA_SIZE;
    page[at] = this.ptype; // ptype
    page[at + 1] = this.ptype; // ptypeRepeat
    view.setUint16(at + 2, this.wSig, true); // wSig
    view.setUint32(at + 4, pstCrc(page.subarray(0, PAGE_DATA_SIZE)), true); // dwCRC
    setU64(view, at + 8, this.bid); // bid
  }
}

/** BLOCKTRAILER — [MS-PST] §2.2.2.8.1: the last 16 bytes of a block, after its data and padding. */
export class BlockTrailer {
  /** Bytes of a BLOCKTRAILER. */
  static readonly SIZE = BLOCK_TRAILER_SIZE;

  constructor(
    /** `cb`: bytes of data in the block (without padding and trailer). */
    readonly cb: number,
    /** `wSig`: computed from the block's `ib` and `bid` (§5.5). */
    readonly wSig: number,
    /** `dwCRC`: over the data as stored (encoded, for an external block of a permute file). */
    readonly dwCRC: number,
    /** `bid`. */
    readonly bid: number,
  ) {}

  /** A block's size on disk: its data and trailer, rounded up to 64 bytes (§2.2.2.8). */
  static blockSize(cb: number): number {
    return align(cb + BLOCK_TRAILER_SIZE, 64);
  }

  /** Writes the trailer at `view[at, at + 16)`. */
  writeTo(view: DataView, at: number): void {
    BlockTrailer.write(view, at, this.cb, this.wSig, this.dwCRC, this.bid);
  }

  /** `writeTo` without an object: the file sink writes one trailer per block. */
  static write(view: DataView, at: number, cb: number, wSig: number, dwCRC: number, bid: number): void {
    view.setUint16(at, cb, true); // cb
    view.setUint16(at + 2, wSig, true); // wSig
    view.setUint32(at + 4, dwCRC, true); // dwCRC
    setU64(view, at + 8, bid); // bid
  }
}
