/**
 * HEADER and ROOT — [MS-PST] §2.2.2.6 and §2.2.2.5: `buildHeader` against the spec's sample header (§3.2) and against
 * the header of an empty store Outlook made (`outlook-empty.pst`), byte for byte. The expected bytes are laid out
 * here from the spec's field list, not from the writer.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildHeader } from '../../src/ndb/header.js';
import type { NdbRoot } from '../../src/ndb/ndb-writer.js';
import { layout, le, specCrc } from '../support/recording-ndb.js';

const OUTLOOK_EMPTY = '/work/shared/reference/outlook-empty.pst';

interface HeaderFields {
  readonly dwReserved1: number;
  readonly dwReserved2: number;
  readonly bidUnused: bigint;
  readonly bidNextP: number;
  readonly dwUnique: number;
  readonly rgnid: readonly number[];
  readonly root: NdbRoot;
  readonly cryptMethod: number;
  readonly bidNextB: number;
}

/** The Unicode HEADER from the spec's field order (§2.2.2.6), its two CRCs over the ranges it names. */
function specHeader(f: HeaderFields): Uint8Array {
  const h = layout(564, [
    [0x00, [0x21, 0x42, 0x44, 0x4e]], // dwMagic "!BDN"
    [0x08, [0x53, 0x4d]], // wMagicClient "SM"
    [0x0a, le(23, 2)], // wVer
    [0x0c, le(19, 2)], // wVerClient
    [0x0e, [1, 1]], // bPlatformCreate, bPlatformAccess
    [0x10, le(f.dwReserved1, 4)],
    [0x14, le(f.dwReserved2, 4)],
    [0x18, le(f.bidUnused, 8)],
    [0x20, le(f.bidNextP, 8)],
    [0x28, le(f.dwUnique, 4)],
    [0x2c, f.rgnid.flatMap((nid) => le(nid, 4))], // rgnid[32]
    // qwUnused (0xAC, 8 bytes) stays 0. ROOT at 0xB4: dwReserved (4) stays 0.
    [0xb8, le(f.root.fileEof, 8)],
    [0xc0, le(f.root.amapLast, 8)],
    [0xc8, le(f.root.amapFree, 8)],
    [0xd0, le(0, 8)], // cbPMapFree
    [0xd8, [...le(f.root.nbt.bid, 8), ...le(f.root.nbt.ib, 8)]], // BREFNBT
    [0xe8, [...le(f.root.bbt.bid, 8), ...le(f.root.bbt.ib, 8)]], // BREFBBT
    [0xf8, [2]], // fAMapValid: VALID_AMAP2; bReserved, wReserved stay 0; dwAlign (0xFC) stays 0
    [0x100, new Array<number>(256).fill(0xff)], // rgbFM, rgbFP
    [0x200, [0x80, f.cryptMethod]], // bSentinel, bCryptMethod; rgbReserved (2) stays 0
    [0x204, le(f.root.nextBid, 8)], // bidNextB
  ]);
  h.set(le(specCrc(h.subarray(0x08, 0x08 + 471)), 4), 0x04); // dwCRCPartial: 471 bytes from wMagicClient
  h.set(le(specCrc(h.subarray(0x08, 0x08 + 516)), 4), 0x20c); // dwCRCFull: 516 bytes, wMagicClient to bidNextB
  return h;
}

/** §3.2 Sample Header. */
const SAMPLE_RGNID = Array.from({ length: 32 }, (_, t) => {
  const special: Record<number, number> = {
    2: 0x404,
    3: 0x4000,
    4: 0x10002,
    5: 0x404,
    8: 0x8000,
    13: 0x404,
    14: 0x404,
    15: 0x404,
    31: 0x40f,
  };
  return special[t] ?? 0x400;
});
const SAMPLE_ROOT: NdbRoot = {
  fileEof: 0x9f2400,
  usedEnd: 0x9f2400,
  amapLast: 0x9b4400,
  amapFree: 0x12f240,
  nbt: { bid: 0x24b, ib: 0x905200 },
  bbt: { bid: 0x253, ib: 0x900a00 },
  nextBid: 0x1434,
  nextPageBid: 0x254,
};

