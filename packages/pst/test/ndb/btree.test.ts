/**
 * The BBT and the NBT — [MS-PST] §2.2.2.7.7: BTPAGEs (§2.2.2.7.7.1) with BBTENTRYs (§2.2.2.7.7.3), NBTENTRYs
 * (§2.2.2.7.7.4) and BTENTRYs (§2.2.2.7.7.2), compared byte for byte with pages laid out by hand.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Allocator } from '../../src/ndb/allocator.js';
import { BlockBTree, type BlockRef, BTreePages, NodeBTree, sortedOrder } from '../../src/ndb/btree.js';
import { CountingSink } from '../../src/ndb/sink.js';
import { layout, le, RecordingSink, specCrc, specSig } from '../support/recording-ndb.js';

/** A BTPAGE from the spec: entries, cEnt, cEntMax, cbEnt, cLevel, dwPadding, then its PAGETRAILER. */
function btPage(
  ptype: number,
  ib: number,
  bid: number,
  entries: readonly number[][],
  cEntMax: number,
  cbEnt: number,
  cLevel: number,
): Uint8Array {
  const data = layout(496, [
    [0, entries.flat()],
    [488, [entries.length, cEntMax, cbEnt, cLevel]],
  ]);
  return layout(512, [
    [0, data],
    [496, [ptype, ptype, ...le(specSig(ib, bid), 2), ...le(specCrc(data), 4), ...le(bid, 8)]],
  ]);
}

const bbtEntry = (bid: number, ib: number, cb: number): number[] => [
  ...le(bid, 8),
  ...le(ib, 8),
  ...le(cb, 2),
  ...le(2, 2),
  0,
  0,
  0,
  0,
];
const btEntry = (key: number, bid: number, ib: number): number[] => [...le(key, 8), ...le(bid, 8), ...le(ib, 8)];
const nbtEntry = (nid: number, bidData: number, bidSub: number, parent: number): number[] => [
  ...le(nid, 8),
  ...le(bidData, 8),
  ...le(bidSub, 8),
  ...le(parent, 4),
  0,
  0,
  0,
  0,
];

function trees(sink: RecordingSink | CountingSink): {
  allocator: Allocator;
  pages: BTreePages;
  bbt: BlockBTree;
  nbt: NodeBTree;
} {
  const allocator = new Allocator(sink);
  const pages = new BTreePages(allocator);
  return { allocator, pages, bbt: new BlockBTree(pages), nbt: new NodeBTree(pages) };
}

const drain = <T>(steps: Generator<void, T>): T => {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
};

test('BBT: a leaf is written when its 20th entry arrives; at the end the last leaf and one BTENTRY level above them', () => {
  const sink = new RecordingSink();
  const { bbt } = trees(sink);
  // 21 blocks: BIDs 4, 8, …; offsets and sizes as a writer would have them (the pages go where the allocator says).
  const blocks = Array.from({ length: 21 }, (_, i) => ({ bid: 4 + 4 * i, ib: 0x10000 + 64 * i, cb: 10 + i }));
  for (const b of blocks.slice(0, 20)) bbt.add(b.bid, b.ib, b.cb, sink);
  // The first page lands at the region's first data offset, 0x4800, and takes page BID 1.
  assert.deepEqual([...sink.pages.keys()], [0x4600, 0x4800]);
  assert.deepEqual(
    sink.pages.get(0x4800),
    btPage(
      0x80,
      0x4800,
      1,
      blocks.slice(0, 20).map((b) => bbtEntry(b.bid, b.ib, b.cb)),
      20,
      24,
      0,
    ),
  );
  bbt.add(blocks[20]!.bid, blocks[20]!.ib, blocks[20]!.cb, sink);
  const root = drain(bbt.write(sink));
  assert.deepEqual(
    sink.pages.get(0x4a00),
    btPage(0x80, 0x4a00, 2, [bbtEntry(blocks[20]!.bid, blocks[20]!.ib, blocks[20]!.cb)], 20, 24, 0),
  );
  assert.deepEqual(root, { bid: 3, ib: 0x4c00 });
  assert.deepEqual(
    sink.pages.get(0x4c00),
    btPage(0x80, 0x4c00, 3, [btEntry(4, 1, 0x4800), btEntry(84, 2, 0x4a00)], 20, 24, 1),
  );
});

