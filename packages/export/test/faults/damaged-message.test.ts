/**
 * Damaged items in an export: an mbox and an .eml tree with messages the parser refuses (more MIME parts than it
 * allows, a multipart cut off at the end of the mbox), and a message the writer refuses. `onDamaged: 'keep'` (the
 * default) writes a placeholder in the item's folder (subject "Damaged item: …", category "pstream: damaged", a body
 * saying why, the original bytes attached), whatever the keyword filter; `'skip'` counts and names them without
 * writing them; `'stop'` fails the export with a `SourceError` naming the first, leaving no temporary file. A
 * message without header fields is no damage: it is a message that is all body. The output is read back by
 * pst-extractor and pypff.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { checkPst, type FolderSpec, type MessageRecord } from '@pstream/pst';
import type { MessageSource, SourceMessage } from '@pstream/sources';
import {
  type MessageSummary,
  type ReaderSummary,
  requireReaders,
  runPstExtractor,
  runPypff,
} from '../../../pst/test/support/oracles.js';
import { deepRead } from '../../../pst/test/writer/support.js';
import { type ExportOptions, type ExportSummary, exportToPst } from '../../src/index.js';
import { leftovers, saveStream } from '../pipeline/output-check.js';
import { readPst } from '../split/read-pst.js';
import { drain, freshDir, rejection } from './support.js';

function goodMessage(n: number): string {
  return [
    `From sender${n}@example.com Mon Jan  6 10:00:00 2025`,
    `From: Sender ${n} <sender${n}@example.com>`,
    'To: Bob <bob@example.com>',
    `Subject: good ${n}`,
    'Date: Mon, 6 Jan 2025 10:00:00 +0000',
    `Message-ID: <${n}@example.com>`,
    '',
    `Body of message ${n}.`,
    '',
    '',
  ].join('\n');
}

/** Message 3: text where the header fields should be: a message that is all body (as a mail client reads it). */
const NO_HEADERS = [
  'From nobody@example.com Mon Jan  6 10:00:00 2025',
  'this line is no header field at all',
  'and neither is this one',
  '',
  'body',
  '',
  '',
].join('\n');

/** A multipart with 1,200 parts, above the parser's limit of 1,000 (with an envelope line for the mbox). */
function tooManyParts(envelope: boolean): string {
  const lines = [
    ...(envelope ? ['From many@example.com Mon Jan  6 10:00:00 2025'] : []),
    'From: Many <many@example.com>',
    'Subject: too many parts',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
  ];
  for (let i = 0; i < 1200; i++) lines.push('--b', 'Content-Type: text/plain', '', `part ${i}`);
  lines.push('--b--', '', '');
  return lines.join('\n');
}

/** The mbox's last message: a multipart without its closing delimiter (the file was cut off). */
const CUT_MULTIPART = [
  'From cut@example.com Mon Jan  6 10:00:00 2025',
  'From: Cut <cut@example.com>',
  'Subject: cut off',
  'Content-Type: multipart/mixed; boundary="c"',
  '',
  '--c',
  'Content-Type: text/plain',
  '',
  'partial',
  '',
].join('\n');

interface Fixture {
  readonly tree: string;
  readonly mbox: string;
  /** Each damaged item: the placeholder subject expected, and the bytes it must carry. */
  readonly damaged: ReadonlyArray<{
    readonly folder: string;
    readonly subject: string;
    readonly reason: RegExp;
    readonly name: string;
    readonly bytes: Buffer;
  }>;
}

/**
 * An .eml tree (Inbox: a.eml good, b.eml too many parts) and an mbox of seven messages (#5 too many parts, #7 cut
 * off, #3 without header fields): nine items, three of them damaged.
 */
