/**
 * PAGETRAILER and BLOCKTRAILER — [MS-PST] §2.2.2.7.1 and §2.2.2.8.1: trailers written by `PageTrailer` and
 * `BlockTrailer` over the pages and blocks of an empty store Outlook made (`outlook-empty.pst`) come out as Outlook's
 * own, byte for byte; and a trailer laid out by hand from the spec.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BlockTrailer, PageTrailer } from '../../src/ndb/trailers.js';
import { layout, le, specCrc, specSig } from '../support/recording-ndb.js';

/** A plain Uint8Array: a Buffer's `slice` would be a view, not a copy. */
const file = new Uint8Array(readFileSync('/work/shared/reference/outlook-empty.pst'));
const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
const u64 = (at: number): number => Number(view.getBigUint64(at, true));

/** A copy of the page at `ib` with its trailer cleared. */
function withoutTrailer(ib: number): Uint8Array {
  const page = file.slice(ib, ib + 512);
  page.fill(0, 496);
  return page;
}

test('the sizes: 16 bytes each; a block on disk is its data and trailer rounded up to 64 bytes', () => {
  assert.equal(PageTrailer.SIZE, 16);
  assert.equal(BlockTrailer.SIZE, 16);
  assert.deepEqual(
    [1, 48, 49, 8176].map((cb) => BlockTrailer.blockSize(cb)),
    [64, 64, 128, 8192],
  );
});

test("PageTrailer over Outlook's BBT root, NBT root and first AMap page gives Outlook's trailers", () => {
  const bbt = { bid: u64(0xe8), ib: u64(0xf0) };
  const nbt = { bid: u64(0xd8), ib: u64(0xe0) };
  for (const [name, ib, trailer] of [
    ['BBT root', bbt.ib, PageTrailer.signed(0x80, bbt.ib, bbt.bid)],
    ['NBT root', nbt.ib, PageTrailer.signed(0x81, nbt.ib, nbt.bid)],
    ['AMap', 0x4400, PageTrailer.forMapPage(0x84, 0x4400)],
  ] as const) {
    const page = withoutTrailer(ib);
    trailer.writeTo(page);
    assert.deepEqual(page, new Uint8Array(file.subarray(ib, ib + 512)), name);
  }
});

test('a BT page trailer laid out from the spec: ptype twice, wSig (§5.5), dwCRC of the 496 data bytes (§5.3), bid', () => {
  const page = new Uint8Array(512);
  for (let i = 0; i < 496; i++) page[i] = (i * 7) & 0xff;
  const data = page.slice(0, 496);
  PageTrailer.signed(0x81, 0x905200, 0x24b).writeTo(page);
  const expected = layout(512, [
    [0, data],
    [496, [0x81, 0x81, ...le(specSig(0x905200, 0x24b), 2), ...le(specCrc(data), 4), ...le(0x24b, 8)]],
  ]);
  assert.deepEqual(page, expected);
  // §5.5 by hand: 0x905200 ^ 0x24b = 0x90504b; 0x0090 ^ 0x504b = 0x50db.
  assert.equal(specSig(0x905200, 0x24b), 0x50db);
  assert.deepEqual([...page.subarray(498, 500)], [0xdb, 0x50]);
});

test("BlockTrailer over the blocks of Outlook's BBT leaves gives Outlook's block trailers", () => {
  // Walk the BBT from its root (§2.2.2.7.7): BTENTRYs {btkey, BREF} above, BBTENTRYs {BREF, cb, cRef} in the leaves.
  const entries: { bid: number; ib: number; cb: number }[] = [];
  const walk = (ib: number): void => {
    const count = file[ib + 488]!;
    const level = file[ib + 491]!;
    for (let i = 0; i < count; i++) {
      const at = ib + i * 24;
      if (level > 0) walk(u64(at + 16));
      else entries.push({ bid: u64(at), ib: u64(at + 8), cb: view.getUint16(at + 16, true) });
    }
  };
  walk(u64(0xf0));
  assert.ok(entries.length > 20, `${entries.length} blocks`);
  for (const e of entries) {
    const size = BlockTrailer.blockSize(e.cb);
    const data = file.subarray(e.ib, e.ib + e.cb);
    const trailer = new Uint8Array(16);
    new BlockTrailer(e.cb, specSig(e.ib, e.bid), specCrc(data), e.bid).writeTo(new DataView(trailer.buffer), 0);
    assert.deepEqual(
      trailer,
      new Uint8Array(file.subarray(e.ib + size - 16, e.ib + size)),
      `block 0x${e.bid.toString(16)}`,
    );
  }
});
