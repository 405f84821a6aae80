/**
 * Temporary files and backpressure: an abort (signal, consumer destroying the stream, a failing source) at any
 * point leaves nothing in tmpDir once the summary has settled; a slow consumer holds the producer back (at most
 * two finished parts plus the one being written on disk, RSS far below the output); abandoned dirs are removed.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { EMPTY_PST_BYTES, type ExportHandle, exportToPst } from '../../src/index.js';
import { createExportDirectory, removeAbandoned } from '../../src/pipeline/temp-dir.js';
import { sizedRecord } from '../split/records.js';
import { type MemoryItem, MemorySource } from './memory-source.js';
import { leftovers } from './output-check.js';

async function freshTmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-lifecycle-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const PART_LIMIT = EMPTY_PST_BYTES + 600_000;

function items(count: number, attachmentBytes = 50_000): MemoryItem[] {
  return Array.from({ length: count }, (_, i) => ({
    folder: i % 3 ? ['Inbox'] : ['Inbox', 'Sub'],
    record: sizedRecord(i, { attachmentBytes }),
  }));
}

/** Reads `stream` chunk by chunk, calling `onChunk` after each; resolves with the bytes read or the error. */
async function drain(
  stream: Readable,
  onChunk?: (index: number, bytes: number) => void | Promise<void>,
): Promise<{ bytes: number; error?: Error }> {
  let bytes = 0;
  let index = 0;
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      await onChunk?.(index++, bytes);
    }
    return { bytes };
  } catch (error) {
    return { bytes, error: error as Error };
  }
}

/** Waits for the summary to settle (it settles after cleanup) and asserts tmpDir is empty. */
async function assertFailedClean(handle: ExportHandle, tmp: string, reason: RegExp | Error): Promise<void> {
  const settled = await handle.summary.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  assert.ok(settled, 'the summary rejects');
  if (reason instanceof Error) assert.equal(settled, reason);
  else assert.match(settled.message, reason);
  assert.deepEqual(await leftovers(tmp), [], 'nothing is left in tmpDir');
}

for (const at of [0, 3, 14, 30]) {
  test(`abort through the signal while the source yields message ${at}: stream error, no temporary file`, async (t) => {
    const tmp = await freshTmp(t);
    const controller = new AbortController();
    const reason = new Error(`stop at ${at}`);
    const source = new MemorySource(items(40), (i) => {
      if (i === at) controller.abort(reason);
    });
    const handle = exportToPst({
      sources: [source],
      name: 'x',
      tmpDir: tmp,
      maxPartBytes: PART_LIMIT,
      signal: controller.signal,
    });
    const head = handle.head.catch((e: unknown) => e as Error);
    const { error } = await drain(handle.stream);
    assert.equal(error, reason, 'the stream is destroyed with the reason');
    await assertFailedClean(handle, tmp, reason);
    if (at === 0) assert.equal(await head, reason, 'head rejects when the abort comes first');
    assert.ok(source.yielded <= at + 1, 'the producer stopped');
  });
}

for (const chunk of [0, 5]) {
  test(`abort through the signal after the consumer read ${chunk + 1} chunk(s) of a ZIP: no temporary file`, async (t) => {
    const tmp = await freshTmp(t);
    const controller = new AbortController();
    const handle = exportToPst({
      sources: [new MemorySource(items(60))],
      name: 'x',
      tmpDir: tmp,
      maxPartBytes: PART_LIMIT,
      signal: controller.signal,
    });
    assert.equal((await handle.head).format, 'zip');
    const { error } = await drain(handle.stream, (i) => {
      if (i === chunk) controller.abort();
    });
    assert.match(String(error), /aborted/);
    await assertFailedClean(handle, tmp, /aborted/);
  });

  test(`the consumer destroys the stream after ${chunk + 1} chunk(s): the export stops, no temporary file`, async (t) => {
    const tmp = await freshTmp(t);
    const source = new MemorySource(items(60));
    const handle = exportToPst({ sources: [source], name: 'x', tmpDir: tmp, maxPartBytes: PART_LIMIT });
    await handle.head;
    await drain(handle.stream, (i) => {
      if (i === chunk) handle.stream.destroy();
    });
    await assertFailedClean(handle, tmp, /closed before the export ended/);
    assert.ok(source.yielded < 60, 'the producer stopped before the end');
  });
}

test('a signal aborted before the call: nothing is written, head and summary reject', async (t) => {
  const tmp = await freshTmp(t);
  const handle = exportToPst({
    sources: [new MemorySource(items(3))],
    name: 'x',
    tmpDir: tmp,
    signal: AbortSignal.abort(new Error('early')),
  });
  await assert.rejects(handle.head, /early/);
  await assertFailedClean(handle, tmp, /early/);
});

