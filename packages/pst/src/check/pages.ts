import { computeSig, pstCrc, u64 } from './binary.js';
import { PAGE_DATA, PAGE_SIZE, PTYPE_AMAP, PTYPE_FMAP, PTYPE_FPMAP, PTYPE_PMAP, ptypeName } from './layout.js';
import { hex, type Reporter } from './report.js';

/** True for the allocation map pages, whose trailer has wSig 0 and bid == ib. */
export function isMapPtype(ptype: number): boolean {
  return ptype === PTYPE_AMAP || ptype === PTYPE_PMAP || ptype === PTYPE_FMAP || ptype === PTYPE_FPMAP;
}

/**
 * Checks the PAGETRAILER of the 512-byte page read at `ib` (MS-PST 2.2.2.7.1): ptype and ptypeRepeat,
 * wSig (0 for map pages, ComputeSig(ib, bid) otherwise), CRC over the first 496 bytes, and bid
 * (`ib` for map pages, `expectedBid` otherwise). Returns false when the page is missing or has the wrong type.
 */
export function checkPageTrailer(
  page: Buffer,
  ib: number,
  ptype: number,
  expectedBid: number,
  rep: Reporter,
  what = `${ptypeName(ptype)} page`,
): boolean {
  if (page.length < PAGE_SIZE) {
    rep.error('page.bounds', what, ib, `page extends past the end of the file`);
    return false;
  }
  const t = page.subarray(PAGE_DATA);
  const gotType = t[0]!;
  const gotRepeat = t[1]!;
  const wSig = t.readUInt16LE(2);
  const dwCrc = t.readUInt32LE(4);
  const bid = u64(t, 8);
  let typeOk = true;
  if (gotType !== ptype || gotRepeat !== ptype) {
    rep.error('page.ptype', what, ib, `ptype/ptypeRepeat ${hex(gotType)}/${hex(gotRepeat)}, expected ${hex(ptype)}`);
    typeOk = false;
  }
  const crc = pstCrc(page.subarray(0, PAGE_DATA));
  if (crc !== dwCrc) rep.error('page.crc', what, ib, `dwCRC ${hex(dwCrc)}, computed ${hex(crc)}`);
  const wantBid = isMapPtype(ptype) ? ib : expectedBid;
  if (bid !== wantBid) rep.error('page.bid', what, ib, `trailer bid ${hex(bid)}, expected ${hex(wantBid)}`);
  const wantSig = isMapPtype(ptype) ? 0 : computeSig(ib, wantBid);
  if (wSig !== wantSig) rep.error('page.sig', what, ib, `wSig ${hex(wSig)}, expected ${hex(wantSig)}`);
  return typeOk;
}
