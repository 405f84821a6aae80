/**
 * `exportToPst` end to end: one part is a PST, several are one ZIP (checked by unzip, 7z and Python), parts read
 * back with their messages and folders, the keyword filter on the demo mailbox, summaries, warnings, progress,
 * option errors. Every test uses a fresh tmpDir and asserts that nothing is left in it.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_OPTIONS, generateRecords } from '@pstream/fixtures';
import {
  assertReadersAgree,
  type ExpectedFolder,
  requireReaders,
  requireTool,
  runPffexport,
  runPypff,
} from '../../../pst/test/support/oracles.js';
import {
  EMPTY_PST_BYTES,
  type ExportOptions,
  ExportOptionsError,
  type ExportProgress,
  type ExportSummary,
  type ExportWarning,
  exportToPst,
} from '../../src/index.js';
import { readPst } from '../split/read-pst.js';
import { sizedRecord } from '../split/records.js';
import { type MemoryItem, MemorySource } from './memory-source.js';
import { checkZip, extractZip, leftovers, requireZipTools, saveStream } from './output-check.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DEMO_MAILBOX = join(REPO, 'fixtures/demo/mailbox');

interface DemoManifest {
  summary: { matched: number; keyword: string };
  messages: { subject: string; folder: string[]; matches: boolean }[];
}
const manifest = JSON.parse(readFileSync(join(REPO, 'fixtures/demo/expected.json'), 'utf8')) as DemoManifest;

interface Workspace {
  /** The export's tmpDir. */
  readonly tmp: string;
  /** Where the test saves the output. */
  readonly out: string;
}

async function workspace(t: { after: (fn: () => Promise<void>) => void }): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'pstream-export-test-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const tmp = join(root, 'tmp');
  const out = join(root, 'out');
  await import('node:fs/promises').then((fs) => Promise.all([fs.mkdir(tmp), fs.mkdir(out)]));
  return { tmp, out };
}

/** The demo mailbox's records, in mailbox order. */
async function demoItems(): Promise<(MemoryItem & { matches: boolean })[]> {
  const items: (MemoryItem & { matches: boolean })[] = [];
  for await (const g of generateRecords(DEMO_OPTIONS).messages())
    items.push({ folder: g.folder, record: g.record, matches: g.expected.matches });
  return items;
}

/** Runs an export to completion, saving the output; asserts the head and that tmpDir is empty afterwards. */
async function runExport(
  ws: Workspace,
  options: Omit<ExportOptions, 'tmpDir'>,
): Promise<{ summary: ExportSummary; file: string; bytes: number }> {
  const handle = exportToPst({ ...options, tmpDir: ws.tmp });
  const head = await handle.head;
  const file = join(ws.out, head.fileName);
  const [bytes, summary] = await Promise.all([saveStream(handle.stream, file), handle.summary]);
  assert.equal(summary.format, head.format);
  assert.equal(summary.fileName, head.fileName);
  assert.equal(summary.bytes, bytes, 'summary.bytes is the stream length');
  assert.equal((await stat(file)).size, bytes);
  assert.deepEqual(await leftovers(ws.tmp), [], 'no temporary file is left');
  return { summary, file, bytes };
}

/** Subjects of each folder across the given parts, as read back. */
function subjectsByFolder(items: readonly MemoryItem[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const i of items) {
    const k = i.folder.join('/');
    m.set(k, [...(m.get(k) ?? []), i.record.subject]);
  }
  return m;
}

test('one part: the output is the PST itself, named <name>.pst', async (t) => {
  const ws = await workspace(t);
  const items = Array.from({ length: 5 }, (_, i) => ({
    folder: i % 2 ? ['Inbox'] : ['Inbox', 'Sub'],
    record: sizedRecord(i),
  }));
  const { summary, file, bytes } = await runExport(ws, { sources: [new MemorySource(items)], name: 'mailbox' });
  assert.equal(summary.format, 'pst');
  assert.equal(summary.fileName, 'mailbox.pst');
  assert.deepEqual(summary.parts, [{ name: 'mailbox.pst', bytes, messages: 5 }]);
  assert.deepEqual([summary.scanned, summary.matched, summary.skipped], [5, 5, 0]);
  const back = await readPst(file);
  assert.equal(back.storeName, 'mailbox');
  assert.deepEqual(back.folders.get('Inbox'), subjectsByFolder(items).get('Inbox'));
  assert.deepEqual(back.folders.get('Inbox/Sub'), subjectsByFolder(items).get('Inbox/Sub'));
});

