/**
 * A source that fails: its iterator throws at message k (before anything is written, inside the first part, after
 * ZIP bytes went out), throws something that is not an Error, or hangs. Each time the stream errors with the
 * source's failure, the summary rejects with it once the run has wound down, and tmpDir is empty.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FolderSpec } from '@pstream/pst';
import type { MessageSource, SourceMessage } from '@pstream/sources';
import { EMPTY_PST_BYTES, exportToPst } from '../../src/index.js';
import { leftovers } from '../pipeline/output-check.js';
import { sizedRecord } from '../split/records.js';
import { drain, freshDir, rejection } from './support.js';

const PART_LIMIT = EMPTY_PST_BYTES + 600_000;
const ATTACHMENT = 50_000;

/** A source of `count` messages whose iterator fails when message `k` is asked for. */
class FailingSource implements MessageSource {
  readonly kind = 'eml' as const;
  readonly path = 'failing:';
  readonly name = 'failing';
  yielded = 0;
  disposed = 0;
  returned = false;

  constructor(
    private readonly count: number,
    private readonly k: number,
    private readonly failure: () => unknown,
  ) {}

  async *folders(): AsyncIterable<FolderSpec> {}

  /** A hand-written iterator (not a generator), so that `next()` itself rejects, as a real reader's would. */
  messages(): AsyncIterable<SourceMessage> {
    let index = 0;
    const iterator: AsyncIterator<SourceMessage> = {
      next: async () => {
        if (index === this.k) throw this.failure();
        if (index >= this.count) return { done: true, value: undefined };
        const i = index++;
        this.yielded++;
        return {
          done: false,
          value: {
            folder: ['Inbox'],
            record: sizedRecord(i, { attachmentBytes: ATTACHMENT }),
            origin: `failing#${i}`,
            dispose: async () => void this.disposed++,
          },
        };
      },
      return: async () => {
        this.returned = true;
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  async close(): Promise<void> {}
}

const cases = [
  { k: 0, what: 'before the first message' },
  { k: 4, what: 'inside the first part' },
  { k: 40, what: 'after several parts went out as a ZIP' },
];

for (const { k, what } of cases) {
  test(`a source throwing at message ${k} (${what}): the stream errors with its error, no temporary file`, async (t) => {
    const tmp = await freshDir(t);
    const failure = new Error(`reader lost the disk at message ${k}`);
    const source = new FailingSource(60, k, () => failure);
    const handle = exportToPst({ sources: [source], name: 'x', tmpDir: tmp, maxPartBytes: PART_LIMIT });
    const head = await handle.head.then(
      (h) => h.format,
      (e: unknown) => e,
    );
    const { bytes, error } = await drain(handle.stream);
    assert.equal(error, failure, 'the stream is destroyed with the source error itself');
    assert.equal(await rejection(handle), failure, 'the summary rejects with it');
    assert.deepEqual(await leftovers(tmp), [], 'tmpDir is empty');
    assert.equal(source.disposed, source.yielded, 'every message handed out was disposed');
    if (k === 40) {
      assert.equal(head, 'zip', 'the ZIP had started');
      assert.ok(bytes > 0, 'bytes had gone out before the failure');
    } else {
      // One part at most, not finished: no byte of a PST is ever presented.
      assert.equal(head, failure, 'head rejects: nothing was presented');
      assert.equal(bytes, 0);
    }
  });
}

test('a source throwing a non-Error value: the stream and the summary carry an Error naming it', async (t) => {
  const tmp = await freshDir(t);
  const source = new FailingSource(20, 7, () => 'plain string failure');
  const handle = exportToPst({ sources: [source], name: 'x', tmpDir: tmp, maxPartBytes: PART_LIMIT });
  handle.head.catch(() => undefined);
  const { error } = await drain(handle.stream);
  assert.ok(error instanceof Error, 'an Error, not a bare string');
  assert.match(error.message, /plain string failure/);
  assert.match((await rejection(handle)).message, /plain string failure/);
  assert.deepEqual(await leftovers(tmp), []);
});

test('a message whose dispose() fails: the export fails with that error, no temporary file', async (t) => {
  const tmp = await freshDir(t);
  const failure = new Error('cannot release the spooled attachment');
  const source: MessageSource = {
    kind: 'eml',
    path: 'dispose:',
    name: 'dispose',
    folders: async function* () {},
    messages: async function* () {
      for (let i = 0; i < 10; i++) {
        yield {
          folder: ['Inbox'],
          record: sizedRecord(i),
          origin: `dispose#${i}`,
          dispose: async () => {
            if (i === 5) throw failure;
          },
        };
      }
    },
    close: async () => undefined,
  };
  const handle = exportToPst({ sources: [source], name: 'x', tmpDir: tmp });
  handle.head.catch(() => undefined);
  const { error } = await drain(handle.stream);
  assert.equal(error, failure);
  assert.equal(await rejection(handle), failure);
  assert.deepEqual(await leftovers(tmp), []);
});

for (const how of ['signal', 'consumer'] as const) {
  test(`the export is stopped (${how === 'signal' ? 'abort signal' : 'consumer destroys the stream'}) while the source is stuck in a read: the summary settles, tmpDir is empty`, async (t) => {
    const tmp = await freshDir(t);
    let release: () => void = () => undefined;
    let returned = false;
    let asked = 0;
    // Yields 3 messages, then its next() waits until released (a reader blocked on a dead network mount).
    const source: MessageSource = {
      kind: 'eml',
      path: 'stuck:',
      name: 'stuck',
      folders: async function* () {},
      messages: () => ({
        [Symbol.asyncIterator]: (): AsyncIterator<SourceMessage> => ({
          next: async () => {
            asked++;
            if (asked > 3) await new Promise<void>((r) => (release = r));
            return {
              done: false,
              value: {
                folder: ['Inbox'],
                record: sizedRecord(asked, { attachmentBytes: ATTACHMENT }),
                origin: `stuck#${asked}`,
              },
            };
          },
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        }),
      }),
      close: async () => undefined,
    };
    const controller = new AbortController();
    const handle = exportToPst({ sources: [source], name: 'x', tmpDir: tmp, signal: controller.signal });
    handle.head.catch(() => undefined);
    handle.stream.on('error', () => undefined);
    while (asked <= 3) await new Promise((r) => setImmediate(r));
    const reason = new Error('the user gave up');
    if (how === 'signal') controller.abort(reason);
    else handle.stream.destroy();
    // The source never answers again until released; the summary must not wait for it.
    const settled = await Promise.race([
      rejection(handle),
      new Promise<string>((r) => setTimeout(() => r('still pending after 5 s'), 5000)),
    ]);
    release();
    assert.ok(settled instanceof Error, `the summary rejects while the source is still stuck (${String(settled)})`);
    if (how === 'signal') assert.equal(settled, reason);
    else assert.match(settled.message, /closed before the export ended/);
    assert.deepEqual(await leftovers(tmp), [], 'tmpDir is empty');
    assert.ok(returned, 'the source iterator was told to stop (return())');
  });
}
