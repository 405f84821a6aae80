/**
 * HEADER and ROOT (Unicode) — [MS-PST] §2.2.2.6 and §2.2.2.5, and the density list page, §2.2.2.7.4.
 */
import { pstCrc } from '../encode/crc.js';
import { setU64, viewOf } from '../io/bytes.js';
import { HEADER_SIZE, PAGE_SIZE } from './constants.js';
import type { CryptMethod, NdbRoot } from './ndb-writer.js';

/**
 * The HEADER's 564 bytes (through `rgbReserved3`). The file's bytes after them up to the DList at 0x4200 are never
 * written: the file is created empty, so they read as zeros.
 */
export function buildHeader(root: NdbRoot, nidHighWaterMarks: readonly number[], crypt: CryptMethod): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE);
  const v = viewOf(h);
  h.set([0x21, 0x42, 0x44, 0x4e], 0); // dwMagic "!BDN"
  h.set([0x53, 0x4d], 8); // wMagicClient "SM"
  v.setUint16(0x0a, 23, true); // wVer: Unicode
  v.setUint16(0x0c, 19, true); // wVerClient
  h[0x0e] = 1; // bPlatformCreate
  h[0x0f] = 1; // bPlatformAccess
  setU64(v, 0x18, 0x1_0000_0004); // bidUnused: the spec's sample value
  setU64(v, 0x20, root.nextPageBid); // bidNextP
  v.setUint32(0x28, 1, true); // dwUnique
  for (let i = 0; i < 32; i++) v.setUint32(0x2c + 4 * i, nidHighWaterMarks[i] ?? 0x400, true); // rgnid[32]
  // ROOT at 0xB4 — [MS-PST] §2.2.2.5.
  setU64(v, 0xb8, root.fileEof); // ibFileEof
  setU64(v, 0xc0, root.amapLast); // ibAMapLast
  setU64(v, 0xc8, root.amapFree); // cbAMapFree
  setU64(v, 0xd0, 0); // cbPMapFree
  setU64(v, 0xd8, root.nbt.bid); // BREFNBT.bid
  setU64(v, 0xe0, root.nbt.ib); // BREFNBT.ib
  setU64(v, 0xe8, root.bbt.bid); // BREFBBT.bid
  setU64(v, 0xf0, root.bbt.ib); // BREFBBT.ib
  h[0xf8] = 2; // fAMapValid: VALID_AMAP2
  h.fill(0xff, 0x100, 0x200); // rgbFM, rgbFP: deprecated, all 0xFF
  h[0x200] = 0x80; // bSentinel
  h[0x201] = crypt === 'permute' ? 0x01 : 0x00; // bCryptMethod
  setU64(v, 0x204, root.nextBid); // bidNextB
  v.setUint32(0x04, pstCrc(h.subarray(0x08, 0x08 + 471)), true); // dwCRCPartial
  v.setUint32(0x20c, pstCrc(h.subarray(0x08, 0x08 + 516)), true); // dwCRCFull
  return h;
}

/** An empty DLISTPAGE (bFlags 0, no entries), as Outlook writes for a new store; the trailer is added by the caller. */
export function emptyDensityList(): Uint8Array {
  return new Uint8Array(PAGE_SIZE);
}