async function fixture(dir: string): Promise<Fixture> {
  const tree = join(dir, 'tree');
  await mkdir(tree);
  await writeFile(
    join(tree, 'a.eml'),
    goodMessage(0)
      .replace(/^From .*\n/, '')
      .replace('good 0', 'tree good'),
  );
  const bEml = Buffer.from(tooManyParts(false));
  await writeFile(join(tree, 'b.eml'), bEml);
  const mbox = join(dir, 'damaged.mbox');
  const pieces = [
    goodMessage(1),
    goodMessage(2),
    NO_HEADERS,
    goodMessage(4),
    tooManyParts(true),
    goodMessage(6),
    CUT_MULTIPART,
  ];
  await writeFile(mbox, pieces.join(''));
  const at = (i: number): number => pieces.slice(0, i).join('').length;
  // A message's range excludes the empty line that separates it from the next one.
  const stored = (i: number): Buffer => Buffer.from(i === pieces.length - 1 ? pieces[i]! : pieces[i]!.slice(0, -1));
  return {
    tree,
    mbox,
    damaged: [
      {
        folder: 'Inbox',
        subject: 'Damaged item: b.eml',
        reason: /more than 1000 MIME parts/,
        name: 'b.eml',
        bytes: bEml,
      },
      {
        folder: 'damaged',
        subject: `Damaged item: damaged.mbox message 5 (byte ${at(4)})`,
        reason: /more than 1000 MIME parts/,
        name: 'damaged-5.eml',
        bytes: stored(4),
      },
      {
        folder: 'damaged',
        subject: `Damaged item: damaged.mbox message 7 (byte ${at(6)})`,
        reason: /truncated: the closing delimiter --c-- /,
        name: 'damaged-7.eml',
        bytes: stored(6),
      },
    ],
  };
}

const sha16 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex').slice(0, 16);

async function runExport(
  t: TestContext,
  options: Omit<ExportOptions, 'name' | 'tmpDir'>,
): Promise<{ out: string; summary: ExportSummary; tmp: string }> {
  const dir = await freshDir(t);
  const tmp = await freshDir(t);
  const handle = exportToPst({ ...options, name: 'damaged', tmpDir: tmp });
  const out = join(dir, 'out.pst');
  await saveStream(handle.stream, out);
  const summary = await handle.summary;
  const report = await checkPst(out, { strict: true });
  assert.ok(report.ok, report.errors.map((e) => e.message).join('; '));
  assert.deepEqual(await leftovers(tmp), []);
  return { out, summary, tmp };
}

/** Subjects per folder holding messages, as pst-extractor reads them (the store's empty folders left out). */
async function foldersWithMessages(out: string): Promise<Record<string, readonly string[]>> {
  return Object.fromEntries([...(await readPst(out)).folders].filter(([, list]) => list.length > 0));
}

/** Subjects per folder, as a reader's summary lists them. */
function subjects(summary: ReaderSummary): Record<string, Array<string | null>> {
  return Object.fromEntries(
    summary.folders
      .filter((f) => (f.messages ?? []).length > 0)
      .map((f) => [f.path, (f.messages ?? []).map((m) => m.subject)]),
  );
}

/** Checks the placeholders of `fx` as pypff and pst-extractor read them: subject, attachment name, size and hash. */
async function assertPlaceholdersRead(out: string, fx: Fixture): Promise<void> {
  for (const summary of [await runPypff(out), await runPstExtractor(out)]) {
    assert.deepEqual(summary.errors, [], summary.reader);
    const all = summary.folders.flatMap((f) => (f.messages ?? []).map((m): [string, MessageSummary] => [f.path, m]));
    for (const d of fx.damaged) {
      const found = all.filter(([folder, m]) => folder === d.folder && m.subject === d.subject);
      assert.equal(found.length, 1, `${summary.reader}: ${d.subject} in ${d.folder}`);
      const attachments = found[0]![1].attachments.map((a) => ({ name: a.name, size: a.size, sha1: a.sha1 }));
      assert.deepEqual(
        attachments,
        [{ name: d.name, size: d.bytes.length, sha1: sha16(d.bytes) }],
        `${summary.reader}: ${d.subject}`,
      );
    }
  }
  // Categories and bodies: pst-extractor, walked message by message.
  const deep = await deepRead(out);
  for (const d of fx.damaged) {
    const m = (deep.get(d.folder) ?? []).find((x) => x.subject === d.subject);
    assert.ok(m, d.subject);
    assert.deepEqual(m.categories, ['pstream: damaged']);
    assert.match(m.body ?? '', d.reason);
    assert.match(m.body ?? '', new RegExp(`attached as ${d.name.replace('.', '\\.')}`));
  }
}