test('several parts: one stored ZIP of <name>-001.pst, … that unzip, 7z and Python accept; parts read back in order', async (t) => {
  if (!(await requireZipTools(t))) return;
  const ws = await workspace(t);
  const items = await demoItems();
  const limit = 800_000;
  const { summary, file, bytes } = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'demo',
    maxPartBytes: limit,
  });
  assert.equal(summary.format, 'zip');
  assert.equal(summary.fileName, 'demo.zip');
  assert.ok(summary.parts.length >= 3, `${summary.parts.length} parts`);
  assert.deepEqual(
    summary.parts.map((p) => p.name),
    summary.parts.map((_, i) => `demo-${String(i + 1).padStart(3, '0')}.pst`),
  );
  assert.deepEqual([summary.scanned, summary.matched], [items.length, items.length]);
  const entries = await checkZip(file);
  assert.deepEqual(
    entries.map((e) => [e.name, e.size, e.method]),
    summary.parts.map((p) => [p.name, p.bytes, 0]),
    'entries are the parts, stored',
  );
  assert.ok(bytes > summary.parts.reduce((n, p) => n + p.bytes, 0));
  const names = await extractZip(file, join(ws.out, 'x'));
  assert.deepEqual(
    names,
    summary.parts.map((p) => p.name),
  );
  let next = 0;
  const keys = new Set<string>();
  for (const [i, part] of summary.parts.entries()) {
    assert.ok(part.bytes <= limit, `${part.name}: ${part.bytes} > ${limit}`);
    const back = await readPst(join(ws.out, 'x', part.name));
    keys.add(back.recordKey);
    assert.equal(back.storeName, i === 0 ? 'demo' : `demo (${i + 1})`);
    assert.equal(back.messages, part.messages);
    const mine = items.slice(next, next + part.messages);
    for (const [folder, subjects] of subjectsByFolder(mine))
      assert.deepEqual(back.folders.get(folder), subjects, `${part.name} ${folder}`);
    next += part.messages;
  }
  assert.equal(next, items.length, 'every message exactly once');
  assert.equal(keys.size, summary.parts.length, 'each part has its own store identity');
});

test('several parts, deflate: entries are compressed and still pass the three checkers', async (t) => {
  if (!(await requireZipTools(t))) return;
  const ws = await workspace(t);
  const items = Array.from({ length: 40 }, (_, i) => ({
    folder: ['Inbox'],
    record: sizedRecord(i, { bodyChars: 20_000 }),
  }));
  const { summary, file } = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'zipped',
    maxPartBytes: EMPTY_PST_BYTES + 400_000,
    zipCompression: 'deflate',
  });
  assert.equal(summary.format, 'zip');
  const entries = await checkZip(file);
  assert.ok(entries.length >= 2);
  for (const e of entries) {
    assert.equal(e.method, 8, `${e.name} is deflated`);
    assert.ok(e.compressedSize < e.size);
  }
});

test('demo mailbox (in-memory records), keyword "support": exactly the messages the manifest says match', async (t) => {
  const ws = await workspace(t);
  const items = await demoItems();
  assert.equal(manifest.summary.keyword, 'support');
  const { summary, file } = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'support',
    keywords: 'support',
  });
  assert.equal(summary.scanned, 300);
  assert.equal(summary.matched, manifest.summary.matched);
  assert.equal(summary.format, 'pst');
  const back = await readPst(file);
  const want = subjectsByFolder(items.filter((i) => i.matches));
  const wantFromManifest = new Map<string, string[]>();
  for (const m of manifest.messages.filter((x) => x.matches))
    wantFromManifest.set(m.folder.join('/'), [...(wantFromManifest.get(m.folder.join('/')) ?? []), m.subject]);
  for (const [folder, subjects] of wantFromManifest)
    assert.deepEqual(
      [...subjects].sort(),
      [...(want.get(folder) ?? [])].sort(),
      `manifest vs generated records, ${folder}`,
    );
  for (const [folder, subjects] of want) assert.deepEqual(back.folders.get(folder), subjects, folder);
  assert.equal(back.messages, manifest.summary.matched);
});

test('demo mailbox (committed .eml tree), keyword "support": exactly the 60 messages the manifest says match', async (t) => {
  const ws = await workspace(t);
  const { summary } = await runExport(ws, { sources: [DEMO_MAILBOX], name: 'support', keywords: 'support' });
  assert.equal(summary.scanned, 300);
  assert.equal(summary.matched, manifest.summary.matched);
});

