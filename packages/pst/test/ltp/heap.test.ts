/**
 * The heap-on-node's pages as written ([MS-PST] §2.3.1): what each page starts with, and that allocations on held
 * pages (a message PC keeps all its pages until its size is patched in) come out as they went in.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Heap, HeapClient } from '../../src/ltp/heap.js';
import { recordingNdb } from '../support/recording-ndb.js';

/** The allocations of one written heap page, through its HNPAGEMAP (§2.3.1.5). */
function allocations(page: Uint8Array): Uint8Array[] {
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const map = view.getUint16(0, true);
  const count = view.getUint16(map, true);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++)
    out.push(page.subarray(view.getUint16(map + 4 + 2 * i, true), view.getUint16(map + 6 + 2 * i, true)));
  return out;
}

for (const holdAll of [false, true]) {
  test(`every allocation of a ten-page heap reads back as stored (${holdAll ? 'all pages held' : 'pages written as they fill'})`, () => {
    const { ndb, blocks } = recordingNdb();
    const heap = new Heap(ndb, HeapClient.PropertyContext, holdAll);
    // 3,000-byte values: two to a page, so that each page's first allocation is a value, up to the bitmap page (8).
    const values = Array.from({ length: 20 }, (_, i) => new Uint8Array(3000).fill(0x41 + i));
    const hids = values.map((v) => heap.store(v));
    assert.deepEqual(
      hids.map((h) => h >>> 16),
      values.map((_, i) => i >> 1),
    );
    const tree = heap.finish(hids[0]!);
    const xblock = blocks.get(tree.bid)!;
    const leaves = Array.from(
      { length: new DataView(xblock.buffer).getUint16(2, true) },
      (_, i) => blocks.get(Number(new DataView(xblock.buffer).getBigUint64(8 + 8 * i, true)))!,
    );
    assert.equal(leaves.length, 10);
    leaves.forEach((page, index) => {
      const got = allocations(page);
      assert.equal(got.length, 2, `page ${index}`);
      got.forEach((bytes, k) => {
        assert.deepEqual(bytes, values[2 * index + k], `page ${index}, allocation ${k + 1}`);
      });
    });
    // HNHDR (§2.3.1.2) and HNBITMAPHDR (§2.3.1.4) carry the fill levels; an HNPAGEHDR (§2.3.1.3) is ibHnpm alone.
    assert.equal(leaves[0]![2], 0xec);
    assert.equal(leaves[0]![3], HeapClient.PropertyContext);
    assert.notDeepEqual(leaves[8]!.subarray(2, 66), new Uint8Array(64), 'the bitmap page has its fill levels');
  });
}