test("onDamaged 'keep' (the default): each damaged item is a placeholder in its folder holding its original bytes; counts exact", async (t) => {
  if (!(await requireReaders(t, 'pypff', 'pstextractor'))) return;
  const fx = await fixture(await freshDir(t));
  const { out, summary } = await runExport(t, { sources: [fx.tree, fx.mbox] });
  assert.equal(summary.format, 'pst');
  assert.equal(summary.scanned, 9, 'every item read, damaged ones included');
  assert.equal(summary.matched, 6);
  assert.equal(summary.damaged, 3);
  assert.equal(summary.skipped, 0);
  assert.deepEqual(
    summary.parts.map((p) => p.messages),
    [9],
  );
  const damaged = summary.warnings.filter((w) => w.code === 'damaged-kept');
  const damagedWarnings = damaged.map((w) => w.message);
  assert.equal(damagedWarnings.length, 3, damagedWarnings.join('\n'));
  assert.equal(summary.warnings.length, 3, summary.warnings.map((w) => w.message).join('\n'));
  for (const [i, d] of fx.damaged.entries()) {
    assert.ok(damagedWarnings[i]!.includes(`kept as "${d.subject}" in ${d.folder}`), damagedWarnings[i]);
    assert.deepEqual(damaged[i]!.code === 'damaged-kept' && [damaged[i]!.subject, damaged[i]!.folder.join('/')], [
      d.subject,
      d.folder,
    ]);
  }
  assert.ok(damaged.every((w) => w.message.startsWith(`damaged ${w.origin}: ${w.reason}; kept as `)));
  assert.match(
    damagedWarnings[0]!,
    new RegExp(`^damaged ${join(fx.tree, 'b.eml').replace(/[.]/g, '\\.')}: more than 1000 MIME parts`),
  );
  assert.match(
    damagedWarnings[1]!,
    new RegExp(`^damaged ${fx.mbox.replace(/[.]/g, '\\.')}#5: more than 1000 MIME parts`),
  );
  assert.deepEqual(await foldersWithMessages(out), {
    Inbox: ['tree good', fx.damaged[0]!.subject],
    damaged: ['good 1', 'good 2', '', 'good 4', fx.damaged[1]!.subject, 'good 6', fx.damaged[2]!.subject],
  });
  const pypff = await runPypff(out);
  assert.deepEqual(subjects(pypff), {
    Inbox: ['tree good', fx.damaged[0]!.subject],
    damaged: ['good 1', 'good 2', '', 'good 4', fx.damaged[1]!.subject, 'good 6', fx.damaged[2]!.subject],
  });
  await assertPlaceholdersRead(out, fx);
});

test("onDamaged 'keep' with keywords: the filter selects messages, damaged items are kept whatever it says", async (t) => {
  if (!(await requireReaders(t, 'pypff', 'pstextractor'))) return;
  const fx = await fixture(await freshDir(t));
  const { out, summary } = await runExport(t, { sources: [fx.tree, fx.mbox], keywords: 'good' });
  assert.deepEqual([summary.scanned, summary.matched, summary.damaged, summary.skipped], [9, 5, 3, 0]);
  const contents = await readPst(out);
  assert.deepEqual(contents.folders.get('damaged'), [
    'good 1',
    'good 2',
    'good 4',
    fx.damaged[1]!.subject,
    'good 6',
    fx.damaged[2]!.subject,
  ]);
  await assertPlaceholdersRead(out, fx);
});

test("onDamaged 'skip': the damaged items are counted in summary.damaged and summary.skipped and named in warnings, not written", async (t) => {
  const fx = await fixture(await freshDir(t));
  const { out, summary } = await runExport(t, { sources: [fx.tree, fx.mbox], onDamaged: 'skip' });
  assert.deepEqual([summary.scanned, summary.matched, summary.damaged, summary.skipped], [9, 6, 3, 3]);
  assert.deepEqual(
    summary.parts.map((p) => p.messages),
    [6],
  );
  const skippedWarnings = summary.warnings.filter((w) => w.code === 'damaged-skipped').map((w) => w.message);
  assert.equal(skippedWarnings.length, 3, summary.warnings.map((w) => w.message).join('\n'));
  assert.equal(summary.warnings.length, 3);
  assert.match(
    skippedWarnings[1]!,
    new RegExp(`^skipped ${fx.mbox.replace(/[.]/g, '\\.')}#5: more than 1000 MIME parts`),
  );
  assert.match(skippedWarnings[2]!, new RegExp(`^skipped ${fx.mbox.replace(/[.]/g, '\\.')}#7: truncated`));
  assert.deepEqual(await foldersWithMessages(out), {
    Inbox: ['tree good'],
    damaged: ['good 1', 'good 2', '', 'good 4', 'good 6'],
  });
});