test('a failing attachment fails the export: the stream errors with it, no temporary file', async (t) => {
  const tmp = await freshTmp(t);
  const broken: MemoryItem = {
    folder: ['Inbox'],
    record: {
      subject: 'broken',
      attachments: [
        {
          kind: 'file',
          name: 'bad.bin',
          size: 10_000,
          open: async function* () {
            yield new Uint8Array(100);
            throw new Error('disk gone');
          },
        },
      ],
    },
  };
  const list = [...items(25), broken, ...items(5)];
  const handle = exportToPst({ sources: [new MemorySource(list)], name: 'x', tmpDir: tmp, maxPartBytes: PART_LIMIT });
  const { error } = await drain(handle.stream);
  assert.match(String(error), /disk gone/);
  await assertFailedClean(handle, tmp, /disk gone/);
});

test('a slow consumer holds the producer back: ≤ 2 finished parts + 1 being written on disk, RSS far below the output', async (t) => {
  const tmp = await freshTmp(t);
  const limit = 16 * 1024 * 1024;
  const count = 960; // ≈ 240 MB in ~15 parts
  const attachment = 250_000;
  const seen = { finished: 0, partial: 0, aheadBytes: 0 };
  let consumed = 0;
  let dir: string | undefined;
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const observe = async (): Promise<void> => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    dir ??= (await readdir(tmp)).filter((n) => n.startsWith('pstream-')).map((n) => join(tmp, n))[0];
    if (!dir) return;
    const names = await readdir(dir).catch(() => [] as string[]);
    seen.finished = Math.max(seen.finished, names.filter((n) => /^part-\d{3}\.pst$/.test(n)).length);
    seen.partial = Math.max(seen.partial, names.filter((n) => n.endsWith('.partial')).length);
  };
  const source = new MemorySource(
    Array.from({ length: count }, (_, i) => ({
      folder: ['Inbox'],
      record: sizedRecord(i, { attachmentBytes: attachment }),
    })),
    async (i) => {
      await observe();
      // How far the producer has run ahead of what the consumer has read.
      seen.aheadBytes = Math.max(seen.aheadBytes, i * attachment - consumed);
    },
  );
  const handle = exportToPst({ sources: [source], name: 'slow', tmpDir: tmp, maxPartBytes: limit });
  const stream = handle.stream;
  // Read in paused mode, one chunk at a time, yielding to the producer between reads.
  let result = 0;
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk) {
      consumed += chunk.length;
      result += chunk.length;
      await observe();
      for (let k = 0; k < 8; k++) await new Promise((r) => setImmediate(r));
      continue;
    }
    if (stream.readableEnded) break;
    await new Promise<void>((r) => {
      const done = (): void => {
        stream.off('readable', done);
        stream.off('end', done);
        r();
      };
      stream.once('readable', done);
      stream.once('end', done);
    });
    if (stream.readableEnded) break;
  }
  const summary = await handle.summary;
  assert.equal(summary.bytes, result);
  assert.ok(summary.parts.length >= 8, `${summary.parts.length} parts`);
  assert.ok(seen.finished <= 2, `at most 2 finished parts on disk, saw ${seen.finished}`);
  assert.ok(seen.partial <= 1, `at most 1 part being written, saw ${seen.partial}`);
  assert.ok(seen.finished === 2, 'the test did see two finished parts waiting (the consumer was slow)');
  // The producer never ran more than the two waiting parts and the one being written ahead of the consumer.
  assert.ok(seen.aheadBytes <= 3 * limit + attachment, `producer ran ${seen.aheadBytes} bytes ahead`);
  t.diagnostic(
    `output ${result} bytes in ${summary.parts.length} parts; RSS growth ${rssMax - rss0} bytes; producer ahead by at most ${seen.aheadBytes} bytes`,
  );
  assert.ok(rssMax - rss0 < result / 4, `RSS grew by ${rssMax - rss0} bytes for ${result} bytes of output`);
  assert.deepEqual(await leftovers(tmp), []);
});

test('removeAbandoned removes pstream-* dirs of dead processes only; createExportDirectory runs it', async (t) => {
  const tmp = await freshTmp(t);
  const child = spawn(process.execPath, ['-e', '']);
  const deadPid = await new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
  const dead = join(tmp, 'pstream-dead');
  const alive = join(tmp, 'pstream-alive');
  const foreign = join(tmp, 'pstream-no-owner');
  const other = join(tmp, 'other-dead');
  for (const d of [dead, alive, foreign, other]) await mkdir(d);
  await writeFile(join(dead, 'owner'), `${deadPid}\n`);
  await writeFile(join(dead, 'part-001.pst'), 'x');
  await writeFile(join(alive, 'owner'), `${process.pid}\n`);
  await writeFile(join(other, 'owner'), `${deadPid}\n`);
  assert.deepEqual(await removeAbandoned(tmp), [dead]);
  assert.deepEqual((await readdir(tmp)).sort(), ['other-dead', 'pstream-alive', 'pstream-no-owner']);
  // A new export directory clears abandoned ones first.
  await mkdir(dead);
  await writeFile(join(dead, 'owner'), `${deadPid}\n`);
  const created = await createExportDirectory(tmp);
  assert.ok((await stat(created)).isDirectory());
  assert.deepEqual(
    (await readdir(tmp)).filter((n) => n === 'pstream-dead'),
    [],
  );
  assert.deepEqual(await removeAbandoned(join(tmp, 'missing')), []);
});
