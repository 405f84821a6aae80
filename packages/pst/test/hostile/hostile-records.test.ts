/**
 * Hostile records straight into `PstWriter`: a recipient table of 100,000 rows (1,000,000 under CI), lone
 * surrogates and NULs in every string, huge strings, deep embedding, thousands of attachments with path-like
 * names. The writer must store each faithfully (strings as the record model says: lone surrogates as U+FFFD,
 * NULs dropped) and never produce a file that `checkPst` (strict) or pst-extractor rejects.
 */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type MessageRecord, PstInputError, PstWriter, type Recipient } from '@pstream/pst';
import { PSTFile, type PSTFolder, type PSTMessage } from 'pst-extractor';
import { assertCheckClean, tempDir } from '../writer/support.js';

const LARGE = process.env.CI === 'true' || process.env.PSTREAM_LARGE_TESTS === '1';

/** The messages of the first folder below the IPM subtree that holds any, by pst-extractor. */
async function messagesOf(path: string): Promise<PSTMessage[]> {
  const pst = new PSTFile(await readFile(path));
  const out: PSTMessage[] = [];
  const walk = (f: PSTFolder): void => {
    if (f.contentCount > 0)
      for (let m = f.getNextChild() as PSTMessage | null; m; m = f.getNextChild() as PSTMessage | null) out.push(m);
    if (f.hasSubfolders) for (const sub of f.getSubFolders()) walk(sub);
  };
  walk(pst.getRootFolder());
  return out;
}

async function writeOne(dir: string, name: string, folder: readonly string[], record: MessageRecord): Promise<string> {
  const w = await PstWriter.create(join(dir, name), { deterministic: true });
  await w.addMessage(folder, record);
  const summary = await w.finish();
  await assertCheckClean(summary.path);
  return summary.path;
}

test(`a recipient table of ${LARGE ? '1,000,000' : '100,000'} rows is stored and checks clean; 10,000 read back`, async (t) => {
  const dir = await tempDir(t);
  const make = (count: number): Recipient[] =>
    Array.from({ length: count }, (_, i) => ({
      kind: (['to', 'cc', 'bcc'] as const)[i % 3]!,
      name: `User ${i}`,
      address: `u${i}@example.com`,
    }));
  const count = LARGE ? 1_000_000 : 100_000;
  const path = await writeOne(dir, 'recipients.pst', ['Inbox'], {
    subject: 'many recipients',
    recipients: make(count),
  });
  t.diagnostic(`${count} recipients: ${(await readFile(path)).length} bytes`);
  // pst-extractor reads a recipient table in time quadratic in its rows: read back a smaller one.
  const smaller = await writeOne(dir, 'recipients-10k.pst', ['Inbox'], {
    subject: 'many recipients',
    recipients: make(10_000),
  });
  const [m] = await messagesOf(smaller);
  assert.equal(m?.numberOfRecipients, 10_000);
});

const LONE = 'a\uD800b\uDC00c\uDBFF';
const WITH_NUL = 'x\0y';
const stored = (s: string): string => s.toWellFormed().replaceAll('\0', '');

test('lone surrogates and NULs in every string are stored as U+FFFD and dropped, and the file checks clean', async (t) => {
  const dir = await tempDir(t);
  const record: MessageRecord = {
    subject: `${LONE}${WITH_NUL}`,
    from: { name: LONE, address: `${WITH_NUL}@example.com` },
    recipients: [{ kind: 'to', name: `${LONE}${WITH_NUL}`, address: `r${LONE}@example.com` }],
    body: `body ${LONE} ${WITH_NUL}`,
    html: `<p>${LONE}${WITH_NUL}</p>`,
    internetMessageId: `<${LONE}@x>`,
    transportHeaders: `Subject: ${LONE}\r\n\r\n`,
    categories: [LONE, WITH_NUL],
    attachments: [
      {
        kind: 'file',
        name: `${LONE}${WITH_NUL}.txt`,
        size: 3,
        open: async function* () {
          yield new Uint8Array([1, 2, 3]);
        },
      },
      { kind: 'message', name: LONE, message: { subject: LONE, body: WITH_NUL } },
    ],
  };
  const path = await writeOne(dir, 'strings.pst', [`Folder ${LONE}`, WITH_NUL], record);
  const [m] = await messagesOf(path);
  assert.ok(m);
  assert.equal(m.subject, stored(record.subject));
  assert.equal(m.body, stored(record.body!));
  assert.equal(m.senderName, stored(LONE));
  assert.equal(m.getRecipient(0)?.displayName, stored(`${LONE}${WITH_NUL}`));
  assert.equal(m.getAttachment(0).longFilename, stored(`${LONE}${WITH_NUL}.txt`));
});

test('huge strings, deep embedding and thousands of attachments with path-like names are stored as given', async (t) => {
  const dir = await tempDir(t);
  const chain = (levels: number): MessageRecord => {
    let nested: MessageRecord = { subject: `level ${levels}`, body: 'bottom' };
    for (let i = levels - 1; i >= 0; i--)
      nested = { subject: `level ${i}`, attachments: [{ kind: 'message', name: `level ${i + 1}`, message: nested }] };
    return nested;
  };
  // Deeper than the writer's limit: refused as invalid input naming the level, and the writer stays usable.
  const w = await PstWriter.create(join(dir, 'deep.pst'), { deterministic: true });
  await assert.rejects(
    w.addMessage(['Inbox'], chain(100)),
    (e: unknown) => e instanceof PstInputError && / nests embedded messages deeper than 32 levels: 33$/.test(e.message),
  );
  await w.addMessage(['Inbox'], { subject: 'after' });
  await assertCheckClean((await w.finish()).path);
  const nested = chain(30);
  const names = ['../../etc/passwd', '/abs/file', 'C:\\Windows\\x.exe', 'a/b\\c', `${'n'.repeat(100_000)}.bin`];
  const attachmentCount = 5_000;
  const record: MessageRecord = {
    subject: 's'.repeat(1_000_000),
    body: 'b'.repeat(LARGE ? 64 * 1024 * 1024 : 8 * 1024 * 1024),
    attachments: [
      { kind: 'message', name: 'nested', message: nested },
      ...Array.from({ length: attachmentCount }, (_, i) => ({
        kind: 'file' as const,
        name: names[i % names.length]!,
        size: 1,
        open: async function* () {
          yield new Uint8Array([i & 0xff]);
        },
      })),
    ],
  };
  const path = await writeOne(dir, 'huge.pst', ['Inbox'], record);
  const [m] = await messagesOf(path);
  assert.ok(m);
  assert.equal(m.subject.length, 1_000_000);
  assert.equal(m.body.length, record.body!.length);
  assert.equal(m.numberOfAttachments, attachmentCount + 1);
  assert.equal(m.getAttachment(0).attachMethod, 5);
  for (let i = 0; i < names.length; i++) assert.equal(m.getAttachment(1 + i).longFilename, names[i]);
});
