/**
 * The splitter's byte counts for progress: while a part is being finished (its tables and B-trees written, between
 * turns of the event loop) its bytes still count as the part being written, so that the finished parts plus the
 * part being written never drop back. Sampled at every turn of the event loop while parts roll over and the last
 * one is finished, without an `onPart` to wait in.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EMPTY_PST_BYTES, PstSplitter } from '../../src/split/pst-splitter.js';
import { sizedRecord } from './records.js';

test('the finished parts and the part being written never count fewer bytes than before, a part being finished included', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-split-bytes-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const splitter = new PstSplitter({ limitBytes: EMPTY_PST_BYTES + 400_000, directory: dir });
  const samples: { total: number; partBytes: number; finished: number }[] = [];
  let sampling = true;
  const sample = (): void => {
    const finished = splitter.finished.reduce((n, p) => n + p.bytes, 0);
    samples.push({
      total: finished + splitter.currentPartBytes,
      partBytes: splitter.currentPartBytes,
      finished: splitter.finished.length,
    });
    if (sampling) setImmediate(sample);
  };
  sample();
  for (let i = 0; i < 24; i++) await splitter.add(['Inbox'], sizedRecord(i, { attachmentBytes: 60_000 }));
  const parts = await splitter.finish();
  sampling = false;
  assert.ok(parts.length >= 3, `${parts.length} parts`);
  for (let i = 1; i < samples.length; i++) {
    assert.ok(
      samples[i]!.total >= samples[i - 1]!.total,
      `sample ${i} of ${samples.length}: ${JSON.stringify(samples[i - 1])} → ${JSON.stringify(samples[i])}`,
    );
  }
  assert.ok(
    new Set(samples.map((s) => s.finished)).size >= parts.length,
    'samples were taken while each part was open',
  );
  assert.equal(splitter.currentPartBytes, 0, 'no part open once finished');
});
