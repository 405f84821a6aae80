/**
 * `ParseAhead`: outcomes come back in file order whoever parsed them; the pool gets the earliest files, in
 * batches, never more than its job and byte limits; the caller parses the furthest unstarted file while it waits
 * for a thread's, and parses the head itself when nobody has started it.
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

test('outcomes come in file order; the caller parses the furthest unstarted files while a thread holds the head', async () => {
  const files: File[] = Array.from({ length: 12 }, (_, n) => ({ n, size: 10 }));
  const pool = fakePool();
  const here: number[] = [];
  const ahead = new ParseAhead(files, {
    here: async (f) => {
      here.push(f.n);
      // The thread answers while the caller parses its second file.
      if (here.length === 2) pool.answerAll();
      return outcome(f.n);
    },
    there: pool.there,
    poolJobs: 4,
    poolBytes: 1000,
    aheadFiles: 8,
    aheadBytes: 1000,
  });
  const order: number[] = [];
  for (let next = await ahead.next(); next !== undefined; next = await ahead.next()) {
    assert.ok(next.outcome.ok);
    assert.equal(next.outcome.parsed.record.subject, `m${next.file.n}`);
    order.push(next.file.n);
    pool.answerAll();
  }
  assert.deepEqual(
    order,
    files.map((f) => f.n),
  );
  // The pool got the first four files at once (one batch); the caller took the window's last ones meanwhile.
  assert.deepEqual(pool.started.slice(0, 4), [0, 1, 2, 3]);
  assert.deepEqual(here.slice(0, 2), [7, 6]);
  assert.deepEqual(
    [...pool.started, ...here].sort((a, b) => a - b),
    files.map((f) => f.n),
    'every file parsed once',
  );
});

test('the pool holds no more bytes than poolBytes (at least one file), so large files are left for the caller too', async () => {
  const files: File[] = Array.from({ length: 6 }, (_, n) => ({ n, size: 16 }));
  const here: number[] = [];
  let held = 0;
  let most = 0;
  const ahead = new ParseAhead(files, {
    here: async (f) => {
      here.push(f.n);
      return outcome(f.n);
    },
    // A thread that answers a moment later, on its own.
    there: (f) => {
      held += f.size;
      most = Math.max(most, held);
      return new Promise<Outcome>((resolve) =>
        setTimeout(() => {
          held -= f.size;
          resolve(outcome(f.n));
        }, 5),
      );
    },
    poolJobs: 16,
    poolBytes: 32,
    aheadFiles: 32,
    aheadBytes: 64,
  });
  const order: number[] = [];
  for (let next = await ahead.next(); next !== undefined; next = await ahead.next()) order.push(next.file.n);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.equal(most, 32, 'the pool held two files at most');
  assert.ok(here.length >= 2, `the caller parsed ${here.length} files`);
});

test('without a thread to wait for, the caller parses the head itself; a damaged outcome is handed back in its place', async () => {
  const files: File[] = [
    { n: 0, size: 1 },
    { n: 1, size: 1 },
  ];
  const ahead = new ParseAhead(files, {
    here: async (f) => (f.n === 1 ? { ok: false, damage: new Error('bad') } : outcome(f.n)),
    there: () => Promise.reject(new Error('no pool')),
    poolJobs: 0,
    poolBytes: 0,
    aheadFiles: 4,
    aheadBytes: 100,
  });
  const first = await ahead.next();
  assert.equal(first?.outcome.ok, true);
  const second = await ahead.next();
  assert.equal(second?.outcome.ok, false);
  assert.equal(await ahead.next(), undefined);
});
