/**
 * The export's progress reports: the bytes written move within a part (not only when a part is finished), and the
 * sources' size and how far they are read, up to 100 % in the last report.
 */

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ExportProgress, exportToPstFile } from '../../src/index.js';
import { sizedRecord } from '../split/records.js';
import { MemorySource } from './memory-source.js';

async function scratch(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pstream-progress-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

function nonDecreasing(values: readonly number[], what: string): void {
  for (let i = 1; i < values.length; i++)
    assert.ok(values[i]! >= values[i - 1]!, `${what} never goes back: ${values.join(', ')}`);
}

test('the bytes written grow within a part, before any byte of it is out', async (t) => {
  const root = await scratch(t);
  const reports: ExportProgress[] = [];
  let reported: (() => void) | undefined;
  const items = Array.from({ length: 6 }, (_, i) => ({
    folder: ['Inbox'],
    record: sizedRecord(i, { attachmentBytes: 200_000 }),
  }));
  // Each message after the first waits for a report (the export's timer sends one while the source waits), so that
  // there is a report after every message written.
  const source = new MemorySource(items, async (index) => {
    if (index > 0) await new Promise<void>((resolve) => (reported = resolve));
  });
  const onProgress = (p: ExportProgress): void => {
    reports.push(p);
    reported?.();
  };
  const summary = await exportToPstFile({ sources: [source], name: 'box', onProgress }, join(root, 'box'));
  assert.equal(summary.format, 'pst');

  const inPart = reports.filter((p) => p.bytesOut === 0);
  const partBytes = inPart.map((p) => p.partBytes);
  nonDecreasing(partBytes, 'partBytes');
  assert.ok(new Set(partBytes).size >= 5, `at least one new value per message written: ${partBytes.join(', ')}`);
  for (const p of inPart)
    assert.equal(p.bytesWritten, p.partBytes, 'one part, not finished: everything written is in it');
  assert.ok(partBytes.at(-1)! >= 5 * 200_000 && partBytes.at(-1)! <= summary.bytes, partBytes.join(', '));
  nonDecreasing(
    reports.map((p) => p.bytesWritten),
    'bytesWritten',
  );

  const last = reports.at(-1)!;
  assert.deepEqual([last.bytesOut, last.bytesWritten, last.partBytes], [summary.bytes, summary.bytes, 0]);
  assert.equal(last.sourceBytes, undefined, 'the memory source does not tell its size');
  assert.equal(last.sourceBytesRead, undefined);
});

test('several parts: the bytes written are the finished parts and the one being written', async (t) => {
  const root = await scratch(t);
  const reports: ExportProgress[] = [];
  const items = Array.from({ length: 12 }, (_, i) => ({
    folder: ['Inbox'],
    record: sizedRecord(i, { attachmentBytes: 100_000 }),
  }));
  const summary = await exportToPstFile(
    { sources: [new MemorySource(items)], name: 'box', maxPartBytes: 600_000, onProgress: (p) => reports.push(p) },
    join(root, 'box'),
  );
  assert.equal(summary.format, 'zip');
  nonDecreasing(
    reports.map((p) => p.bytesWritten),
    'bytesWritten',
  );
  const last = reports.at(-1)!;
  assert.equal(
    last.bytesWritten,
    summary.parts.reduce((n, p) => n + p.bytes, 0),
  );
  assert.equal(last.bytesOut, summary.bytes);
});

test("an mbox and an .eml tree: the sources' size, and the last report has read all of it", async (t) => {
  const root = await scratch(t);
  const mbox = join(root, 'box.mbox');
  const lines = (n: number): string => `From: a${n}@example.com\nSubject: support ${n}\n\n${'z'.repeat(3000 * n)}\n`;
  await writeFile(
    mbox,
    [1, 2, 3].map((n) => `From a${n}@example.com Mon Jan  6 10:00:00 2025\n${lines(n)}\n`).join(''),
  );
  const tree = join(root, 'tree');
  await mkdir(join(tree, 'Sub'), { recursive: true });
  await writeFile(join(tree, '1.eml'), lines(4));
  await writeFile(join(tree, 'Sub', '2.eml'), lines(5));
  const size =
    (await stat(mbox)).size + (await stat(join(tree, '1.eml'))).size + (await stat(join(tree, 'Sub', '2.eml'))).size;

  const reports: ExportProgress[] = [];
  const summary = await exportToPstFile(
    { sources: [mbox, tree], name: 'box', onProgress: (p) => reports.push(p) },
    join(root, 'out'),
  );
  assert.equal(summary.scanned, 5);
  const known = reports.filter((p) => p.sourceBytes !== undefined);
  assert.ok(known.length >= 1);
  for (const p of known) assert.ok(p.sourceBytes === size && p.sourceBytesRead! <= size, JSON.stringify(p));
  nonDecreasing(
    known.map((p) => p.sourceBytesRead!),
    'sourceBytesRead',
  );
  const last = reports.at(-1)!;
  assert.deepEqual([last.sourceBytes, last.sourceBytesRead], [size, size], '100 % at the end');
});
