/**
 * BTree-on-Heap — [MS-PST] §2.3.2: BTHHEADER, leaf records and an index level, in a heap (§2.3.1) whose one block
 * is compared byte for byte with a block laid out by hand.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BthBuilder } from '../../src/ltp/bth.js';
import { Heap, HeapClient } from '../../src/ltp/heap.js';
import { layout, le, recordingNdb } from '../support/recording-ndb.js';

/** A one-page heap (§2.3.1): HNHDR, the allocations from offset 12, then HNPAGEMAP at the next even offset. */
function heapBlock(clientSig: number, userRoot: number, allocations: readonly (readonly number[])[]): Uint8Array {
  const starts: number[] = [12];
  for (const a of allocations) starts.push(starts[starts.length - 1]! + a.length);
  const end = starts[starts.length - 1]!;
  const map = end + (end & 1);
  return layout(map + 4 + 2 * starts.length, [
    [0, [...le(map, 2), 0xec, clientSig, ...le(userRoot, 4), 0, 0, 0, 0]], // ibHnpm, bSig, bClientSig, hidUserRoot, rgbFillLevel
    [12, allocations.flat()],
    [map, [...le(allocations.length, 2), 0, 0, ...starts.flatMap((s) => le(s, 2))]], // cAlloc, cFree, rgibAlloc
  ]);
}

/** HID of the k-th allocation (1-based) of page 0: §2.3.1.1. */
const hid = (k: number): number => k << 5;

test('a BTH of three 4-byte keys with 4-byte data: BTHHEADER first, then one leaf', () => {
  const { ndb, blocks } = recordingNdb();
  const heap = new Heap(ndb, HeapClient.BTreeOnHeap);
  const bth = new BthBuilder(heap, 4, 4);
  for (const [key, data] of [
    [0x10, 0xa1],
    [0x20, 0xa2],
    [0x30, 0xa3],
  ] as const) {
    bth.add(Uint8Array.from(le(key, 4)), Uint8Array.from(le(data, 4)));
  }
  bth.finish();
  const tree = heap.finish(bth.headerHid);
  const header = [0xb5, 4, 4, 0, ...le(hid(2), 4)]; // bType, cbKey, cbEnt, bIdxLevels, hidRoot
  const leaf = [0x10, 0xa1, 0x20, 0xa2, 0x30, 0xa3].flatMap((v) => le(v, 4));
  assert.deepEqual(blocks.get(tree.bid), heapBlock(0xb5, hid(1), [header, leaf]));
});

test('448 records: a full leaf of 447, a leaf of 1, and an index level of {first key, HID} above them', () => {
  const { ndb, blocks } = recordingNdb();
  const heap = new Heap(ndb, HeapClient.BTreeOnHeap);
  const bth = new BthBuilder(heap, 4, 4);
  for (let i = 0; i < 448; i++) bth.addU32(0x100 + i, i);
  bth.finish();
  const tree = heap.finish(bth.headerHid);
  const records = Array.from({ length: 448 }, (_, i) => [...le(0x100 + i, 4), ...le(i, 4)]);
  const header = [0xb5, 4, 4, 1, ...le(hid(4), 4)];
  const index = [...le(0x100, 4), ...le(hid(2), 4), ...le(0x100 + 447, 4), ...le(hid(3), 4)];
  assert.deepEqual(
    blocks.get(tree.bid),
    heapBlock(0xb5, hid(1), [header, records.slice(0, 447).flat(), records[447]!, index]),
  );
});

test('keys must ascend', () => {
  const { ndb } = recordingNdb();
  const bth = new BthBuilder(new Heap(ndb, HeapClient.BTreeOnHeap), 2, 6);
  bth.add(Uint8Array.of(2, 0), new Uint8Array(6));
  assert.throws(() => bth.add(Uint8Array.of(1, 0), new Uint8Array(6)), /ascend/);
});