test("onDamaged 'stop': the export fails with a SourceError naming the damaged message; nothing is presented or left", async (t) => {
  const dir = await freshDir(t);
  const tmp = await freshDir(t);
  const fx = await fixture(dir);
  const handle = exportToPst({ sources: [fx.mbox], name: 'damaged', tmpDir: tmp, onDamaged: 'stop' });
  const head = handle.head.catch((e: unknown) => e as Error);
  const { bytes, error } = await drain(handle.stream);
  assert.ok(error, 'the stream errors');
  assert.equal(error.name, 'SourceError');
  assert.equal((error as Error & { code?: string }).code, 'damaged');
  assert.match(error.message, new RegExp(`^${fx.mbox.replace(/[.]/g, '\\.')}#5: more than 1000 MIME parts`));
  assert.equal(await rejection(handle), error);
  assert.equal(await head, error, 'the head rejects: no PST byte was presented');
  assert.equal(bytes, 0);
  assert.deepEqual(await leftovers(tmp), []);
});

/** A source of messages the writer refuses (a date before 1601), one with its original bytes, one without. */
class RefusedSource implements MessageSource {
  readonly kind = 'eml' as const;
  readonly name = 'refused';
  constructor(readonly path: string) {}
  async *folders(): AsyncIterable<FolderSpec> {}
  async *messages(): AsyncIterable<SourceMessage> {
    const badDate: MessageRecord = { subject: 'year 102', sentAt: new Date(Date.UTC(102, 0, 1) - 1e15) };
    const bytes = await readFile(this.path);
    yield {
      folder: ['Inbox'],
      record: badDate,
      origin: this.path,
      bytes: {
        name: 'refused.eml',
        contentType: 'message/rfc822',
        size: bytes.length,
        open: async function* () {
          yield bytes;
        },
      },
    };
    yield { folder: ['Inbox'], record: { subject: 'fine', body: 'fine' }, origin: 'memory#1' };
    yield { folder: ['Inbox', 'Sub'], record: badDate, origin: 'memory#2' };
  }
  async close(): Promise<void> {}
}

test("a message the writer refuses is kept as a placeholder ('keep'), with its bytes when its source has them", async (t) => {
  if (!(await requireReaders(t, 'pypff', 'pstextractor'))) return;
  const dir = await freshDir(t);
  const original = join(dir, 'refused.eml');
  await writeFile(original, 'Subject: year 102\nDate: Sat, 1 Jan 0102 00:00:00 +0000\n\nold\n');
  const { out, summary } = await runExport(t, { sources: [new RefusedSource(original)] });
  assert.deepEqual([summary.scanned, summary.matched, summary.damaged, summary.skipped], [3, 1, 2, 0]);
  const damagedWarnings = summary.warnings.filter((w) => w.code === 'damaged-kept').map((w) => w.message);
  assert.equal(damagedWarnings.length, 2, summary.warnings.map((w) => w.message).join('\n'));
  assert.match(
    damagedWarnings[0]!,
    new RegExp(`^damaged ${original.replace(/[.]/g, '\\.')}: message\\.sentAt is outside the FILETIME range`),
  );
  const bytes = await readFile(original);
  const pypff = await runPypff(out);
  assert.deepEqual(subjects(pypff), {
    Inbox: ['Damaged item: refused.eml "year 102"', 'fine'],
    'Inbox/Sub': ['Damaged item: memory#2 "year 102"'],
  });
  const first = pypff.folders.find((f) => f.path === 'Inbox')!.messages![0]!;
  assert.deepEqual(
    first.attachments.map((a) => [a.name, a.size, a.sha1]),
    [['refused.eml', bytes.length, sha16(bytes)]],
  );
  const deep = await deepRead(out);
  const noBytes = deep.get('Inbox/Sub')![0]!;
  assert.deepEqual(noBytes.categories, ['pstream: damaged']);
  assert.deepEqual(noBytes.attachments, []);
  assert.match(
    noBytes.body ?? '',
    /The original bytes are not attached: its source gives no original bytes of its messages\./,
  );
});
