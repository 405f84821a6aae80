/**
 * Subnode BTrees — [MS-PST] §2.2.2.8.3.3: an SLBLOCK (btype 0x02, cLevel 0) of SLENTRYs {nid, bidData, bidSub} in
 * NID order, and above 340 entries SLBLOCKs under an SIBLOCK (cLevel 1) of SIENTRYs {nid, bid}. Blocks compared byte
 * for byte with blocks laid out by hand.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeSubnodeTree } from '../../src/ndb/subnode-tree.js';
import { layout, le, recordingNdb } from '../support/recording-ndb.js';

const slEntry = (nid: number, data: number, sub: number): number[] => [...le(nid, 8), ...le(data, 8), ...le(sub, 8)];

test('no subnodes: bidSub 0, no block', () => {
  const { ndb, blocks } = recordingNdb();
  assert.equal(writeSubnodeTree(ndb, []), 0);
  assert.equal(blocks.size, 0);
});

test('an SLBLOCK lists the entries sorted by NID, with btype, cLevel, cEnt and dwPadding', () => {
  const { ndb, blocks, internal } = recordingNdb();
  const bid = writeSubnodeTree(ndb, [
    { nid: 0x8025, bidData: 0x40, bidSub: 0 },
    { nid: 0x671, bidData: 0x44, bidSub: 0x4a },
  ]);
  assert.ok(internal.has(bid));
  assert.deepEqual(
    blocks.get(bid),
    layout(8 + 2 * 24, [
      [0, [0x02, 0x00, ...le(2, 2), 0, 0, 0, 0, ...slEntry(0x671, 0x44, 0x4a), ...slEntry(0x8025, 0x40, 0)]],
    ]),
  );
});

test('341 subnodes: two SLBLOCKs (340 and 1) under an SIBLOCK keyed by their first NIDs', () => {
  const { ndb, blocks } = recordingNdb();
  const entries = Array.from({ length: 341 }, (_, i) => ({ nid: 0x21 + 0x20 * i, bidData: 0x1000 + 4 * i, bidSub: 0 }));
  const root = writeSubnodeTree(ndb, [...entries].reverse());
  const [first, second] = [6, 10];
  assert.deepEqual(
    blocks.get(first),
    layout(8 + 340 * 24, [
      [0, [0x02, 0, ...le(340, 2), 0, 0, 0, 0, ...entries.slice(0, 340).flatMap((e) => slEntry(e.nid, e.bidData, 0))]],
    ]),
  );
  assert.deepEqual(
    blocks.get(second),
    layout(8 + 24, [[0, [0x02, 0, 1, 0, 0, 0, 0, 0, ...slEntry(entries[340]!.nid, entries[340]!.bidData, 0)]]]),
  );
  assert.equal(root, 14);
  assert.deepEqual(
    blocks.get(root),
    layout(8 + 2 * 16, [
      [
        0,
        [0x02, 0x01, 2, 0, 0, 0, 0, 0, ...le(0x21, 8), ...le(first, 8), ...le(entries[340]!.nid, 8), ...le(second, 8)],
      ],
    ]),
  );
});

test('a NID used twice is an internal error', () => {
  const { ndb } = recordingNdb();
  assert.throws(
    () =>
      writeSubnodeTree(ndb, [
        { nid: 0x21, bidData: 4, bidSub: 0 },
        { nid: 0x21, bidData: 8, bidSub: 0 },
      ]),
    /0x21 used twice/,
  );
});
