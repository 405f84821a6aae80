/**
 * A matched message the writer cannot store (an invalid date, an attachment whose source gives another size than it
 * announced) is a damaged item: skipped and reported under `onDamaged: 'skip'`, fatal under 'stop' (kept as a
 * placeholder under the default 'keep': see faults/damaged-message.test.ts).
 */

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { exportToPst } from '@pstream/export';
import type { MessageRecord } from '@pstream/pst';
import { checkPst } from '@pstream/pst';
import { MemorySource } from './memory-source.js';

const good = (i: number): MessageRecord => ({
  subject: `good ${i}`,
  body: 'fine',
  sentAt: new Date('2024-01-01T00:00:00Z'),
});
const badDate: MessageRecord = { subject: 'year 102', sentAt: new Date(Date.UTC(102, 0, 1) - 1e15) };
const shortAttachment: MessageRecord = {
  subject: 'short attachment',
  attachments: [
    {
      kind: 'file',
      name: 'a.bin',
      size: 10_000,
      open: async function* () {
        yield new Uint8Array(100);
      },
    },
  ],
};

test("onDamaged: 'skip': unstorable messages are skipped and reported; the rest is exported", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-unstorable-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const items = [good(0), badDate, good(1), shortAttachment, good(2)].map((record) => ({ folder: ['Inbox'], record }));
  const run = exportToPst({ sources: [new MemorySource(items)], name: 'x', tmpDir: dir, onDamaged: 'skip' });
  const [bytes, summary] = await Promise.all([run.stream.toArray(), run.summary]);
  assert.equal(summary.scanned, 5);
  assert.equal(summary.damaged, 2);
  assert.equal(summary.skipped, 2);
  assert.equal(summary.matched, 3);
  assert.deepEqual(
    summary.parts.map((p) => p.messages),
    [3],
  );
  const skipped = summary.warnings.filter((w) => w.code === 'damaged-skipped');
  assert.equal(skipped.length, 2, summary.warnings.map((w) => w.message).join('\n'));
  assert.deepEqual(
    skipped.map((w) => w.origin),
    ['memory#1', 'memory#3'],
  );
  assert.match(skipped[0]!.message, /^skipped memory#1: message\.sentAt/);
  assert.match(skipped[1]!.message, /^skipped memory#3: attachment "a\.bin" declared size 10000/);
  const file = join(dir, 'x.pst');
  await writeFile(file, Buffer.concat(bytes as Buffer[]));
  assert.deepEqual((await checkPst(file, { strict: true })).errors, []);
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.startsWith('pstream-')),
    [],
  );
});

test("onDamaged: 'stop' makes an unstorable message fail the export", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-unstorable-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const run = exportToPst({
    sources: [new MemorySource([{ folder: ['Inbox'], record: badDate }])],
    name: 'x',
    tmpDir: dir,
    onDamaged: 'stop',
  });
  await assert.rejects(run.summary, { name: 'SourceError', code: 'damaged', message: /^memory#0: message\.sentAt/ });
  await assert.rejects(text(run.stream));
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.startsWith('pstream-')),
    [],
  );
});
