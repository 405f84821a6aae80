/**
 * checkPst on the LTP layer and the messaging cross-checks: files written by the real writer (without encryption,
 * so that the damage is plain bytes) are damaged one way each, block CRCs re-fixed so that only the semantic damage
 * remains, and each damage must be reported as an error naming its node.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type MessageRecord, PstWriter } from '@pstream/pst';
import { type CheckReport, checkPst } from '../../src/check/index.js';
import { type ReaderSummary, requireReaders, runPstExtractor, runPypff } from '../support/oracles.js';
import {
  bbtEntries,
  blockEntry,
  fixBlockCrc,
  nodeEntry,
  PlainHeap,
  subnodeEntries,
  u64,
  zeroPcRecords,
} from './damage.js';

const FIRST = 0x200024;
const SECOND = 0x200044;
const INBOX = 0x8082;
const INBOX_CONTENTS = 0x808e;
const RECIPIENT_TABLE = 0x692;

const MESSAGES: MessageRecord[] = [
  {
    subject: 'First',
    from: { name: 'Alice', address: 'alice@example.org' },
    recipients: [{ kind: 'to', name: 'Bob', address: 'bob@example.org' }],
    sentAt: new Date('2024-05-01T09:00:00Z'),
    receivedAt: new Date('2024-05-01T09:01:00Z'),
    isRead: true,
    body: 'Hello',
    categories: ['red', 'blue'], // PidNameKeywords: a PtypMultipleString
  },
  {
    subject: 'Second',
    body: 'x'.repeat(5000), // above 3580 bytes: the body is a subnode of the message
    attachments: [
      {
        kind: 'file',
        name: 'a.txt',
        size: 3,
        open: async function* () {
          yield new Uint8Array([1, 2, 3]);
        },
      },
    ],
  },
];

let dir = '';
let good: Buffer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pst-check-ltp-'));
  const path = join(dir, 'good.pst');
  const w = await PstWriter.create(path, { deterministic: true, encryption: 'none' });
  for (const m of MESSAGES) await w.addMessage(['Inbox'], m);
  await w.finish();
  good = await readFile(path);
});
after(() => rm(dir, { recursive: true, force: true }));

/** The heap of a top-level node, or of a subnode of one. */
function heapOf(f: Buffer, nid: number, sub?: number): PlainHeap {
  const node = nodeEntry(f, nid);
  if (sub === undefined) return new PlainHeap(f, node.bidData);
  const s = subnodeEntries(f, node.bidSub).find((e) => e.nid === sub)!;
  return new PlainHeap(f, s.bidData);
}

/** The contents table row of `message` and the file offset of its cell of `tag`. */
function contentsCell(f: Buffer, message: number, tag: number): { heap: PlainHeap; at: number } {
  const heap = heapOf(f, INBOX_CONTENTS);
  const t = heap.table();
  const row = t.rows.find((r) => f.readUInt32LE(r) === message)!;
  const c = t.columns.find((x) => x.tag === tag)!;
  return { heap, at: row + c.ib };
}

async function check(f: Buffer, strict = false): Promise<CheckReport> {
  const p = join(dir, `damaged-${Math.random().toString(36).slice(2)}.pst`);
  await writeFile(p, f);
  try {
    return await checkPst(p, { strict });
  } finally {
    await rm(p, { force: true });
  }
}

test('the undamaged file checks clean, strict included, with every PC and TC read', async () => {
  const r = await check(good, true);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  // store, name map, 5 folders, 2 messages, 1 attachment; 3 tables a folder, the templates and queues, 3 in messages
  assert.ok(r.stats.propertyContexts >= 10, `PCs ${r.stats.propertyContexts}`);
  assert.ok(r.stats.tableContexts >= 20, `TCs ${r.stats.tableContexts}`);
});

interface Damage {
  name: string;
  mutate: (f: Buffer) => void;
  /** Exactly these error codes, each from a structure matching `where`. */
  codes: string[];
  where: RegExp;
  /** A finding's message must match this. */
  says: RegExp;
  strict?: boolean;
}

/** Edits a PC record of `nid` (and re-fixes the block CRC). */
function editRecord(nid: number, id: number, edit: (f: Buffer, at: number) => void, sub?: number): (f: Buffer) => void {
  return (f) => {
    const h = heapOf(f, nid, sub);
    edit(f, h.record(id).at);
    h.fix();
  };
}

