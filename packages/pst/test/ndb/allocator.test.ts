/**
 * The allocator and its map pages — [MS-PST] §2.6.1.1, AMap §2.2.2.7.2, PMap §2.2.2.7.3, FMap §2.2.2.7.5, FPMap
 * §2.2.2.7.6: where allocations land, and the map pages compared byte for byte with pages laid out by hand.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Allocator } from '../../src/ndb/allocator.js';
import { layout, le, RecordingSink, specCrc } from '../support/recording-ndb.js';

/** Region k of the file: 0x4400 + k × 496 × 8 × 64 (§2.2.2.7.2). */
const region = (k: number): number => 0x4400 + k * 253_952;

/** A map page from the spec: `content` in its 496 data bytes, then ptype twice, wSig 0, dwCRC, bid = ib (§2.2.2.7.1). */
function mapPage(ptype: number, ib: number, content: readonly number[] | Uint8Array): Uint8Array {
  const data = layout(496, [[0, content]]);
  return layout(512, [
    [0, data],
    [496, [ptype, ptype, 0, 0, ...le(specCrc(data), 4), ...le(ib, 8)]],
  ]);
}

test('region 0: AMap then PMap at 0x4400 and 0x4600, data from 0x4800; the AMap bits of what was allocated', () => {
  const sink = new RecordingSink();
  const allocator = new Allocator(sink);
  assert.deepEqual(sink.zeros, [[0x4400, 1024]], 'the map pages’ place is zeroed first');
  assert.deepEqual(
    sink.pages.get(0x4600),
    mapPage(0x83, 0x4600, new Array<number>(496).fill(0xff)),
    'PMap: no free pages',
  );
  assert.equal(allocator.allocate(64, 64, sink), 0x4800);
  assert.equal(allocator.allocate(512, 512, sink), 0x4a00, 'a page is 512-aligned');
  assert.equal(allocator.allocate(128, 64, sink), 0x4c00);
  const sealed = allocator.seal(sink);
  // Slots of 64 bytes from 0x4400: 0–15 the two map pages, 16 the first block, 17–23 free, 24–31 the page, 32–33.
  assert.deepEqual(sink.pages.get(0x4400), mapPage(0x84, 0x4400, [0xff, 0xff, 0x80, 0xff, 0xc0]));
  assert.deepEqual(sealed, {
    lastRegion: 0,
    usedEnd: 0x4c80,
    fileEof: region(1),
    amapLast: 0x4400,
    amapFree: (3968 - 27) * 64, // 16 + 1 + 8 + 2 slots used
  });
});

test('an allocation that does not fit goes to the next region, after its map pages; the FMap byte is the longest free run', () => {
  const sink = new RecordingSink();
  const allocator = new Allocator(sink);
  allocator.allocate(64, 64, sink);
  // Up to 64 bytes before the end of region 0, leaving one free slot there and the 7 after the first block.
  assert.equal(allocator.allocate(region(1) - 0x4800 - 64 - 64, 64, sink), 0x4840);
  assert.equal(allocator.allocate(128, 64, sink), region(1) + 512, 'region 1 has an AMap only');
  const amap0 = new Uint8Array(496).fill(0xff);
  amap0[495] = 0xfe; // the last slot of the region is free
  assert.deepEqual(sink.pages.get(0x4400), mapPage(0x84, 0x4400, amap0));
  const sealed = allocator.seal(sink);
  assert.equal(sealed.amapFree, 64 + (3968 - 8 - 2) * 64);
  assert.deepEqual(
    sink.pages.get(region(1)),
    mapPage(0x84, region(1), [0xff, 0xc0]),
    'the AMap page itself, then 128 bytes',
  );
});

test('FMap in region 128 and FPMap in region 8192, with their bytes; PMap every eighth region', () => {
  const sink = new RecordingSink();
  const allocator = new Allocator(sink);
  // Fill region k but its last k % 5 slots of 64 bytes, so that each region has its own longest free run. An
  // allocation one slot larger than what region k − 1 left moves into region k.
  for (let k = 0; k <= 8192; k++) {
    if (k > 0) allocator.allocate((((k - 1) % 5) + 1) * 64, 64, sink);
    allocator.allocate(region(k + 1) - allocator.position - (k % 5) * 64, 64, sink);
  }
  const sealed = allocator.seal(sink);
  assert.equal(sealed.lastRegion, 8192);
  assert.ok(sink.pages.has(region(8) + 512) && !sink.pages.has(region(9) + 512), 'PMap in region 8, not 9');
  // Region 128: AMap, PMap, FMap; its data starts after three pages.
  const full = new Array<number>(496).fill(0xff);
  assert.deepEqual(
    sink.pages.get(region(8192) + 1024),
    mapPage(0x85, region(8192) + 1024, full),
    'FPMap: no free pages',
  );
  assert.equal(sink.pages.get(region(128) + 1024), undefined, 'the FMap waits for writeFMaps');
  allocator.writeFMaps(sealed.lastRegion, sink);
  // FMap of region 128 covers regions 128..623: byte i is the longest free run (in slots) of region 128 + i.
  const runs = Array.from({ length: 496 }, (_, i) => (128 + i) % 5);
  assert.deepEqual(sink.pages.get(region(128) + 1024), mapPage(0x82, region(128) + 1024, runs));
  // Region 8192 has no FMap ((8192 − 128) % 496 ≠ 0); regions 624, 1120, … have theirs.
  assert.ok(sink.pages.has(region(624) + 1024) && !sink.pages.has(region(8192) + 512 + 1024));
});

test('restore forgets every allocation since the checkpoint, within a region and across a boundary: the same map pages as without them', () => {
  const run = (detour: number): { pages: Map<number, Uint8Array>; sealed: unknown } => {
    const sink = new RecordingSink();
    const allocator = new Allocator(sink);
    allocator.allocate(8192, 64, sink);
    if (detour) {
      const checkpoint = allocator.checkpoint();
      for (let i = 0; i < detour; i++) allocator.allocate(8192, 64, sink);
      allocator.restore(checkpoint);
    }
    allocator.allocate(64, 64, sink);
    const sealed = allocator.seal(sink);
    allocator.writeFMaps(sealed.lastRegion, sink);
    return { pages: sink.pages, sealed };
  };
  const plain = run(0);
  for (const detour of [3, 40]) {
    // 3 blocks stay in region 0; 40 go on into region 1.
    const rolled = run(detour);
    assert.deepEqual(rolled.sealed, plain.sealed, `${detour} blocks`);
    assert.deepEqual(rolled.pages.get(0x4400), plain.pages.get(0x4400), `AMap of region 0 after ${detour} blocks`);
  }
});
