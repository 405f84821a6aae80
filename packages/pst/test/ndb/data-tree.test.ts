/**
 * Data trees — [MS-PST] §2.2.2.8.3.2: a value in one data block, or in full 8176-byte blocks listed by an XBLOCK
 * (btype 0x01, cLevel 1), or by an XXBLOCK (cLevel 2) of XBLOCKs past 1021 blocks. Blocks compared byte for byte
 * with blocks laid out by hand.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataTreeWriter, writeDataTree } from '../../src/ndb/data-tree.js';
import { layout, le, recordingNdb } from '../support/recording-ndb.js';

const xblock = (level: number, total: number, bids: readonly number[]): Uint8Array =>
  layout(8 + 8 * bids.length, [
    [0, [0x01, level, ...le(bids.length, 2), ...le(total, 4), ...bids.flatMap((b) => le(b, 8))]],
  ]);

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

test('an empty value has no tree (bid 0); a value of one block is that block', () => {
  const { ndb, blocks } = recordingNdb();
  assert.deepEqual(writeDataTree(ndb, new Uint8Array(0)), { bid: 0, size: 0 });
  const value = bytes(8176);
  const tree = writeDataTree(ndb, value);
  assert.deepEqual(tree, { bid: 4, size: 8176 });
  assert.deepEqual(blocks.get(4), value);
});

test('8177 bytes: a full block, a 1-byte block, and an XBLOCK listing both (internal)', () => {
  const { ndb, blocks, internal } = recordingNdb();
  const value = bytes(8177);
  const tree = writeDataTree(ndb, value);
  assert.deepEqual(tree, { bid: 14, size: 8177 });
  assert.ok(internal.has(14));
  assert.deepEqual(blocks.get(4), value.subarray(0, 8176));
  assert.deepEqual(blocks.get(8), value.subarray(8176));
  assert.deepEqual(blocks.get(14), xblock(1, 8177, [4, 8]));
});

test('pushed in uneven chunks, the blocks are the same: every leaf but the last is full', () => {
  const { ndb, blocks } = recordingNdb();
  const value = bytes(20000);
  const writer = new DataTreeWriter(ndb);
  for (const [from, to] of [
    [0, 100],
    [100, 9000],
    [9000, 9001],
    [9001, 20000],
  ] as const) {
    writer.push(value.subarray(from, to));
  }
  const tree = writer.finish();
  assert.deepEqual(
    [4, 8, 12].map((bid) => blocks.get(bid)!.length),
    [8176, 8176, 20000 - 2 * 8176],
  );
  assert.deepEqual(blocks.get(tree.bid), xblock(1, 20000, [4, 8, 12]));
});

test('past 1021 blocks: XBLOCKs of 1021 BIDs under an XXBLOCK (cLevel 2) with the total size', () => {
  const { ndb, blocks } = recordingNdb();
  const writer = new DataTreeWriter(ndb);
  const total = 1022 * 8176 + 5;
  writer.pushUnread(total);
  const tree = writer.finish();
  const leaves = Array.from({ length: 1023 }, (_, i) => 4 + 4 * i);
  assert.equal(blocks.get(leaves[1022]!)!.length, 5);
  const first = 4 + 4 * 1023 + 2; // the XBLOCKs follow the leaves
  const second = first + 4;
  assert.deepEqual(blocks.get(first), xblock(1, 1021 * 8176, leaves.slice(0, 1021)));
  assert.deepEqual(blocks.get(second), xblock(1, 8176 + 5, leaves.slice(1021)));
  assert.deepEqual(tree, { bid: second + 4, size: total });
  assert.deepEqual(blocks.get(second + 4), xblock(2, total, [first, second]));
});