test('a selection of nothing is one valid, empty PST', async (t) => {
  const ws = await workspace(t);
  const items = Array.from({ length: 3 }, (_, i) => ({ folder: ['Inbox'], record: sizedRecord(i) }));
  const { summary, file } = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'nothing',
    keywords: 'zzzunmatched',
  });
  assert.deepEqual([summary.format, summary.scanned, summary.matched], ['pst', 3, 0]);
  assert.deepEqual(
    summary.parts.map((p) => [p.name, p.messages]),
    [['nothing.pst', 0]],
  );
  assert.equal((await readPst(file)).messages, 0);
});

test('an oversize message is exported alone and reported in the warnings; given warnings are kept', async (t) => {
  const ws = await workspace(t);
  const limit = EMPTY_PST_BYTES + 100_000;
  const given: ExportWarning = {
    code: 'limit-clamped',
    message: 'from the request',
    field: 'pstSizeLimitBytes',
    requested: 1,
    applied: 2,
  };
  const items = [
    { folder: ['Inbox'], record: sizedRecord(0) },
    { folder: ['Inbox'], record: sizedRecord(1, { attachmentBytes: 600_000 }) },
    { folder: ['Inbox'], record: sizedRecord(2) },
  ];
  const { summary } = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'big',
    maxPartBytes: limit,
    warnings: [given],
  });
  assert.deepEqual(
    summary.parts.map((p) => p.messages),
    [1, 1, 1],
  );
  assert.ok(summary.parts[1]!.bytes > limit);
  assert.equal(summary.warnings[0], given);
  assert.equal(summary.warnings.length, 2);
  assert.deepEqual(summary.warnings[1], {
    code: 'oversized-message',
    message: `message memory#1 is larger than the part limit of ${limit} bytes; it was written alone to part 2`,
    origin: 'memory#1',
    part: 2,
    limitBytes: limit,
  });
});

test('progress: counts only grow, and the last report matches the summary', async (t) => {
  const ws = await workspace(t);
  const reports: ExportProgress[] = [];
  const items = Array.from({ length: 30 }, (_, i) => ({
    folder: ['Inbox'],
    record: sizedRecord(i, { attachmentBytes: 30_000 }),
  }));
  const { summary } = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'p',
    maxPartBytes: EMPTY_PST_BYTES + 300_000,
    onProgress: (p) => reports.push(p),
  });
  assert.ok(reports.length >= 1);
  for (let i = 1; i < reports.length; i++) {
    const [a, b] = [reports[i - 1]!, reports[i]!];
    assert.ok(
      b.scanned >= a.scanned && b.matched >= a.matched && b.bytesOut >= a.bytesOut && b.part >= a.part,
      JSON.stringify([a, b]),
    );
  }
  const last = reports.at(-1)!;
  assert.deepEqual(
    [last.scanned, last.matched, last.skipped, last.bytesOut],
    [summary.scanned, summary.matched, summary.skipped, summary.bytes],
  );
  assert.equal(last.part, summary.parts.length);
});

test('the part size is the smallest of maxPartBytes, limitBytes and the 49 GiB cap', async (t) => {
  const ws = await workspace(t);
  const items = Array.from({ length: 12 }, (_, i) => ({
    folder: ['Inbox'],
    record: sizedRecord(i, { attachmentBytes: 60_000 }),
  }));
  const small = EMPTY_PST_BYTES + 200_000;
  const a = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'a',
    limitBytes: small,
    maxPartBytes: 10_000_000,
  });
  const b = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'b',
    limitBytes: 10_000_000,
    maxPartBytes: small,
  });
  assert.deepEqual(
    a.summary.parts.map((p) => [p.bytes, p.messages]),
    b.summary.parts.map((p) => [p.bytes, p.messages]),
  );
  assert.ok(a.summary.parts.length > 1 && a.summary.parts.every((p) => p.bytes <= small));
});

test('encryption: none writes every part with bCryptMethod 0 and the same messages; the default is permute', async (t) => {
  if (!(await requireTool(t, 'unzip', 'unzip'))) return;
  const ws = await workspace(t);
  const items = (await demoItems()).slice(0, 120);
  const plain = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'plain',
    maxPartBytes: 600_000,
    encryption: 'none',
  });
  const permuted = await runExport(ws, { sources: [new MemorySource(items)], name: 'permuted', maxPartBytes: 600_000 });
  assert.ok(plain.summary.parts.length >= 2, `${plain.summary.parts.length} parts`);
  assert.equal(plain.summary.format, 'zip');
  const extracted = async (file: string, name: string): Promise<string[]> => {
    const dir = join(ws.out, name);
    return (await extractZip(file, dir)).map((entry) => join(dir, entry));
  };
  const parts = await extracted(plain.file, 'plain-parts');
  const permutedParts = await extracted(permuted.file, 'permuted-parts');
  assert.equal(parts.length, plain.summary.parts.length);
  assert.equal(permutedParts.length, parts.length);
  for (const [i, part] of parts.entries()) {
    assert.equal(readFileSync(part)[0x201], 0x00, `${part}: bCryptMethod`);
    assert.equal(readFileSync(permutedParts[i]!)[0x201], 0x01, `${permutedParts[i]}: bCryptMethod`);
    const [a, b] = await Promise.all([readPst(part), readPst(permutedParts[i]!)]);
    assert.ok(a.messages > 0);
    assert.equal(a.messages, b.messages);
    assert.deepEqual(a.folders, b.folders, `part ${i + 1} holds the same folders and messages with either encryption`);
  }
});