test('NBT: entries sorted by NID into leaves of 15, a BTENTRY level keyed by each leaf’s first NID', () => {
  const sink = new RecordingSink();
  const { nbt } = trees(sink);
  // 16 nodes added out of order: NIDs 0x21, 0x41, … reversed.
  const nodes = Array.from({ length: 16 }, (_, i) => ({
    nid: 0x21 + 0x20 * (15 - i),
    data: 0x100 + 4 * i,
    sub: i % 2 ? 0 : 0x202 + 4 * i,
    parent: 0x122,
  }));
  for (const n of nodes) nbt.add(n.nid, n.data, n.sub, n.parent);
  const root = drain(nbt.write(sink));
  const sorted = [...nodes].sort((a, b) => a.nid - b.nid);
  assert.deepEqual(
    sink.pages.get(0x4800),
    btPage(
      0x81,
      0x4800,
      1,
      sorted.slice(0, 15).map((n) => nbtEntry(n.nid, n.data, n.sub, n.parent)),
      15,
      32,
      0,
    ),
  );
  assert.deepEqual(
    sink.pages.get(0x4a00),
    btPage(
      0x81,
      0x4a00,
      2,
      sorted.slice(15).map((n) => nbtEntry(n.nid, n.data, n.sub, n.parent)),
      15,
      32,
      0,
    ),
  );
  assert.deepEqual(root, { bid: 3, ib: 0x4c00 });
  assert.deepEqual(
    sink.pages.get(0x4c00),
    btPage(0x81, 0x4c00, 3, [btEntry(0x21, 1, 0x4800), btEntry(0x21 + 0x20 * 15, 2, 0x4a00)], 20, 24, 1),
  );
});

test('a second BTENTRY level once a level has more than 20 pages; a counting sink gives the same layout without filling pages', () => {
  const build = (sink: RecordingSink | CountingSink): BlockRef => {
    const { nbt } = trees(sink);
    for (let i = 0; i < 15 * 21; i++) nbt.add(0x24 + 0x20 * i, 4 * i, 0, 0x122);
    return drain(nbt.write(sink));
  };
  const sink = new RecordingSink();
  const root = build(sink);
  const levels = [...sink.pages.values()].filter((p) => p[496] === 0x81).map((p) => p[491]);
  assert.deepEqual(levels, [...new Array<number>(21).fill(0), 1, 1, 2]);
  const top = sink.pages.get(root.ib)!;
  // The root's two entries: the level-1 pages over leaves 0–19 and over leaf 20, keyed by their first NIDs.
  assert.equal(top[488], 2);
  assert.deepEqual([...top.subarray(0, 8)], le(0x24, 8));
  assert.deepEqual([...top.subarray(24, 32)], le(0x24 + 0x20 * 15 * 20, 8));
  assert.deepEqual(build(new CountingSink()), root);
});

test('NBT: a NID added twice is an internal error', () => {
  const sink = new RecordingSink();
  const { nbt } = trees(sink);
  nbt.add(0x21, 4, 0, 0);
  nbt.add(0x21, 8, 0, 0);
  assert.throws(() => drain(nbt.write(sink)), /NID 0x21 added twice/);
});

test('sortedOrder: ascending NIDs, ties in index order, across both 16-bit digits', () => {
  const nids = Uint32Array.from([0x10021, 0x21, 0xffff_ffe4, 0x21, 0x10001, 0]);
  assert.deepEqual([...sortedOrder(nids)], [5, 1, 3, 4, 0, 2]);
});

test('BBT checkpoint/restore: entries added after the checkpoint are gone, a leaf written since included', () => {
  const run = (detour: boolean): Map<number, Uint8Array> => {
    const sink = new RecordingSink();
    const { bbt } = trees(sink);
    for (let i = 0; i < 15; i++) bbt.add(4 + 4 * i, 0x10000 + 64 * i, 8, sink);
    if (detour) {
      const checkpoint = bbt.checkpoint();
      for (let i = 0; i < 10; i++) bbt.add(0x1000 + 4 * i, 0x20000 + 64 * i, 8, sink); // fills and writes a leaf
      bbt.restore(checkpoint);
    }
    for (let i = 15; i < 30; i++) bbt.add(4 + 4 * i, 0x10000 + 64 * i, 8, sink);
    drain(bbt.write(sink));
    return sink.pages;
  };
  const plain = run(false);
  const rolled = run(true);
  // The detour's leaf was written at 0x4800 with page BID 1; without an allocator restore the later pages move, so
  // compare the entries of the last written leaves.
  const entries = (pages: Map<number, Uint8Array>): number[][] =>
    [...pages.values()].filter((p) => p[496] === 0x80 && p[491] === 0).map((p) => [...p.subarray(0, p[488]! * 24)]);
  assert.deepEqual(entries(rolled).slice(-2), entries(plain));
});
