/**
 * What goes in comes out: files written by PstWriter, checked by checkPst (strict) and pst_fsck.py, and read back by
 * pypff, pffexport, readpst and pst-extractor (plus a deep pst-extractor walk for embedded messages, categories and
 * content ids), compared with the records written.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import type { Attachment, MessageRecord, Recipient } from '@pstream/pst';
import { DEBIAN_PYTHON, type ExpectedFolder, requireReaders } from '../support/oracles.js';
import { seededAttachment, tempDir, type VerifyOptions, verifyPst, type Written, writePst } from './support.js';

/** readpst (libpst) skips an attachment without data; Outlook too stores a zero-length value as HNID 0. */
function withoutEmptyAttachments(folders: ExpectedFolder[]): ExpectedFolder[] {
  for (const f of folders)
    for (const m of f.messages)
      if (m.attachments) m.attachments = m.attachments.filter((a) => !('size' in a) || a.size !== 0);
  return folders;
}

const BASE: Omit<MessageRecord, 'subject'> = {
  from: { name: 'Alice Example', address: 'alice@example.com' },
  recipients: [
    { kind: 'to', name: 'Bob Example', address: 'bob@example.com' },
    { kind: 'cc', name: 'Carol', address: 'carol@example.org' },
    { kind: 'bcc', address: 'dave@example.net' },
  ],
  sentAt: new Date('2024-03-01T10:00:00Z'),
  receivedAt: new Date('2024-03-01T10:00:05Z'),
  body: 'Hello Bob,\r\nthe report is attached.\r\n',
};

async function roundTrip(t: TestContext, items: Written[], options: VerifyOptions = {}): Promise<string> {
  const dir = await tempDir(t);
  const summary = await writePst(dir, 'out.pst', items);
  assert.equal(summary.messages, items.length);
  await verifyPst(summary.path, items, options);
  return summary.path;
}

test('one message with sender, three kinds of recipient and a body', async (t) => {
  if (!(await requireReaders(t))) return;
  await roundTrip(t, [{ folder: ['Inbox'], record: { ...BASE, subject: 'Quarterly report' } }]);
});

test('attachments of 0, 1, 8175, 8176 and 8177 bytes and across the XBLOCK → XXBLOCK boundary', async (t) => {
  if (!(await requireReaders(t))) return;
  const sizes = [0, 1, 3580, 3581, 8175, 8176, 8177, 8176 * 1021, 8176 * 1021 + 1];
  const attachments: Attachment[] = sizes.map((size, i) => seededAttachment(`file-${size}.bin`, size, i + 1));
  await roundTrip(
    t,
    [
      { folder: ['Inbox'], record: { ...BASE, subject: 'many sizes', attachments } },
      // each size alone too: a message whose only attachment crosses a boundary
      ...sizes.map((size, i) => ({
        folder: ['Sizes'],
        record: {
          subject: `size ${size}`,
          body: `one attachment of ${size} bytes`,
          attachments: [seededAttachment(`only-${size}.dat`, size, 100 + i)],
        },
      })),
    ],
    { adjust: { readpst: withoutEmptyAttachments } },
  );
});

test('a 100 MiB attachment streamed from a generator', async (t) => {
  if (!(await requireReaders(t))) return;
  const size = 100 * 1024 * 1024;
  await roundTrip(t, [
    {
      folder: ['Big'],
      record: { ...BASE, subject: 'one hundred MiB', attachments: [seededAttachment('big.iso', size, 7)] },
    },
  ]);
});

test('2,000 recipients and a 10,000-character subject', async (t) => {
  if (!(await requireReaders(t))) return;
  const kinds = ['to', 'cc', 'bcc'] as const;
  const recipients: Recipient[] = Array.from({ length: 2000 }, (_, i) => ({
    kind: kinds[i % 3]!,
    name: `Person ${i}`,
    address: `person${i}@example.com`,
  }));
  const subject = Array.from({ length: 1000 }, (_, i) => `s${String(i).padStart(3, '0')}-abcd `).join('');
  assert.equal(subject.length, 10_000);
  await roundTrip(t, [
    { folder: ['Lists'], record: { ...BASE, subject: 'to everyone', recipients } },
    { folder: ['Lists'], record: { ...BASE, subject } },
  ]);
});

test('characters outside the BMP in subject, body, names and folder names', async (t) => {
  if (!(await requireReaders(t))) return;
  const record: MessageRecord = {
    subject: 'Emoji 😀 and 𝄞 and 𠜎',
    body: 'Body with 🎉 party and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\nsecond line 中文',
    from: { name: 'Zoë 🦊 Fox', address: 'fox@example.com' },
    recipients: [{ kind: 'to', name: 'Ünïcødé 🐙', address: 'octo@example.com' }],
    attachments: [seededAttachment('report 📎 𝛼.txt', 1234, 3)],
  };
  // libpff as packaged by Debian (libuna 2018) mis-decodes UTF-16 surrogate pairs in every string it converts
  // ("📬" D83D DCEC comes out as U+1F0ED): its summaries are not comparable, its raw bytes are (below).
  const path = await roundTrip(t, [{ folder: ['Post 📬', 'Sub 𝒳'], record }], { readers: ['readpst', 'pstextractor'] });
  const raw = await pypffRawStrings(path);
  assert.deepEqual(
    raw.folders.filter((f) => f.startsWith('Post') || f.startsWith('Sub')),
    ['Post 📬', 'Sub 𝒳'],
  );
  assert.deepEqual(raw.messages, [
    { subject: record.subject, body: record.body, sender: record.from!.name, attachments: ['report 📎 𝛼.txt'] },
  ]);
});

