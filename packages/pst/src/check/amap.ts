import { computeSig, pstCrc, u64 } from './binary.js';
import { EXTENT_KIND_NAMES, ExtentKind, type ExtentList, MAX_EXTENT_OFFSET, unpackExtent } from './extents.js';
import type { PstHeader } from './header.js';
import type { PositionalReader } from './io.js';
import {
  AMAP_SPAN,
  amapOffset,
  DLIST_OFFSET,
  FIRST_AMAP,
  hasFMap,
  hasFPMap,
  hasPMap,
  PAGE_DATA,
  PAGE_SIZE,
  PTYPE_AMAP,
  PTYPE_DLIST,
  PTYPE_FMAP,
  PTYPE_FPMAP,
  PTYPE_PMAP,
} from './layout.js';
import { checkPageTrailer } from './pages.js';
import { hex, type Reporter } from './report.js';

/** Number of AMap regions the header claims (bounded by the real file size). */
export function amapCount(hdr: PstHeader, fileSize: number): number {
  const eof = Math.min(hdr.ibFileEof, fileSize + AMAP_SPAN);
  return eof > FIRST_AMAP ? Math.ceil((eof - FIRST_AMAP) / AMAP_SPAN) : 0;
}

/** Number of zero bits in a byte. */
const ZEROS = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    let n = 0;
    for (let k = 0; k < 8; k++) if (((b >> k) & 1) === 0) n++;
    t[b] = n;
  }
  return t;
})();

/**
 * Checks the allocation map pages at their fixed offsets (MS-PST 2.2.2.7.2-2.2.2.7.6): AMap at
 * 0x4400 + k*253952, PMap at AMap + 512 when k % 8 == 0, FMap at AMap + 1024 when k >= 128 and
 * (k - 128) % 496 == 0, FPMap at AMap + 1024 when k >= 8192 and (k - 8192) % 31744 == 0. Each page's
 * trailer must be valid (bid == ib, wSig 0). Records them as extents and returns the free bytes of the AMaps.
 */
export async function checkMapPages(
  reader: PositionalReader,
  n: number,
  extents: ExtentList,
  rep: Reporter,
): Promise<number> {
  let free = 0;
  for (let k = 0; k < n; k++) {
    const ib = amapOffset(k);
    const amap = await reader.read(ib, PAGE_SIZE);
    extents.add(ib, PAGE_SIZE, ExtentKind.AMap);
    if (checkPageTrailer(amap, ib, PTYPE_AMAP, ib, rep, `AMap page ${k}`)) {
      for (let i = 0; i < PAGE_DATA; i++) free += ZEROS[amap[i]!]! * 64;
      if ((amap[0]! & 0x80) === 0)
        rep.error('amap.self', `AMap page ${k}`, ib, `first bit is 0: the AMap page does not mark itself allocated`);
    }
    if (hasPMap(k)) {
      extents.add(ib + PAGE_SIZE, PAGE_SIZE, ExtentKind.PMap);
      checkPageTrailer(
        await reader.read(ib + PAGE_SIZE, PAGE_SIZE),
        ib + PAGE_SIZE,
        PTYPE_PMAP,
        ib + PAGE_SIZE,
        rep,
        `PMap page of region ${k}`,
      );
    }
    if (hasFMap(k)) {
      extents.add(ib + 2 * PAGE_SIZE, PAGE_SIZE, ExtentKind.FMap);
      checkPageTrailer(
        await reader.read(ib + 2 * PAGE_SIZE, PAGE_SIZE),
        ib + 2 * PAGE_SIZE,
        PTYPE_FMAP,
        ib + 2 * PAGE_SIZE,
        rep,
        `FMap page of region ${k}`,
      );
    }
    if (hasFPMap(k)) {
      extents.add(ib + 2 * PAGE_SIZE, PAGE_SIZE, ExtentKind.FPMap);
      checkPageTrailer(
        await reader.read(ib + 2 * PAGE_SIZE, PAGE_SIZE),
        ib + 2 * PAGE_SIZE,
        PTYPE_FPMAP,
        ib + 2 * PAGE_SIZE,
        rep,
        `FPMap page of region ${k}`,
      );
    }
  }
  return free;
}

/** Result of {@link sweepAllocations}. */
export interface SweepResult {
  leakedBytes: number;
}

/**
 * Sweeps every allocated extent (pages and blocks) in offset order: no two overlap, each lies inside an
 * AMap region and every 64-byte slot it uses is marked allocated; AMap slots marked allocated but used
 * by nothing are counted as leaked.
 */
