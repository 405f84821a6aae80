/**
 * `pipeExport`: every byte reaches the writable as it was when written (a valid PST, read back); chunks given back
 * once written are read into again (a few buffers for many mebibytes); a writable that fails aborts the export and
 * leaves no temporary file.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { checkPst } from '@pstream/pst';
import { exportToPst, pipeExport } from '../../src/index.js';
import { readPst } from '../split/read-pst.js';
import { generatedAttachment } from '../split/records.js';
import { type MemoryItem, MemorySource } from './memory-source.js';
import { leftovers } from './output-check.js';

/** Twelve messages of 1.5 MiB: a single PST of about 18 MiB, streamed in 1 MiB chunks. */
function items(): MemoryItem[] {
  return Array.from({ length: 12 }, (_, i) => ({
    folder: ['Inbox'],
    record: { subject: `m${i}`, attachments: [generatedAttachment(`a${i}.bin`, 1536 * 1024)] },
  }));
}

/**
 * A writable that notes each chunk's memory and keeps a copy of it taken a few milliseconds later, just before its
 * callback (as a slow socket would send it): a chunk refilled before its callback would differ from what `write` was given.
 */
function recordingSink(failAt?: number) {
  const buffers = new Set<ArrayBufferLike>();
  const copies: Buffer[] = [];
  const given = createHash('sha256');
  let chunks = 0;
  const sink = new Writable({
    // Room for a few chunks: writes are handed on while earlier ones still wait for their callback.
    highWaterMark: 3 * 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      chunks++;
      if (chunks === failAt) return callback(new Error('the disk is gone'));
      given.update(chunk);
      buffers.add(chunk.buffer);
      setTimeout(() => {
        copies.push(Buffer.from(chunk));
        callback();
      }, 5);
    },
  });
  return { sink, buffers, copies, given: () => given.digest('hex'), count: () => chunks };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

test('pipeExport hands on every byte, and the chunks it gives back are read into again', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'pstream-pipe-export-'));
  try {
    const plain = recordingSink();
    const first = exportToPst({ sources: [new MemorySource(items())], name: 'x', tmpDir: tmp });
    await pipeline(first.stream, plain.sink);
    await first.summary;
    assert.ok(plain.count() >= 16, `${plain.count()} chunks`);
    assert.equal(plain.buffers.size, plain.count(), 'without recycling, every chunk is a new buffer');

    const recycled = recordingSink();
    const second = exportToPst({ sources: [new MemorySource(items())], name: 'x', tmpDir: tmp });
    await pipeExport(second, recycled.sink);
    const summary = await second.summary;
    assert.equal(summary.format, 'pst');
    assert.ok(
      recycled.buffers.size < recycled.count() / 2,
      `${recycled.buffers.size} buffers for ${recycled.count()} chunks: the chunks given back were read into again`,
    );
    const bytes = Buffer.concat(recycled.copies);
    assert.equal(sha256(bytes), recycled.given(), 'no chunk was refilled before the writable was done with it');
    assert.equal(bytes.length, summary.bytes);
    const path = join(tmp, 'out.pst');
    await writeFile(path, bytes);
    const report = await checkPst(path, { strict: true });
    assert.deepEqual(report.errors, []);
    assert.equal((await readPst(path)).messages, 12);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('a writable that fails aborts the export: pipeExport and the summary reject, no temporary file is left', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'pstream-pipe-export-'));
  try {
    const failing = recordingSink(3);
    const handle = exportToPst({ sources: [new MemorySource(items())], name: 'x', tmpDir: tmp });
    await assert.rejects(pipeExport(handle, failing.sink), /the disk is gone/);
    await assert.rejects(handle.summary);
    assert.ok(handle.stream.destroyed);
    assert.deepEqual(await leftovers(tmp), []);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
