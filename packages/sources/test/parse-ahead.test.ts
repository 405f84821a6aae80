/**
 * `ParseAhead`: outcomes come back in file order whatever order the pool answers in; the pool gets the earliest
 * files, in batches of half its jobs, never more than its job and byte limits (at least one file); a file that
 * settles makes room at once; a damaged outcome is handed back in its place.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Outcome, ParseAhead } from '../src/parse-ahead.js';
import { SpoolDirectory, SpoolGroup } from '../src/spool.js';

interface File {
  readonly n: number;
  readonly size: number;
}

function outcome(n: number): Outcome {
  return { ok: true, parsed: { record: { subject: `m${n}` }, size: n, spool: new SpoolGroup(new SpoolDirectory()) } };
}

/** A pool whose jobs are answered when the test says. */
function fakePool() {
  const waiting: Array<{ file: File; answer: () => void }> = [];
  const started: number[] = [];
  return {
    waiting,
    started,
    there: (file: File) =>
      new Promise<Outcome>((resolve) => {
        started.push(file.n);
        waiting.push({ file, answer: () => resolve(outcome(file.n)) });
      }),
    answerAll() {
      for (const w of waiting.splice(0)) w.answer();
    },
  };
}

test('outcomes come in file order; the pool gets the earliest files in batches of half its jobs', async () => {
  const files: File[] = Array.from({ length: 12 }, (_, n) => ({ n, size: 10 }));
  const pool = fakePool();
  const ahead = new ParseAhead(files, { parse: pool.there, maxJobs: 4, maxBytes: 1000 });
  const order: number[] = [];
  const handedOut: number[][] = [];
  const taking = (async () => {
    for (let next = await ahead.next(); next !== undefined; next = await ahead.next()) {
      assert.ok(next.outcome.ok);
      assert.equal(next.outcome.parsed.record.subject, `m${next.file.n}`);
      order.push(next.file.n);
    }
  })();
  while (order.length < files.length) {
    await new Promise((resolve) => setImmediate(resolve));
    handedOut.push(pool.waiting.map((w) => w.file.n));
    // Answered last first: the order taken is still the files' order.
    for (const w of pool.waiting.splice(0).reverse()) w.answer();
  }
  await taking;
  assert.deepEqual(
    order,
    files.map((f) => f.n),
  );
  assert.deepEqual(pool.started, order, 'every file handed out once, in order');
  assert.deepEqual(handedOut[0], [0, 1, 2, 3], 'the first batch fills the pool');
  assert.ok(
    handedOut.every((batch) => batch.length <= 4),
    `never more than maxJobs out: ${JSON.stringify(handedOut)}`,
  );
});

test('the pool holds no more than maxBytes (at least one file), and a settled file makes room at once', async () => {
  const files: File[] = Array.from({ length: 6 }, (_, n) => ({ n, size: 16 }));
  let held = 0;
  let most = 0;
  const ahead = new ParseAhead(files, {
    // A thread that answers a moment later, on its own.
    parse: (f) => {
      held += f.size;
      most = Math.max(most, held);
      return new Promise<Outcome>((resolve) =>
        setTimeout(() => {
          held -= f.size;
          resolve(outcome(f.n));
        }, 5),
      );
    },
    maxJobs: 16,
    maxBytes: 32,
  });
  const order: number[] = [];
  for (let next = await ahead.next(); next !== undefined; next = await ahead.next()) order.push(next.file.n);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.equal(most, 32, 'the pool held two files at most');

  const big = new ParseAhead([{ n: 0, size: 100 }], {
    parse: (f) => Promise.resolve(outcome(f.n)),
    maxJobs: 4,
    maxBytes: 32,
  });
  assert.equal((await big.next())?.file.n, 0, 'a file larger than maxBytes is still handed out alone');
});

test('a damaged outcome is handed back in its place; unsettled counts what the pool still holds', async () => {
  const files: File[] = [
    { n: 0, size: 1 },
    { n: 1, size: 1 },
    { n: 2, size: 1 },
  ];
  const pool = fakePool();
  const ahead = new ParseAhead(files, {
    parse: (f) => (f.n === 1 ? Promise.resolve({ ok: false, damage: new Error('bad') }) : pool.there(f)),
    maxJobs: 4,
    maxBytes: 100,
  });
  const first = ahead.next();
  assert.equal(ahead.unsettled, 3);
  pool.answerAll();
  assert.equal((await first)?.outcome.ok, true);
  assert.equal((await ahead.next())?.outcome.ok, false);
  assert.equal((await ahead.next())?.outcome.ok, true);
  assert.equal(await ahead.next(), undefined);
  assert.equal(ahead.unsettled, 0);
});
