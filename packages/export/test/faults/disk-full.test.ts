/**
 * The disk filling up: tmpDir on an 8 MiB tmpfs (mounted by the test; skipped where mounting is not permitted,
 * a failure under CI=true). An export that needs more than that fails with ENOSPC in its stream error and leaves
 * the tmpfs empty; one whose parts are small enough fits, because at most two finished parts and the one being
 * written are on disk at once.
 */

import assert from 'node:assert/strict';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EMPTY_PST_BYTES, exportToPst } from '../../src/index.js';
import { MemorySource } from '../pipeline/memory-source.js';
import { checkZip, leftovers, requireZipTools, saveStream } from '../pipeline/output-check.js';
import { sizedRecord } from '../split/records.js';
import { faultMailbox } from './mailbox.js';
import { drain, freshDir, rejection, smallTmpfs } from './support.js';

const MIB = 1024 * 1024;

/** 300 in-memory messages of 50 kB: a 15 MB PST, no source spool involved. */
function memoryMessages(): MemorySource {
  return new MemorySource(
    Array.from({ length: 300 }, (_, i) => ({ folder: ['Inbox'], record: sizedRecord(i, { attachmentBytes: 50_000 }) })),
  );
}

async function usedBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return (s.blocks - s.bfree) * s.bsize;
}

test('disk full while the PST part is written (8 MiB tmpfs, 15 MB export): the stream errors with ENOSPC, the tmpfs ends empty', async (t) => {
  const tmp = await smallTmpfs(t, '8m');
  if (!tmp) return;
  const handle = exportToPst({ sources: [memoryMessages()], name: 'full', tmpDir: tmp });
  const head = handle.head.catch((e: unknown) => e as Error);
  const { bytes, error } = await drain(handle.stream);
  assert.ok(error, 'the stream errors');
  assert.match(`${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`, /ENOSPC/);
  assert.equal(await rejection(handle), error);
  assert.equal(await head, error, 'the head rejects: no byte of a half-written PST was presented');
  assert.equal(bytes, 0);
  assert.deepEqual(await leftovers(tmp), []);
  t.diagnostic(`tmpfs in use after the failure: ${await usedBytes(tmp)} bytes`);
});

test('disk full while a real mailbox is read and written (attachments spooled to the same 8 MiB tmpfs): ENOSPC, tmpfs empty', async (t) => {
  const mailbox = await faultMailbox();
  const tmp = await smallTmpfs(t, '8m');
  if (!tmp) return;
  const handle = exportToPst({ sources: [mailbox.path], name: 'full', tmpDir: tmp });
  handle.head.catch(() => undefined);
  const { error } = await drain(handle.stream);
  assert.ok(error, 'the stream errors');
  assert.match(`${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`, /ENOSPC/);
  assert.equal(await rejection(handle), error);
  assert.deepEqual(await leftovers(tmp), []);
});

test('disk full mid-ZIP (8 MiB tmpfs, a consumer that does not read yet): the ZIP was announced, then ENOSPC; the tmpfs ends empty', async (t) => {
  const tmp = await smallTmpfs(t, '8m');
  if (!tmp) return;
  // Parts of 7 MiB: part 1 stays on disk until it is streamed (but for the few MiB the ZIP reads ahead and releases
  // while part 2 is written), and part 2 cannot be written beside it.
  const handle = exportToPst({ sources: [memoryMessages()], name: 'full', tmpDir: tmp, maxPartBytes: 7 * MIB });
  assert.equal((await handle.head).format, 'zip', 'the head (a ZIP) was given before the disk filled up');
  const streamError = new Promise<Error>((resolve) => handle.stream.once('error', resolve));
  const reason = await rejection(handle);
  assert.match(`${(reason as NodeJS.ErrnoException).code ?? ''} ${reason.message}`, /ENOSPC/);
  assert.equal(await streamError, reason, 'the stream errors with it, so a reader never takes the ZIP for complete');
  assert.deepEqual(await leftovers(tmp), []);
});

test('small parts fit a small disk: a 15 MB export in 2 MiB parts succeeds on an 8 MiB tmpfs (≤ 3 parts on disk at once)', async (t) => {
  if (!(await requireZipTools(t))) return;
  const tmp = await smallTmpfs(t, '8m');
  if (!tmp) return;
  const out = await freshDir(t);
  const limit = EMPTY_PST_BYTES + 2 * MIB;
  const handle = exportToPst({ sources: [memoryMessages()], name: 'fits', tmpDir: tmp, maxPartBytes: limit });
  const zip = join(out, 'fits.zip');
  await saveStream(handle.stream, zip);
  const summary = await handle.summary;
  assert.equal(summary.format, 'zip');
  assert.ok(summary.bytes > 8 * MIB, `the output (${summary.bytes} bytes) is larger than the disk`);
  assert.equal(
    summary.parts.reduce((n, p) => n + p.messages, 0),
    300,
  );
  const entries = await checkZip(zip);
  assert.equal(entries.length, summary.parts.length);
  assert.deepEqual(await leftovers(tmp), []);
});
