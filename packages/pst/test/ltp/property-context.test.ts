/**
 * Property Context — [MS-PST] §2.3.3: a heap (bClientSig 0xBC) whose user root is a BTH {wPropId → wPropType,
 * dwValueHnid}; small fixed values inline, others in the heap, large ones in subnodes, empty ones HNID 0. The block
 * is compared byte for byte with one laid out by hand.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writePropertyContext } from '../../src/ltp/property-context.js';
import { PropType, tag } from '../../src/ltp/property-type.js';
import { Subnodes } from '../../src/ltp/subnodes.js';
import { layout, le, recordingNdb } from '../support/recording-ndb.js';

test('six properties of every kind of storage', () => {
  const { ndb, blocks } = recordingNdb();
  const subnodes = new Subnodes(ndb);
  const time = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const large = new Uint8Array(4000).fill(0x5a);
  const tree = writePropertyContext(
    ndb,
    [
      { tag: tag(0x0037, PropType.String), value: 'Hi' },
      { tag: tag(0x3007, PropType.Time), value: time },
      { tag: tag(0x0e1f, PropType.Boolean), value: 1 },
      { tag: tag(0x0017, PropType.Integer32), value: 0x12345678 },
      { tag: tag(0x1000, PropType.String), value: '' },
      { tag: tag(0x0fff, PropType.Binary), value: large },
    ],
    subnodes,
  );
  // The 4,000-byte value is larger than a heap allocation (3,580): a subnode, NID_TYPE_LTP index 1 = 0x3F.
  assert.deepEqual(subnodes.entries, [{ nid: 0x3f, bidData: 4, bidSub: 0 }]);
  assert.deepEqual(blocks.get(4), large);
  // Heap: BTHHEADER (HID 0x20), then the heap values in id order — "Hi" (0x40), the time (0x60) — then the leaf (0x80).
  const records = [
    [0x0017, PropType.Integer32, 0x12345678],
    [0x0037, PropType.String, 0x40],
    [0x0e1f, PropType.Boolean, 1],
    [0x0fff, PropType.Binary, 0x3f],
    [0x1000, PropType.String, 0],
    [0x3007, PropType.Time, 0x60],
  ].flatMap(([id, type, hnid]) => [...le(id!, 2), ...le(type!, 2), ...le(hnid!, 4)]);
  const allocations = [[0xb5, 2, 6, 0, ...le(0x80, 4)], [0x48, 0, 0x69, 0], [...time], records];
  const starts = [12, 20, 24, 32, 80];
  const expected = layout(80 + 4 + 2 * 5, [
    [0, [...le(80, 2), 0xec, 0xbc, ...le(0x20, 4), 0, 0, 0, 0]], // HNHDR: ibHnpm, bSig, bClientSig, hidUserRoot
    [12, allocations.flat()],
    [80, [...le(4, 2), 0, 0, ...starts.flatMap((s) => le(s, 2))]], // HNPAGEMAP
  ]);
  assert.deepEqual(tree, { bid: 8, size: expected.length });
  assert.deepEqual(blocks.get(8), expected);
});

test('a property set twice is an internal error', () => {
  const { ndb } = recordingNdb();
  const p = { tag: tag(0x0017, PropType.Integer32), value: 1 };
  assert.throws(() => writePropertyContext(ndb, [p, p], new Subnodes(ndb)), /set twice/);
});