/** Folder names and message strings as libpff reads them from the file, decoded from UTF-16LE by Python. */
async function pypffRawStrings(path: string): Promise<{
  folders: string[];
  messages: { subject: string; body: string; sender: string; attachments: string[] }[];
}> {
  const script = `
import json, sys, pypff
def raw(item, tag):
    for rs in item.record_sets:
        for e in rs.entries:
            if e.entry_type == tag and e.data is not None: return bytes(e.data).decode('utf-16-le')
    return None
out = {'folders': [], 'messages': []}
def walk(folder):
    for i in range(folder.number_of_sub_folders):
        sub = folder.get_sub_folder(i)
        out['folders'].append(raw(sub, 0x3001))
        for j in range(sub.number_of_sub_messages):
            m = sub.get_sub_message(j)
            out['messages'].append({'subject': raw(m, 0x37), 'body': raw(m, 0x1000), 'sender': raw(m, 0x0c1a),
                'attachments': [raw(m.get_attachment(k), 0x3707) for k in range(m.number_of_attachments)]})
        walk(sub)
f = pypff.file(); f.open(sys.argv[1]); walk(f.get_root_folder())
print(json.dumps(out))
`;
  const { stdout } = await promisify(execFile)(DEBIAN_PYTHON, ['-c', script, path]);
  return JSON.parse(stdout) as Awaited<ReturnType<typeof pypffRawStrings>>;
}

test('embedded messages nested three deep, each with its own attachments', async (t) => {
  if (!(await requireReaders(t))) return;
  const level3: MessageRecord = {
    subject: 'level 3',
    body: 'innermost',
    from: { name: 'Three', address: 'three@example.com' },
    attachments: [seededAttachment('c.txt', 10_000, 13)],
  };
  const level2: MessageRecord = {
    subject: 'level 2',
    body: 'middle',
    recipients: [{ kind: 'to', name: 'Two', address: 'two@example.com' }],
    attachments: [seededAttachment('b.txt', 200, 12), { kind: 'message', name: 'level 3', message: level3 }],
  };
  const level1: MessageRecord = {
    subject: 'level 1',
    html: '<p>outer embedded</p>',
    attachments: [{ kind: 'message', name: 'level 2', message: level2 }, seededAttachment('a.pdf', 9000, 11)],
  };
  await roundTrip(t, [
    {
      folder: ['Inbox'],
      record: {
        ...BASE,
        subject: 'forwarded chain',
        attachments: [seededAttachment('top.txt', 5, 10), { kind: 'message', name: 'level 1', message: level1 }],
      },
    },
  ]);
});

test('inline attachments with content ids, an HTML-only message and categories', async (t) => {
  if (!(await requireReaders(t))) return;
  const html =
    '<html><body><p>Logo: <img src="cid:logo@pstream"></p><p>Chart: <img src="cid:chart.42@x"></p></body></html>';
  await roundTrip(t, [
    {
      folder: ['Inbox'],
      record: {
        ...BASE,
        subject: 'with pictures',
        body: undefined,
        html,
        attachments: [
          seededAttachment('logo.png', 2048, 21, {
            contentId: 'logo@pstream',
            isInline: true,
            contentType: 'image/png',
          }),
          seededAttachment('chart.gif', 20_000, 22, {
            contentId: 'chart.42@x',
            isInline: true,
            contentType: 'image/gif',
          }),
        ],
      },
    },
    { folder: ['Inbox'], record: { subject: 'html only', html: '<p>only <b>HTML</b> here</p>' } },
    {
      folder: ['Inbox'],
      record: { subject: 'categorised', body: 'tagged', categories: ['Red Category', 'Project ✨', 'Ünïcode'] },
    },
  ]);
});

test('lone surrogates and NULs in strings are stored cleaned', async (t) => {
  if (!(await requireReaders(t))) return;
  const record: MessageRecord = {
    subject: 'lone \uD800 high and \uDC00 low\u0000 nul',
    body: 'body \uD83D with\u0000 nul and \uDE00 trail',
    html: '<p>html \uDBFF\u0000 x</p>',
    from: { name: 'Na\u0000me \uD800', address: 'sender@example.com' },
    recipients: [{ kind: 'to', name: 'R\uDFFFcpt\u0000', address: 'r@example.com' }],
    categories: ['cat\u0000\uD800'],
    attachments: [seededAttachment('att\u0000\uDC01.txt', 30, 5)],
  };
  await roundTrip(t, [{ folder: ['Fold\u0000er \uD801'], record }]);
});

test('a top-level "Deleted Items" source folder lands in the store\'s own Deleted Items', async (t) => {
  if (!(await requireReaders(t))) return;
  const path = await roundTrip(t, [
    { folder: ['Deleted Items'], record: { ...BASE, subject: 'binned' } },
    { folder: ['deleted items', 'Sub'], record: { ...BASE, subject: 'binned deeper' } },
    { folder: ['Archive', 'Deleted Items'], record: { ...BASE, subject: 'nested, not special' } },
  ]);
  assert.match(path, /out\.pst$/);
});

test('a message without any optional field', async (t) => {
  if (!(await requireReaders(t))) return;
  await roundTrip(t, [
    { folder: ['Inbox'], record: { subject: '' } },
    { folder: ['Inbox'], record: { subject: 'x' } },
  ]);
});
