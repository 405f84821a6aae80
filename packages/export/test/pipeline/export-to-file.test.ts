/**
 * `exportToPstFile`: the export written to a file by the pipeline itself. A single PST is the part file renamed into
 * place (its inode is the part's: no copy), several parts are a ZIP renamed from a hidden partial file; the result
 * equals what the stream API gives for the same messages; failures leave nothing at the path.
 */

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  EMPTY_PST_BYTES,
  ExportFileError,
  type ExportOptionsError,
  type ExportProgress,
  exportToPst,
  exportToPstFile,
} from '../../src/index.js';
import { readPst } from '../split/read-pst.js';
import { sizedRecord } from '../split/records.js';
import { MemorySource } from './memory-source.js';
import { checkZip, extractZip, leftovers, requireZipTools, saveStream } from './output-check.js';

async function scratch(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pstream-file-export-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

const items = (n: number, attachmentBytes = 0) =>
  Array.from({ length: n }, (_, i) => ({
    folder: i % 3 ? ['Inbox'] : ['Inbox', 'Sub'],
    record: sizedRecord(i, { attachmentBytes }),
  }));

test('one part: the part is renamed to <path>.pst (no copy), and reads back like the streamed export', async (t) => {
  const root = await scratch(t);
  const progress: ExportProgress[] = [];
  const summary = await exportToPstFile(
    { sources: [new MemorySource(items(12, 20_000))], name: 'box', onProgress: (p) => progress.push(p) },
    join(root, 'result.out'),
  );
  assert.equal(summary.path, join(root, 'result.pst'), 'the extension is replaced by the format');
  assert.equal(summary.format, 'pst');
  const st = await stat(summary.path);
  assert.equal(st.size, summary.bytes);
  assert.deepEqual(summary.parts, [{ name: 'box.pst', bytes: summary.bytes, messages: 12 }]);
  assert.deepEqual(await readdir(root), ['result.pst'], 'the parts directory (beside the file by default) is gone');
  assert.equal(progress.at(-1)?.bytesOut, summary.bytes);

  // The same export through the stream API gives the same messages in the same folders.
  const streamed = exportToPst({ sources: [new MemorySource(items(12, 20_000))], name: 'box', tmpDir: root });
  const other = join(root, 'streamed.pst');
  await saveStream(streamed.stream, other);
  await streamed.summary;
  const [a, b] = [await readPst(summary.path), await readPst(other)];
  assert.equal(a.messages, 12);
  assert.deepEqual([...a.folders.entries()], [...b.folders.entries()]);
  assert.equal(a.storeName, 'box');
});

test('one part from a tmpDir elsewhere is still moved when it can be; the result is whole', async (t) => {
  const root = await scratch(t);
  const parts = join(root, 'parts');
  await mkdir(parts);
  const summary = await exportToPstFile(
    { sources: [new MemorySource(items(5))], name: 'x', tmpDir: parts },
    join(root, 'out', '..', 'x'),
  );
  assert.equal(summary.path, join(root, 'out', '..', 'x.pst'));
  assert.equal((await readPst(summary.path)).messages, 5);
  assert.deepEqual(await leftovers(parts), []);
});

test('several parts: a stored ZIP at <path>.zip that unzip, 7z and Python accept, holding every message once', async (t) => {
  if (!(await requireZipTools(t))) return;
  const root = await scratch(t);
  const limit = EMPTY_PST_BYTES + 300_000;
  const summary = await exportToPstFile(
    { sources: [new MemorySource(items(30, 30_000))], name: 'multi', maxPartBytes: limit },
    join(root, 'multi'),
  );
  assert.equal(summary.path, join(root, 'multi.zip'));
  assert.equal(summary.format, 'zip');
  assert.ok(summary.parts.length >= 2, `${summary.parts.length} parts`);
  assert.equal((await stat(summary.path)).size, summary.bytes);
  const entries = await checkZip(summary.path);
  assert.deepEqual(
    entries.map((e) => [e.name, e.size]),
    summary.parts.map((p) => [p.name, p.bytes]),
  );
  const names = await extractZip(summary.path, join(root, 'x'));
  let total = 0;
  for (const name of names) total += (await readPst(join(root, 'x', name))).messages;
  assert.equal(total, 30);
  assert.deepEqual((await readdir(root)).sort(), ['multi.zip', 'x'], 'no partial file, no parts directory');
});

test('several parts into a file that cannot be created: the error names the file, nothing is left behind', async (t) => {
  const root = await scratch(t);
  // Where this process would write the ZIP before renaming it, a file is in the way: it is not the export's to remove.
  await writeFile(join(root, `.n.zip.${process.pid}.partial`), "someone else's");
  const limit = EMPTY_PST_BYTES + 200_000;
  await assert.rejects(
    exportToPstFile(
      { sources: [new MemorySource(items(20, 30_000))], name: 'n', maxPartBytes: limit },
      join(root, 'n'),
    ),
    (error: unknown) =>
      error instanceof ExportFileError &&
      /cannot write ".*\/n\.zip" \(EEXIST\); nothing was written there/.test(error.message) &&
      error.code === 'output-failed' &&
      error.systemCode === 'EEXIST',
  );
  assert.deepEqual(await readdir(root), [`.n.zip.${process.pid}.partial`], 'only what was there before');
  assert.equal(await readFile(join(root, `.n.zip.${process.pid}.partial`), 'utf8'), "someone else's", 'and untouched');
});

test('the target is a directory: the rename fails with a message naming it, and the part is removed', async (t) => {
  const root = await scratch(t);
  await mkdir(join(root, 'taken.pst'));
  await writeFile(join(root, 'taken.pst', 'keep'), 'x');
  await assert.rejects(
    exportToPstFile({ sources: [new MemorySource(items(2))], name: 'n' }, join(root, 'taken')),
    (error: unknown) =>
      error instanceof ExportFileError &&
      /cannot write ".*taken\.pst" \(EISDIR\)/.test(error.message) &&
      typeof error.systemCode === 'string',
  );
  assert.deepEqual((await readdir(root)).sort(), ['taken.pst'], 'no parts directory, no partial file');
  assert.deepEqual(await readdir(join(root, 'taken.pst')), ['keep'], 'what was there is untouched');
});

test('a bad path is refused before anything runs, naming the value', async (t) => {
  await assert.rejects(
    exportToPstFile({ sources: [new MemorySource(items(1))], name: 'n' }, ''),
    (e: ExportOptionsError) => e.field === 'path' && /path must name a file, got ""/.test(e.message),
  );
  const root = await scratch(t);
  const missing = join(root, 'nowhere', 'n');
  await assert.rejects(
    exportToPstFile({ sources: [new MemorySource(items(1))], name: 'n' }, missing),
    (e: ExportOptionsError) =>
      e.field === 'path' &&
      e.message ===
        `path ${JSON.stringify(missing)}: its directory ${JSON.stringify(join(root, 'nowhere'))} does not exist`,
  );
  assert.deepEqual(await readdir(root), []);
});

test('aborted half-way through a ZIP: the call rejects with the reason, and nothing is left beside the path', async (t) => {
  const root = await scratch(t);
  const controller = new AbortController();
  const limit = EMPTY_PST_BYTES + 200_000;
  // 30 KB messages, about six a part: at message 25 several parts are finished and in the ZIP's partial file.
  const source = new MemorySource(items(40, 30_000), (index) => {
    if (index === 25) controller.abort(new Error('stopped by the test'));
  });
  const running = exportToPstFile(
    { sources: [source], name: 'cut', maxPartBytes: limit, signal: controller.signal },
    join(root, 'cut'),
  );
  await assert.rejects(running, /stopped by the test/);
  assert.deepEqual(await readdir(root), [], 'no result, no .partial, no parts directory');
});

test('an abort that comes once the file is complete (from the last progress report) changes nothing', async (t) => {
  const root = await scratch(t);
  const controller = new AbortController();
  const summary = await exportToPstFile(
    {
      sources: [new MemorySource(items(3))],
      name: 'late',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.scanned === 3 && p.bytesOut > 0) controller.abort(new Error('too late'));
      },
    },
    join(root, 'late'),
  );
  assert.ok(controller.signal.aborted, 'the abort happened');
  assert.equal((await readPst(summary.path)).messages, 3);
  assert.deepEqual(await readdir(root), ['late.pst']);
});
