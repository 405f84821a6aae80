/**
 * The consumer going away while a real mailbox (an .eml tree whose attachments are spooled to tmpDir) is exported:
 * destroyed mid-part, mid-ZIP (inside the second entry), destroyed with an error, and a consumer whose own write
 * fails (a pipe into /dev/full). The export stops, the summary rejects, and nothing is left in tmpDir. While the
 * export runs, tmpDir holds one directory only (spooled attachments live inside it, so that removeAbandoned can
 * delete everything a killed process left).
 */

import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { exportToPst } from '../../src/index.js';
import { leftovers } from '../pipeline/output-check.js';
import { faultMailbox } from './mailbox.js';
import { drain, freshDir, rejection } from './support.js';

const MIB = 1024 * 1024;

const cases = [
  { what: 'mid-part (one PST, after 1 MiB)', maxPartBytes: undefined, format: 'pst', at: 1 * MIB, withError: false },
  { what: 'mid-ZIP (inside the second entry)', maxPartBytes: 4 * MIB, format: 'zip', at: 5 * MIB, withError: false },
  { what: 'mid-ZIP, destroyed with an error', maxPartBytes: 4 * MIB, format: 'zip', at: 5 * MIB, withError: true },
] as const;

for (const c of cases) {
  test(`the consumer destroys the stream ${c.what}: the export stops, tmpDir ends empty`, async (t) => {
    const mailbox = await faultMailbox();
    const tmp = await freshDir(t);
    const handle = exportToPst({
      sources: [mailbox.path],
      name: 'mailbox',
      tmpDir: tmp,
      ...(c.maxPartBytes ? { maxPartBytes: c.maxPartBytes } : {}),
    });
    assert.equal((await handle.head).format, c.format);
    let during: string[] | undefined;
    const consumerError = new Error('the consumer failed');
    const { bytes, error } = await drain(handle.stream, (_i, total) => {
      if (total < c.at || during) return;
      during = [];
      void readdir(tmp).then((names) => {
        during = names;
        handle.stream.destroy(c.withError ? consumerError : undefined);
      });
    });
    if (c.withError) assert.equal(error, consumerError);
    assert.ok(bytes >= c.at, `the destroy came after ${c.at} bytes (${bytes})`);
    assert.equal(during?.length, 1, `one directory in tmpDir while exporting, got ${JSON.stringify(during)}`);
    assert.match(during[0]!, /^pstream-[A-Za-z0-9]+$/);
    const reason = await rejection(handle);
    assert.match(reason.message, /closed before the export ended/);
    assert.deepEqual(await leftovers(tmp), [], 'nothing is left in tmpDir');
  });
}

test('a consumer whose write fails (piped into /dev/full): the pipeline error stops the export, tmpDir ends empty', async (t) => {
  const mailbox = await faultMailbox();
  const tmp = await freshDir(t);
  const handle = exportToPst({ sources: [mailbox.path], name: 'mailbox', tmpDir: tmp, maxPartBytes: 4 * MIB });
  await assert.rejects(pipeline(handle.stream, createWriteStream('/dev/full')), /ENOSPC/);
  await rejection(handle);
  assert.deepEqual(await leftovers(tmp), []);
});