test('bad options throw ExportOptionsError naming the field and the value', () => {
  const source = new MemorySource([]);
  const cases: [Partial<ExportOptions>, string, unknown][] = [
    [{ name: '../escape' }, 'name', '../escape'],
    [{ name: '' }, 'name', ''],
    [{ sources: [] }, 'sources', []],
    [{ maxPartBytes: 1000 }, 'maxPartBytes', 1000],
    [{ maxPartBytes: 2.5 }, 'maxPartBytes', 2.5],
    [{ limitBytes: -1 }, 'limitBytes', -1],
    [{ encryption: 'cyclic' as 'none' }, 'encryption', 'cyclic'],
    [{ parseThreads: -1 }, 'parseThreads', -1],
    [{ parseThreads: 1.5 }, 'parseThreads', 1.5],
  ];
  for (const [patch, field, value] of cases) {
    assert.throws(
      () => exportToPst({ sources: [source], name: 'x', ...patch }),
      (e: unknown) =>
        e instanceof ExportOptionsError &&
        e instanceof RangeError &&
        e.field === field &&
        JSON.stringify(e.value) === JSON.stringify(value) &&
        e.message.includes(field),
      JSON.stringify(patch),
    );
  }
});

test('independent readers (pst_fsck, readpst, pst-extractor; pypff and pffexport on counts) read every part of a multi-part export', async (t) => {
  if (!(await requireTool(t, 'unzip', 'unzip'))) return;
  if (!(await requireReaders(t))) return;
  const ws = await workspace(t);
  const items = await demoItems();
  const { summary, file } = await runExport(ws, {
    sources: [new MemorySource(items)],
    name: 'demo',
    maxPartBytes: 800_000,
  });
  assert.ok(summary.parts.length >= 3);
  await extractZip(file, join(ws.out, 'x'));
  let next = 0;
  for (const part of summary.parts) {
    const mine = items.slice(next, next + part.messages);
    next += part.messages;
    // Every folder the part shows: its messages' folders, their parents, the IPM root and Deleted Items.
    const folders = new Map<string, ExpectedFolder>([
      ['', { path: '', messages: [] }],
      ['Deleted Items', { path: 'Deleted Items', messages: [] }],
    ]);
    for (const item of mine) {
      for (let d = 1; d <= item.folder.length; d++) {
        const path = item.folder.slice(0, d).join('/');
        if (!folders.has(path)) folders.set(path, { path, messages: [] });
      }
      folders.get(item.folder.join('/'))!.messages.push({ subject: item.record.subject, messageClass: 'IPM.Note' });
    }
    const path = join(ws.out, 'x', part.name);
    // Subjects, folders and structure: pst_fsck, readpst and pst-extractor, compared with one another too.
    await assertReadersAgree(path, [...folders.values()], {
      exactFolders: true,
      readers: ['fsck', 'readpst', 'pstextractor'],
    });
    // libpff misreads some subjects here (pypff: characters outside the BMP; pffexport: drops a non-ASCII first
    // character), so both are held to the message count of every folder.
    for (const summary of [await runPypff(path), await runPffexport(path)]) {
      assert.ok(summary.ok && summary.exitCode === 0, `${summary.reader}: ${summary.errors.join('; ')}`);
      const counts = new Map(
        summary.folders.filter((f) => !f.path.startsWith('~/')).map((f) => [f.path, f.messageCount]),
      );
      for (const f of folders.values())
        assert.equal(
          counts.get(f.path) ?? 0,
          f.messages.length,
          `${summary.reader}: ${part.name} ${JSON.stringify(f.path)}`,
        );
      assert.equal(
        [...counts.values()].reduce((a, b) => a + b, 0),
        part.messages,
        `${summary.reader}: ${part.name} message count`,
      );
    }
  }
  assert.equal(next, items.length);
});