test('the spec CRC (§5.3) of "123456789" is 0x2DFD2D88', () => {
  assert.equal(specCrc(new TextEncoder().encode('123456789')), 0x2dfd2d88);
});

test("the spec's sample header, laid out from the field list, has the sample's CRCs (the test's own layout is right)", () => {
  const h = specHeader({
    dwReserved1: 0x75c,
    dwReserved2: 0x0b997bd0,
    bidUnused: 0x1_0000_0004n,
    bidNextP: 0x254,
    dwUnique: 0x45,
    rgnid: SAMPLE_RGNID,
    root: SAMPLE_ROOT,
    cryptMethod: 1,
    bidNextB: 0x1434,
  });
  const view = new DataView(h.buffer);
  assert.equal(view.getUint32(0x04, true), 0x379aa90e, 'dwCRCPartial');
  assert.equal(view.getUint32(0x20c, true), 0x1fd283d6, 'dwCRCFull');
});

test("buildHeader with the sample's values gives the sample header, with a creator's dwReserved1/2 (0) and dwUnique (1)", () => {
  const ours = buildHeader(SAMPLE_ROOT, SAMPLE_RGNID, 'permute');
  const expected = specHeader({
    dwReserved1: 0,
    dwReserved2: 0,
    bidUnused: 0x1_0000_0004n,
    bidNextP: 0x254,
    dwUnique: 1,
    rgnid: SAMPLE_RGNID,
    root: SAMPLE_ROOT,
    cryptMethod: 1,
    bidNextB: 0x1434,
  });
  assert.equal(ours.length, 564);
  assert.deepEqual(ours, expected);
  const none = buildHeader(SAMPLE_ROOT, SAMPLE_RGNID, 'none');
  assert.equal(none[0x201], 0x00, 'bCryptMethod NDB_CRYPT_NONE');
});

test("buildHeader with the values of Outlook's empty store matches its header in every field a creator sets the same", () => {
  const file = readFileSync(OUTLOOK_EMPTY);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const u64 = (at: number): number => Number(view.getBigUint64(at, true));
  const root: NdbRoot = {
    fileEof: u64(0xb8),
    usedEnd: u64(0xb8),
    amapLast: u64(0xc0),
    amapFree: u64(0xc8),
    nbt: { bid: u64(0xd8), ib: u64(0xe0) },
    bbt: { bid: u64(0xe8), ib: u64(0xf0) },
    nextBid: u64(0x204),
    nextPageBid: u64(0x20),
  };
  const rgnid = Array.from({ length: 32 }, (_, t) => view.getUint32(0x2c + 4 * t, true));
  const ours = buildHeader(root, rgnid, file[0x201] === 1 ? 'permute' : 'none');
  // Fields Outlook fills with values of its own, which a creator sets otherwise (§2.2.2.6): the CRCs (they cover
  // those fields), dwReserved1/2, bidUnused, dwUnique.
  const own = new Set<number>();
  for (const [from, to] of [
    [0x04, 0x08],
    [0x10, 0x20],
    [0x28, 0x2c],
    [0x20c, 0x210],
  ] as const) {
    for (let i = from; i < to; i++) own.add(i);
  }
  const differing: string[] = [];
  // rgbReserved2, bReserved and rgbReserved3 (0x210..0x234): "SHOULD NOT modify"; Outlook left bytes there.
  for (let i = 0; i < 0x210; i++) if (!own.has(i) && ours[i] !== file[i]) differing.push(`0x${i.toString(16)}`);
  assert.deepEqual(differing, []);
  for (let i = 0x210; i < 564; i++) assert.equal(ours[i], 0, `reserved byte 0x${i.toString(16)} of a new file is 0`);
});
