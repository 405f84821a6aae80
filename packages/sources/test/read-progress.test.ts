/**
 * `readProgress()`: every source tells its size before the first message and how far it has read after each one;
 * the count only grows and ends at the size.
 */

import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PstWriter } from '@pstream/pst';
import { type MessageSource, openSource, type SourceReadProgress } from '../src/index.js';
import { crlf, tempDir } from './helpers.js';

const MSG = join(dirname(fileURLToPath(import.meta.url)), 'data', 'msg', 'attachAndInline.msg');

function message(n: number, bodyBytes: number): string {
  return crlf(
    `From: a${n}@example.com`,
    `Subject: message ${n}`,
    'Content-Type: text/plain',
    '',
    'x'.repeat(bodyBytes),
    '',
  );
}

/** The progress before reading, after each message, and at the end. */
async function readAll(source: MessageSource): Promise<{
  before: SourceReadProgress | undefined;
  during: SourceReadProgress[];
  after: SourceReadProgress | undefined;
}> {
  const before = source.readProgress?.();
  const during: SourceReadProgress[] = [];
  try {
    for await (const m of source.messages()) {
      const now = source.readProgress?.();
      assert.ok(now, 'known once messages() has begun');
      during.push(now);
      await m.dispose?.();
    }
    return { before, during, after: source.readProgress?.() };
  } finally {
    await source.close();
  }
}

function assertGrowsToSize(run: Awaited<ReturnType<typeof readAll>>, size: number, messages: number): void {
  assert.equal(run.before, undefined, 'unknown before messages() begins');
  assert.equal(run.during.length, messages);
  for (const p of run.during) assert.equal(p.totalBytes, size);
  const reads = run.during.map((p) => p.readBytes);
  for (let i = 1; i < reads.length; i++)
    assert.ok(reads[i]! > reads[i - 1]!, `grows with every message: ${reads.join(', ')}`);
  assert.ok(reads[0]! > 0 && reads.at(-1)! <= size, reads.join(', '));
  assert.deepEqual(run.after, { totalBytes: size, readBytes: size });
}

test('an mbox: its file size, read up to the end of each message', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'box.mbox');
    const body = [1, 2, 3]
      .map((n) => `From a${n}@example.com Mon Jan  6 10:00:00 2025\n${message(n, n * 1000).replace(/\r\n/g, '\n')}\n`)
      .join('');
    await writeFile(path, body);
    assertGrowsToSize(await readAll(await openSource(path)), (await stat(path)).size, 3);
  } finally {
    await cleanup();
  }
});

test('an .eml tree: the size of its .eml files, listed once', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await mkdir(join(dir, 'Sub'));
    const files = [join(dir, '1.eml'), join(dir, '2.eml'), join(dir, 'Sub', '3.eml')];
    for (const [i, f] of files.entries()) await writeFile(f, message(i, 500 * (i + 1)));
    await writeFile(join(dir, 'notes.txt'), 'not a message: not counted');
    let size = 0;
    for (const f of files) size += (await stat(f)).size;
    assertGrowsToSize(await readAll(await openSource(dir)), size, 3);
  } finally {
    await cleanup();
  }
});

test('a PST: its file size, estimated from the items read', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const writer = await PstWriter.create(join(dir, 'in.pst'), { deterministic: true });
    for (let i = 0; i < 4; i++)
      await writer.addMessage(i < 2 ? ['Inbox'] : ['Inbox', 'Sub'], { subject: `m${i}`, body: 'y'.repeat(2000) });
    const { path, bytes } = await writer.finish();
    assertGrowsToSize(await readAll(await openSource(path)), bytes, 4);
  } finally {
    await cleanup();
  }
});

test('a .msg file: its size, read at once', async () => {
  const run = await readAll(await openSource(MSG));
  assert.equal(run.before, undefined);
  const size = (await stat(MSG)).size;
  assert.deepEqual(run.during, [{ totalBytes: size, readBytes: size }]);
  assert.deepEqual(run.after, { totalBytes: size, readBytes: size });
});
