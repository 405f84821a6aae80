/**
 * `prefetched`, the one item of read-ahead between the splitter and the packager: the producer is asked for the
 * next item as soon as the consumer takes one, never further; its failure is reported at once, even to a consumer
 * that is not pulling; a consumer that stops lets the step in flight end before the producer is told to stop.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prefetched } from '../../src/pipeline/prefetch.js';

/** A producer of 1, 2, 3, … that logs what happens to it; `release()` lets its current step end. */
function producer(count: number, failAt?: number) {
  const log: string[] = [];
  let release: (() => void) | undefined;
  const gate = (): Promise<void> => new Promise((resolve) => (release = resolve));
  async function* items(): AsyncGenerator<number> {
    try {
      for (let i = 1; i <= count; i++) {
        log.push(`make ${i}`);
        await gate();
        if (i === failAt) throw new Error(`failed at ${i}`);
        log.push(`made ${i}`);
        yield i;
      }
    } finally {
      log.push('stopped');
    }
  }
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return { log, items, release: () => release?.(), turn };
}

test('one item ahead of the consumer, no more', async () => {
  const p = producer(3);
  const errors: unknown[] = [];
  const it = prefetched(p.items(), (e) => errors.push(e));
  const first = it.next();
  await p.turn();
  p.release();
  assert.deepEqual(await first, { value: 1, done: false });
  // The consumer holds 1: the producer makes 2, then waits for the consumer instead of making 3.
  await p.turn();
  p.release();
  await p.turn();
  assert.deepEqual(p.log, ['make 1', 'made 1', 'make 2', 'made 2']);
  assert.deepEqual(await it.next(), { value: 2, done: false });
  await p.turn();
  assert.deepEqual(p.log.at(-1), 'make 3', 'taking 2 asks for 3');
  p.release();
  assert.deepEqual(await it.next(), { value: 3, done: false });
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  assert.deepEqual(errors, []);
});

test('a failure of the producer is reported while the consumer is not pulling', async () => {
  const p = producer(3, 2);
  const errors: unknown[] = [];
  const it = prefetched(p.items(), (e) => errors.push(e));
  const first = it.next();
  await p.turn();
  p.release();
  assert.equal((await first).value, 1);
  await p.turn();
  p.release();
  await p.turn();
  assert.match(String(errors[0]), /failed at 2/, 'reported before the consumer asks for 2');
  await assert.rejects(it.next(), /failed at 2/);
});

test('a consumer that stops: the step in flight ends, then the producer is stopped', async () => {
  const p = producer(5);
  const it = prefetched(p.items(), () => undefined);
  const first = it.next();
  await p.turn();
  p.release();
  assert.equal((await first).value, 1);
  await p.turn();
  let returned = false;
  const stopping = it.return(undefined).then(() => (returned = true));
  await p.turn();
  assert.equal(returned, false, 'the return waits for the step making 2');
  assert.ok(!p.log.includes('stopped'));
  p.release();
  await stopping;
  assert.deepEqual(p.log, ['make 1', 'made 1', 'make 2', 'made 2', 'stopped']);
});
