/**
 * The sources of an export are read one after another, and the next one is asked to `prepare()` (an `.eml` tree
 * lists its files) while the current one's messages are read, never two ahead; a source that cannot be opened
 * fails the export when its turn comes, after the sources before it were read; the messages are those of each
 * source in order, as without the overlap.
 */

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportToPstFile } from '../../src/index.js';
import { sizedRecord } from '../split/records.js';
import { MemorySource } from './memory-source.js';

async function freshTmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-sources-ahead-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A memory source that records when it was asked to prepare, relative to the other sources' messages. */
class PreparedSource extends MemorySource {
  preparedAt: string | undefined;
  constructor(
    readonly label: string,
    count: number,
    log: string[],
  ) {
    super(
      Array.from({ length: count }, (_, i) => ({ folder: ['Inbox'], record: sizedRecord(i) })),
      (i) => void log.push(`${label}${i}`),
    );
    this.log = log;
  }
  private readonly log: string[];
  prepare(): void {
    this.preparedAt ??= this.log.filter((l) => !l.startsWith('prepare')).join(' ');
    this.log.push(`prepare ${this.label}`);
  }
}

test('the next source prepares while the current one is read, one ahead; the messages keep their order', async (t) => {
  const tmp = await freshTmp(t);
  const log: string[] = [];
  const sources = ['a', 'b', 'c'].map((label) => new PreparedSource(label, 3, log));
  const summary = await exportToPstFile({ sources, name: 'x', tmpDir: tmp }, join(tmp, 'out.pst'));
  assert.equal(summary.matched, 9);
  assert.deepEqual(
    log.filter((l) => !l.startsWith('prepare')),
    ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0', 'c1', 'c2'],
  );
  const [a, b, c] = sources as [PreparedSource, PreparedSource, PreparedSource];
  assert.equal(a.preparedAt, undefined, 'the first source is read at once, not prepared ahead');
  assert.equal(b.preparedAt, '', 'b prepares before the first message of a');
  assert.equal(c.preparedAt, 'a0 a1 a2', 'c prepares once b is being read, not before');
});

test('a source that cannot be opened fails the export at its turn, after the sources before it were read', async (t) => {
  const tmp = await freshTmp(t);
  const tree = join(tmp, 'tree');
  await mkdir(tree);
  await writeFile(join(tree, '1.eml'), 'Subject: one\r\n\r\nbody\r\n');
  const log: string[] = [];
  const first = new PreparedSource('a', 2, log);
  await assert.rejects(
    exportToPstFile(
      { sources: [first, tree, join(tmp, 'no-such-source')], name: 'x', tmpDir: tmp },
      join(tmp, 'out.pst'),
    ),
    /no-such-source/,
  );
  assert.deepEqual(log, ['a0', 'a1']);
  assert.equal(first.yielded, 2);
});