/** Edits a contents table cell of the row of `message`. */
function editCell(message: number, tag: number, edit: (f: Buffer, at: number) => void): (f: Buffer) => void {
  return (f) => {
    const { heap, at } = contentsCell(f, message, tag);
    edit(f, at);
    heap.fix();
  };
}

const DAMAGES: Damage[] = [
  {
    name: 'a zeroed BTH record (the subject of a message)',
    mutate: editRecord(FIRST, 0x0037, (f, at) => void f.fill(0, at, at + 8)),
    codes: ['pc.key-order', 'pc.type'],
    where: /^message 0x200024$/,
    says: /property 0x0000 \(type 0x0000\).*unknown property type/,
  },
  {
    name: 'an unknown property type',
    mutate: editRecord(FIRST, 0x0e07, (f, at) => f.writeUInt16LE(0x0099, at + 2)),
    codes: ['pc.type'],
    where: /^message 0x200024$/,
    says: /property 0x0e07 \(type 0x0099\).*unknown property type/,
  },
  {
    name: 'a wrong property type whose size does not fit (PtypTime read as PtypGuid)',
    mutate: editRecord(FIRST, 0x3007, (f, at) => f.writeUInt16LE(0x0048, at + 2)),
    codes: ['pc.size'],
    where: /^message 0x200024$/,
    says: /property 0x3007 \(type 0x0048 PtypGuid\): value holds 8 bytes, expected 16/,
  },
  {
    name: 'a multi-valued string whose ulCount does not fit its value',
    mutate: (f) => {
      const h = heapOf(f, FIRST);
      const r = h.pcRecords().find((x) => x.type === 0x101f)!;
      f.writeUInt32LE(1000, h.alloc(r.hnid)[0]);
      h.fix();
    },
    codes: ['pc.size'],
    where: /^message 0x200024$/,
    says: /property 0x8\w{3} \(type 0x101f PtypMultipleString\): value ulCount 1000 needs 4004 bytes of offsets, the value has \d+/,
  },
  {
    name: 'a multi-valued string whose offsets leave the value',
    mutate: (f) => {
      const h = heapOf(f, FIRST);
      const r = h.pcRecords().find((x) => x.type === 0x101f)!;
      f.writeUInt32LE(0xffff, h.alloc(r.hnid)[0] + 8); // rgulDataOffsets[1]
      h.fix();
    },
    codes: ['pc.size'],
    where: /^message 0x200024$/,
    says: /\(type 0x101f PtypMultipleString\): value rgulDataOffsets\[1\] 65535 is outside \[\d+, \d+\]/,
  },
  {
    name: 'a dangling HID',
    mutate: editRecord(FIRST, 0x0037, (f, at) => f.writeUInt32LE(0x7ff << 5, at + 4)),
    codes: ['pc.hnid'],
    where: /^message 0x200024$/,
    says: /property 0x0037 .*dwValueHnid 0xffe0 is dangling: HID 0xffe0 names allocation 2047/,
  },
  {
    name: 'a dangling subnode NID',
    mutate: editRecord(SECOND, 0x1000, (f, at) => f.writeUInt32LE(0x7ff, at + 4)),
    codes: ['pc.hnid'],
    where: /^message 0x200044$/,
    says: /property 0x1000 .*subnode NID 0x7ff is not in the node's subnode tree/,
  },
  {
    name: 'unsorted keys (two records swapped)',
    mutate: (f) => {
      const h = heapOf(f, FIRST);
      const [a, b] = h.pcRecords();
      const first = Buffer.from(f.subarray(a!.at, a!.at + 8));
      f.copy(f, a!.at, b!.at, b!.at + 8);
      first.copy(f, b!.at);
      h.fix();
    },
    codes: ['pc.key-order'],
    where: /^message 0x200024$/,
    says: /key 0x17 is below the previous key 0x1a/,
  },
  {
    name: 'a duplicate key',
    mutate: (f) => {
      const h = heapOf(f, FIRST);
      const [, b, c] = h.pcRecords();
      f.writeUInt16LE(b!.id, c!.at);
      h.fix();
    },
    codes: ['pc.key-order'],
    where: /^message 0x200024$/,
    says: /key 0x1a repeats the previous key/,
  },
  {
    name: 'a contents row whose subject disagrees with its message',
    mutate: editCell(FIRST, 0x0037001f, (f, at) => {
      const [s] = heapOf(f, INBOX_CONTENTS).alloc(f.readUInt32LE(at));
      f[s] = 'G'.charCodeAt(0);
    }),
    codes: ['contents.row'],
    where: /^contents table 0x808e$/,
    says: /disagrees with message 0x200024: property 0x0037 .* is "Girst" in the row, "First" in the message/,
  },
  {
    name: 'a contents row whose flags disagree with its message',
    mutate: editCell(FIRST, 0x0e070003, (f, at) => f.writeUInt32LE(f.readUInt32LE(at) ^ 0x10, at)),
    codes: ['contents.row'],
    where: /^contents table 0x808e$/,
    says: /disagrees with message 0x200024: property 0x0e07 .* is 17 in the row, 1 in the message/,
  },
  {
    name: 'a contents row whose delivery date disagrees with its message',
    mutate: editCell(FIRST, 0x0e060040, (f, at) => {
      f[at + 5]! ^= 0x01;
    }),
    codes: ['contents.row'],
    where: /^contents table 0x808e$/,
    says: /disagrees with message 0x200024: property 0x0e06 .* in the row, 2024-05-01T09:01:00.000Z in the message/,
  },
  {
    name: 'a contents row whose size disagrees with its message (strict)',
    mutate: editCell(FIRST, 0x0e080003, (f, at) => f.writeUInt32LE(f.readUInt32LE(at) + 1, at)),
    codes: ['contents.row'],
    where: /^contents table 0x808e$/,
    says: /disagrees with message 0x200024: property 0x0e08 .* is (\d+) in the row, (?!\1)\d+ in the message/,
    strict: true,
  },
  {
    name: 'a wrong PidTagMessageSize (strict)',
    mutate: editRecord(FIRST, 0x0e08, (f, at) => f.writeUInt32LE(f.readUInt32LE(at + 4) + 1, at + 4)),
    codes: ['contents.row', 'message.size'],
    where: /^(message 0x200024|contents table 0x808e)$/,
    says: /PidTagMessageSize \(property 0xe08\) is \d+, but the object's data blocks .* hold \d+ bytes/,
    strict: true,
  },
  {
    name: 'a wrong PidTagAttachSize (strict)',
    mutate: editRecord(SECOND, 0x0e20, (f, at) => f.writeUInt32LE(f.readUInt32LE(at + 4) - 1, at + 4), 0x205),
    codes: ['attachment.size'],
    where: /^attachment 0x205 of message 0x200044$/,
    says: /PidTagAttachSize \(property 0xe20\) is \d+/,
    strict: true,
  },
  {
    name: 'a folder content count off by one',
    mutate: editRecord(INBOX, 0x3602, (f, at) => f.writeUInt32LE(3, at + 4)),
    codes: ['folder.content-count'],
    where: /^folder 0x8082$/,
    says: /PidTagContentCount \(property 0x3602\) is 3, its contents table 0x808e has 2 rows/,
  },
  {
    name: 'a folder unread count off by one',
    mutate: editRecord(INBOX, 0x3603, (f, at) => f.writeUInt32LE(0, at + 4)),
    codes: ['folder.unread-count'],
    where: /^folder 0x8082$/,
    says: /PidTagContentUnreadCount \(property 0x3603\) is 0, its contents table 0x808e has 1 rows without MSGFLAG_READ/,
  },
  {
    name: 'PidTagSubfolders set on a folder without subfolders',
    mutate: editRecord(INBOX, 0x360a, (f, at) => f.writeUInt32LE(1, at + 4)),
    codes: ['folder.subfolders'],
    where: /^folder 0x8082$/,
    says: /PidTagSubfolders \(property 0x360a\) is true, its hierarchy table 0x808d has 0 rows/,
  },
  {
    name: 'a TCOLDESC whose cbData does not fit its type',
    mutate: (f) => {
      const h = heapOf(f, FIRST, RECIPIENT_TABLE);
      const c = h.table().columns.find((x) => x.tag === 0x0c150003)!; // PidTagRecipientType, PtypInteger32
      f[c.at + 6] = 2;
      h.fix();
    },
    codes: ['tc.column'],
    where: /^recipient table 0x692 of message 0x200024$/,
    says: /TCOLDESC property 0x0c15 .*cbData 2, the type needs 4/,
  },
  {
    name: 'a TCOLDESC whose cell lies past the row (its cells are not read)',
    mutate: (f) => {
      const h = heapOf(f, FIRST, RECIPIENT_TABLE);
      const c = h.table().columns.find((x) => x.tag === 0x3001001f)!; // PidTagDisplayName
      f.writeUInt16LE(0x7ff0, c.at + 4); // ibData
      h.fix();
    },
    codes: ['tc.column'],
    where: /^recipient table 0x692 of message 0x200024$/,
    says: /TCOLDESC property 0x3001 .*\(ibData 32752, cbData 4, iBit \d+\): cell \[32752, 32756\) is outside its 4-byte group/,
  },
  {
    name: 'a row index record naming a row past the row matrix',
    mutate: (f) => {
      const h = heapOf(f, FIRST, RECIPIENT_TABLE);
      const [header] = h.alloc(h.table().hidRowIndex);
      const [leaf] = h.alloc(f.readUInt32LE(header + 4)); // BTHHEADER hidRoot: the one leaf
      f.writeUInt32LE(5, leaf + 4); // dwRowIndex of the only row
      h.fix();
    },
    codes: ['tc.row-index'],
    where: /^recipient table 0x692 of message 0x200024$/,
    says: /names row 5, the row matrix has 1/,
  },
  {
    name: "a subnode tree that contains itself (an attachment whose bidSub is its message's subnode tree)",
    mutate: (f) => {
      const message = nodeEntry(f, SECOND);
      const sl = blockEntry(f, message.bidSub);
      for (let k = 0; k < f.readUInt16LE(sl.ib + 2); k++) {
        const at = sl.ib + 8 + 24 * k;
        if (f.readUInt32LE(at) === 0x205) f.writeUInt32LE(message.bidSub, at + 16); // SLENTRY bidSub (low half)
      }
      assert.equal(u64(f, sl.ib + 8 + 24 * 1 + 16), message.bidSub);
      fixBlockCrc(f, sl);
    },
    codes: ['block.cref', 'subnode.depth'],
    where: /(attachment 0x205 of ){50}.*message 0x200044$|^block 0x/,
    says: /objects nest more than 100 levels deep: a subnode tree contains itself/,
  },
  {
    name: 'a dangling HID in a table cell',
    mutate: (f) => {
      const h = heapOf(f, FIRST, RECIPIENT_TABLE);
      const t = h.table();
      const c = t.columns.find((x) => x.tag === 0x3001001f)!; // PidTagDisplayName
      f.writeUInt32LE(0x7ff << 5, t.rows[0]! + c.ib);
      h.fix();
    },
    codes: ['tc.cell'],
    where: /^recipient table 0x692 of message 0x200024$/,
    says: /row 0 \(id 0x0\) cell property 0x3001 .*HNID 0xffe0 is dangling/,
  },
];