export async function sweepAllocations(
  reader: PositionalReader,
  n: number,
  extents: ExtentList,
  rep: Reporter,
): Promise<SweepResult> {
  const keys = extents.sorted();
  const regionEnd = amapOffset(n);
  let leakedBytes = 0;
  let region = -1;
  let bits: Buffer = Buffer.alloc(0);
  let used = new Uint8Array(PAGE_DATA);
  let missingReports = 0;

  const closeRegion = (): void => {
    if (region < 0 || bits.length < PAGE_DATA) return;
    for (let i = 0; i < PAGE_DATA; i++) {
      const leak = bits[i]! & ~used[i]! & 0xff;
      if (leak) leakedBytes += (8 - ZEROS[leak]!) * 64;
    }
  };
  const openRegion = async (k: number): Promise<void> => {
    closeRegion();
    region = k;
    bits = await reader.read(amapOffset(k), PAGE_SIZE);
    used = new Uint8Array(PAGE_DATA);
  };

  let prevEnd = 0;
  let prevWhat = '';
  for (let e = 0; e < keys.length; e++) {
    const { ib, kind, size } = unpackExtent(keys[e]!);
    const what = EXTENT_KIND_NAMES[kind];
    if (ib < prevEnd)
      rep.error('amap.overlap', what, ib, `[${ib}, ${ib + size}) overlaps the ${prevWhat} ending at ${prevEnd}`);
    if (ib + size > prevEnd) {
      prevEnd = ib + size;
      prevWhat = `${what} at ${ib}`;
    }
    if (ib < FIRST_AMAP || ib + size > regionEnd) {
      rep.error(
        'amap.not-covered',
        what,
        ib,
        `[${ib}, ${ib + size}) is outside the AMap-covered range [${FIRST_AMAP}, ${regionEnd})`,
      );
      continue;
    }
    let reported = false;
    for (let off = ib - (ib % 64); off < ib + size; off += 64) {
      const k = Math.floor((off - FIRST_AMAP) / AMAP_SPAN);
      if (k !== region) await openRegion(k);
      const slot = (off - amapOffset(k)) / 64;
      const mask = 0x80 >> (slot % 8);
      used[slot >> 3]! |= mask;
      if (bits.length >= PAGE_DATA && (bits[slot >> 3]! & mask) === 0 && !reported) {
        reported = true;
        if (missingReports++ < 1_000_000)
          rep.error(
            'amap.not-allocated',
            what,
            ib,
            `64-byte slot at ${off} is free in AMap page ${k} (at ${amapOffset(k)})`,
          );
      }
    }
  }
  closeRegion();
  return { leakedBytes };
}

/** False (and an error) when the file is too large for packed extent keys (above ~137 GB). */
export function checkExtentRange(fileSize: number, rep: Reporter): boolean {
  if (fileSize > MAX_EXTENT_OFFSET) {
    rep.error(
      'check.file-too-large',
      'file',
      undefined,
      `${fileSize} bytes is above the ${MAX_EXTENT_OFFSET} bytes this checker can sweep`,
    );
    return false;
  }
  return true;
}

/**
 * Checks the Density List page at 0x4200 (MS-PST 2.2.2.7.4): present (ptype 0x86), valid CRC and
 * signature, trailer bid == header bidNextP, cEntDList within the page.
 */
export async function checkDList(reader: PositionalReader, hdr: PstHeader, rep: Reporter): Promise<void> {
  const S = 'DList page';
  const p = await reader.read(DLIST_OFFSET, PAGE_SIZE);
  if (p.length < PAGE_SIZE) {
    rep.warn('dlist.missing', S, DLIST_OFFSET, 'file ends before the DList page');
    return;
  }
  const t = p.subarray(PAGE_DATA);
  if (t[0] !== PTYPE_DLIST) {
    rep.warn('dlist.missing', S, DLIST_OFFSET, `no DList page: ptype ${hex(t[0]!)}`);
    return;
  }
  const bid = u64(t, 8);
  if (t[1] !== PTYPE_DLIST) rep.warn('dlist.page', S, DLIST_OFFSET, `ptypeRepeat ${hex(t[1]!)}, expected 0x86`);
  const crc = pstCrc(p.subarray(0, PAGE_DATA));
  if (crc !== t.readUInt32LE(4))
    rep.warn('dlist.page', S, DLIST_OFFSET, `dwCRC ${hex(t.readUInt32LE(4))}, computed ${hex(crc)}`);
  const sig = computeSig(DLIST_OFFSET, bid);
  if (t.readUInt16LE(2) !== sig)
    rep.warn('dlist.page', S, DLIST_OFFSET, `wSig ${hex(t.readUInt16LE(2))}, expected ${hex(sig)}`);
  if (bid !== hdr.bidNextP)
    rep.warn('dlist.bid', S, DLIST_OFFSET, `trailer bid ${hex(bid)} != header bidNextP ${hex(hdr.bidNextP)}`);
  const cEnt = p[1]!;
  if (cEnt > 476 / 4) rep.warn('dlist.page', S, DLIST_OFFSET, `cEntDList ${cEnt} exceeds ${476 / 4}`);
}
