/**
 * Table Context — [MS-PST] §2.3.4: TCINFO with its TCOLDESCs (§2.3.4.1–2), the row index BTH (§2.3.4.3) and the row
 * matrix with its cell existence bitmaps (§2.3.4.4), in a heap (bClientSig 0x7C) compared byte for byte with a block
 * laid out by hand.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PropType, tag } from '../../src/ltp/property-type.js';
import { type Cell, RowLayout, TAG_ROW_ID, TAG_ROW_VERSION, TableWriter } from '../../src/ltp/table-context.js';
import { layout, le, recordingNdb } from '../support/recording-ndb.js';

const IMPORTANCE = tag(0x0017, PropType.Integer32);
const SUBJECT = tag(0x0037, PropType.String);
const DELIVERY = tag(0x0e06, PropType.Time);
const HAS_ATTACH = tag(0x0e1b, PropType.Boolean);
const SHORT = tag(0x1096, PropType.Integer16);

test('two rows of seven columns: the layout, TCINFO, the row index and the row matrix', () => {
  const rowLayout = new RowLayout([SUBJECT, DELIVERY, IMPORTANCE, HAS_ATTACH, SHORT, TAG_ROW_ID, TAG_ROW_VERSION]);
  // Row: id 0, version 4, then the 8- and 4-byte cells (8-byte first, each group in tag order), the 2-byte, the
  // 1-byte, then the CEB (7 columns: one byte). rgib = the ends of those groups.
  assert.deepEqual(rowLayout.groupEnds, [24, 26, 27, 28]);
  const { ndb, blocks } = recordingNdb();
  const table = new TableWriter(ndb, rowLayout);
  const time = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  table.addRow(
    0x200024,
    new Map<number, Cell>([
      [DELIVERY, time],
      [IMPORTANCE, 2],
      [SUBJECT, 'Hi'],
      [SHORT, 0x1234],
      [HAS_ATTACH, 1],
    ]),
  );
  table.addRow(0x200044, new Map<number, Cell>([[SUBJECT, '']]), 3);
  const { data, bidSub } = table.finish();
  assert.equal(bidSub, 0);

  // TCOLDESC {tag, ibData, cbData, iBit}, by tag.
  const columns = [
    [IMPORTANCE, 16, 4, 3],
    [SUBJECT, 20, 4, 4],
    [DELIVERY, 8, 8, 2],
    [HAS_ATTACH, 26, 1, 6],
    [SHORT, 24, 2, 5],
    [TAG_ROW_ID, 0, 4, 0],
    [TAG_ROW_VERSION, 4, 4, 1],
  ].flatMap(([t, ib, cb, bit]) => [...le(t!, 4), ...le(ib!, 2), cb!, bit!]);
  // Heap allocations in order: the row index BTHHEADER (0x20), TCINFO (0x40), "Hi" (0x60), the rows (0x80), the
  // row index leaf (0xA0).
  const tcInfo = [
    0x7c,
    7,
    ...[24, 26, 27, 28].flatMap((e) => le(e, 2)),
    ...le(0x20, 4),
    ...le(0x80, 4),
    ...le(0, 4),
    ...columns,
  ];
  const row1 = [...le(0x200024, 4), ...le(1, 4), ...time, ...le(2, 4), ...le(0x60, 4), ...le(0x1234, 2), 1, 0xfe];
  const row2 = [...le(0x200044, 4), ...le(3, 4), ...new Array<number>(12).fill(0), 0, 0, 0, 0, 0, 0, 0, 0xc8];
  const index = [...le(0x200024, 4), ...le(0, 4), ...le(0x200044, 4), ...le(1, 4)];
  const allocations = [[0xb5, 4, 4, 0, ...le(0xa0, 4)], tcInfo, [0x48, 0, 0x69, 0], [...row1, ...row2], index];
  const starts = [12];
  for (const a of allocations) starts.push(starts[starts.length - 1]! + a.length);
  const map = starts[starts.length - 1]!;
  assert.deepEqual(starts, [12, 20, 98, 102, 158, 174]);
  const expected = layout(map + 4 + 2 * starts.length, [
    [0, [...le(map, 2), 0xec, 0x7c, ...le(0x40, 4), 0, 0, 0, 0]],
    [12, allocations.flat()],
    [map, [...le(5, 2), 0, 0, ...starts.flatMap((s) => le(s, 2))]],
  ]);
  assert.deepEqual(blocks.get(data.bid), expected);
});

test('row ids must ascend', () => {
  const { ndb } = recordingNdb();
  const table = new TableWriter(ndb, new RowLayout([TAG_ROW_ID, TAG_ROW_VERSION]));
  table.addRow(2, new Map());
  assert.throws(() => table.addRow(1, new Map()), /must ascend/);
});