for (const d of DAMAGES) {
  test(`damage to a written file is reported with its node: ${d.name}`, async () => {
    const f = Buffer.from(good);
    d.mutate(f);
    assert.ok(!f.equals(good), 'the mutation changed the file');
    const r = await check(f, d.strict);
    assert.equal(r.ok, false, 'reported as damaged');
    assert.deepEqual([...new Set(r.errors.map((e) => e.code))].sort(), d.codes);
    for (const e of r.errors) assert.match(e.structure, d.where, e.message);
    assert.ok(
      r.errors.some((e) => d.says.test(e.message)),
      r.errors.map((e) => e.message).join('\n'),
    );
    if (d.strict) {
      // without strict, a size is not held to the block bytes nor a row's size to its message's (Outlook's own files
      // differ): the other damages are errors either way
      const lax = await check(f, false);
      assert.deepEqual(lax.errors, []);
    }
  });
}

/** The subjects a reader read, over every folder. */
const subjectsIn = (s: ReaderSummary): (string | null | undefined)[] =>
  s.folders.flatMap((x) => (x.messages ?? []).map((m) => m.subject));

test('issue 12: the first eight records of a message PC zeroed (permute encoding) are errors, and the readers choke on them', async (t: TestContext) => {
  const path = join(dir, 'issue12.pst');
  const w = await PstWriter.create(path, { deterministic: true });
  for (const m of MESSAGES) await w.addMessage(['Inbox'], m);
  await w.finish();
  const f = await readFile(path);
  zeroPcRecords(f, FIRST, 8);
  await writeFile(path, f);
  const r = await checkPst(path);
  assert.equal(r.ok, false);
  assert.deepEqual([...new Set(r.errors.map((e) => e.code))].sort(), ['pc.key-order', 'pc.type']);
  assert.ok(r.errors.every((e) => e.structure === 'message 0x200024'));
  assert.equal(r.stats.countsByCode['pc.type'], 8);
  if (!(await requireReaders(t, 'pypff', 'pstextractor'))) return;
  // libpff refuses the message as in the issue; pst-extractor reads it with the subject lost
  const pypff = await runPypff(path);
  assert.ok(
    pypff.errors.some((e) => /unsupported value type: 0x00000000/.test(e)),
    JSON.stringify(pypff.errors),
  );
  assert.ok(!subjectsIn(pypff).includes('First'));
  const extractor = await runPstExtractor(path);
  assert.ok(!subjectsIn(extractor).includes('First'), JSON.stringify(subjectsIn(extractor)));
  assert.ok(subjectsIn(extractor).includes('Second'));
});

