import { align64, bidKey, computeSig, pstCrc, u64 } from './binary.js';
import { ExtentKind, type ExtentList } from './extents.js';
import { Growable } from './growable.js';
import type { PositionalReader } from './io.js';
import { BLOCK_TRAILER, MAX_BLOCK_DATA } from './layout.js';
import { hex, type Reporter } from './report.js';

/**
 * The BBT leaf entries in typed arrays (bid, ib, cb, cRef, references found), sorted by BID for lookups.
 * About 30 bytes per block, no object per block.
 */
export class BlockTable {
  private readonly bidG = new Growable(Float64Array);
  private readonly ibG = new Growable(Float64Array);
  private readonly cbG = new Growable(Uint16Array);
  private readonly crefG = new Growable(Uint16Array);
  bid = new Float64Array(0);
  ib = new Float64Array(0);
  cb = new Uint16Array(0);
  cref = new Uint16Array(0);
  /** References found to each block (NBT, SLENTRY, XBLOCK/XXBLOCK). */
  refs = new Uint32Array(0);
  /** Per-block flags (bit 0: heap checked). */
  flags = new Uint8Array(0);
  reservedBitEntries = 0;

  /** Adds a BBT leaf entry (BBTENTRY: BREF bid, ib; cb u16; cRef u16). */
  addEntry(page: Buffer, off: number): void {
    const bid = u64(page, off);
    if (bid % 2 === 1) this.reservedBitEntries++;
    this.bidG.push(bidKey(bid));
    this.ibG.push(u64(page, off + 8));
    this.cbG.push(page.readUInt16LE(off + 16));
    this.crefG.push(page.readUInt16LE(off + 18));
  }

  /** Freezes the table: sorts by BID when the BBT order was broken. */
  finish(): void {
    const n = this.bidG.length;
    let bid = this.bidG.view();
    let ib = this.ibG.view();
    let cb = this.cbG.view();
    let cref = this.crefG.view();
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (!(bid[i]! > bid[i - 1]!)) sorted = false;
    if (!sorted) {
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => bid[a]! - bid[b]!);
      const pick = <T extends Float64Array | Uint16Array>(src: T, dst: T): T => {
        for (let i = 0; i < n; i++) dst[i] = src[order[i]!]!;
        return dst;
      };
      bid = pick(bid, new Float64Array(n));
      ib = pick(ib, new Float64Array(n));
      cb = pick(cb, new Uint16Array(n));
      cref = pick(cref, new Uint16Array(n));
    }
    this.bid = bid;
    this.ib = ib;
    this.cb = cb;
    this.cref = cref;
    this.refs = new Uint32Array(n);
    this.flags = new Uint8Array(n);
  }

  get length(): number {
    return this.bid.length;
  }

  /** Index of the block with this BID (bit 0 ignored), or -1. */
  find(bid: number): number {
    const key = bidKey(bid);
    let lo = 0;
    let hi = this.bid.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.bid[mid]!;
      if (v === key) return mid;
      if (v < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Largest BID in the table (0 when empty). */
  maxBid(): number {
    return this.bid.length ? this.bid[this.bid.length - 1]! : 0;
  }
}

/**
 * Checks every block of the BBT (MS-PST 2.2.2.8): 64-byte alignment, size, inside the file, BLOCKTRAILER
 * cb/wSig/bid and the CRC over the stored bytes; records each block as an allocated extent.
 */
export async function checkBlocks(
  reader: PositionalReader,
  table: BlockTable,
  extents: ExtentList,
  rep: Reporter,
): Promise<void> {
  if (table.reservedBitEntries)
    rep.warn(
      'bid.reserved-bit',
      'BBT',
      undefined,
      `${table.reservedBitEntries} BBT entries have BID bit 0 (reserved) set`,
    );
  for (let i = 0; i < table.length; i++) {
    const bid = table.bid[i]!;
    const ib = table.ib[i]!;
    const cb = table.cb[i]!;
    const what = `block ${hex(bid)}`;
    if (i > 0 && table.bid[i - 1] === bid)
      rep.error('btree.key-order', 'BBT', undefined, `BID ${hex(bid)} appears twice`);
    if (ib % 64 !== 0) rep.error('block.align', what, ib, `ib is not 64-byte aligned`);
    if (cb > MAX_BLOCK_DATA) {
      rep.error('block.size', what, ib, `BBT cb ${cb} exceeds ${MAX_BLOCK_DATA}`);
      continue;
    }
    if (cb === 0) rep.warn('block.empty', what, ib, `BBT cb is 0 (zero-length blocks are not allowed)`);
    const size = align64(cb + BLOCK_TRAILER);
    if (ib + size > reader.size) {
      rep.error(
        'block.bounds',
        what,
        ib,
        `block of ${size} bytes extends past the end of the file (${reader.size} bytes)`,
      );
      continue;
    }
    extents.add(ib, size, ExtentKind.Block);
    const buf = await reader.read(ib, size);
    const t = size - BLOCK_TRAILER;
    const tcb = buf.readUInt16LE(t);
    const wSig = buf.readUInt16LE(t + 2);
    const dwCrc = buf.readUInt32LE(t + 4);
    const tbid = u64(buf, t + 8);
    if (tcb !== cb) rep.error('block.trailer-cb', what, ib, `trailer cb ${tcb} != BBT cb ${cb}`);
    const wantSig = computeSig(ib, bid);
    if (wSig !== wantSig)
      rep.error('block.trailer-sig', what, ib, `trailer wSig ${hex(wSig)}, expected ${hex(wantSig)}`);
    if (bidKey(tbid) !== bid)
      rep.error('block.trailer-bid', what, ib, `trailer bid ${hex(tbid)} != BBT bid ${hex(bid)}`);
    const crc = pstCrc(buf.subarray(0, cb));
    if (crc !== dwCrc)
      rep.error('block.crc', what, ib, `trailer dwCRC ${hex(dwCrc)}, computed ${hex(crc)} over ${cb} bytes`);
  }
}