test('a message PC of 9 heap blocks is an error, and libpff loses the message', async (t: TestContext) => {
  // Written by the writer of commit 3272bb1 (before it kept message PCs to 8 heap blocks): one message with twenty
  // values of 3580 bytes; its BTH leaf is the last allocation of heap block 8.
  const path = join(dir, 'pc-9-heap-blocks.pst');
  await writeFile(path, gunzipSync(await readFile(new URL('./fixtures/pc-9-heap-blocks.pst.gz', import.meta.url))));
  const r = await checkPst(path, { strict: true });
  assert.deepEqual([...new Set(r.errors.map((e) => e.code))], ['pc.blocks']);
  assert.equal(r.errors[0]!.structure, 'message 0x200024');
  assert.match(
    r.errors[0]!.message,
    /PC heap of 9 blocks: the value of property 0x001a .* is in heap block 0, 8 blocks from the BTH leaf.s block 8/,
  );
  if (!(await requireReaders(t, 'pypff'))) return;
  const pypff = await runPypff(path);
  assert.ok(
    pypff.errors.some((e) => /unsupported value type/.test(e)),
    JSON.stringify(pypff.errors),
  );
  assert.deepEqual(subjectsIn(pypff), []);
});

test('a row index BTH whose index level names a leaf twice is an error, walked once', async () => {
  // 450 rows: the contents table's row index (447 records a leaf) has an index level above two leaves
  const path = join(dir, 'index-level.pst');
  const w = await PstWriter.create(path, { deterministic: true, encryption: 'none' });
  for (let i = 0; i < 450; i++) await w.addMessage(['Inbox'], { subject: `m${i}`, isRead: true });
  await w.finish();
  const f = await readFile(path);
  assert.deepEqual((await check(f, true)).errors, []);
  const h = heapOf(f, INBOX_CONTENTS);
  const [header] = h.alloc(h.table().hidRowIndex);
  assert.equal(f[header + 3], 1, 'bIdxLevels');
  const [index] = h.alloc(f.readUInt32LE(header + 4));
  f.writeUInt32LE(f.readUInt32LE(index + 4), index + 12); // second {key, hid} names the first leaf
  h.fix();
  const r = await check(f);
  assert.deepEqual([...new Set(r.errors.map((e) => e.code))].sort(), [
    'bth.hid',
    'folder.content-count',
    'folder.messages',
    'tc.row-index',
  ]);
  const named = r.errors.find((e) => e.code === 'bth.hid')!;
  assert.equal(named.structure, 'contents table 0x808e');
  assert.match(named.message, /row index BTH leaf at HID 0x\w+ is named by a second index record/);
  assert.match(
    r.errors.find((e) => e.code === 'tc.row-index')!.message,
    /row index has 447 records, the row matrix 450 rows/,
  );
});

test('random bytes in random blocks (CRCs re-fixed) are reported, never stop the checker', async () => {
  const blocks = bbtEntries(good);
  let seed = 12345;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 300; i++) {
    const f = Buffer.from(good);
    const b = blocks[random(blocks.length)]!;
    for (let k = 0, n = 1 + random(4); k < n; k++) f[b.ib + random(b.cb)] = random(256);
    fixBlockCrc(f, b);
    const r = await check(f, true);
    assert.equal(r.complete, true, `case ${i}: ${r.errors.map((e) => e.message).join('; ')}`);
    assert.equal(r.stats.countsByCode['check.aborted'], undefined, `case ${i}`);
  }
});
