import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileQuery } from '../../src/filter/keyword-query.js';
import { findSequence, WordIndex } from '../../src/filter/word-index.js';
import { splitWords } from '../../src/filter/words.js';

// The linear bound is checked by structure, not by the clock: the phrase search counts its comparisons,
// and the worst inputs for naive or backtracking matchers must stay within 2·(n + k) of them.

test('phrase search makes at most 2(n + k) comparisons on the worst case for naive matching', () => {
  const n = 500_000;
  const k = 1_000;
  const text = new Int32Array(n); // "a a a … a"
  const pattern = new Int32Array(k); // "a a … a b"
  pattern[k - 1] = 1;
  const r = findSequence(text, pattern);
  assert.equal(r.found, false);
  assert.ok(r.comparisons <= 2 * (n + k), `${r.comparisons} comparisons`);
  // A naive matcher would need about n·k = 5·10^8 here.
  assert.ok(r.comparisons < (n * k) / 100);

  // And it does find occurrences, including overlapping ones at the very end.
  const withB = Int32Array.from([...new Int32Array(k * 3), 1]);
  const found = findSequence(withB, pattern);
  assert.equal(found.found, true);
  assert.ok(found.comparisons <= 2 * (withB.length + k));
});

test('the accept callback sees every occurrence until one is accepted', () => {
  const text = Int32Array.from([0, 1, 0, 1, 0, 1, 2]);
  const pattern = Int32Array.from([0, 1]);
  const ends: number[] = [];
  const r = findSequence(text, pattern, (end) => {
    ends.push(end);
    return text[end] === 2;
  });
  assert.equal(r.found, true);
  assert.deepEqual(ends, [2, 4, 6]);
});

test('a 1 MB body with pathological queries completes with the right answers', async () => {
  const body = 'a '.repeat(512 * 1024); // 1 MiB, 524288 words "a"
  const record = { subject: 'x', body, html: `<p>${'<b>a</b> '.repeat(100_000)}</p>` };
  const longPhrase = `"${'a '.repeat(2000)}b"`;
  const queries: Array<[string, boolean]> = [
    [longPhrase, false],
    [`"${'a '.repeat(2000)}a"`, true],
    [`${'a '.repeat(2000)}b*`, false], // one unquoted term of 2001 words, as written with spaces → 2001 terms
    [Array.from({ length: 3000 }, (_, i) => `w${i}*`).join(' OR '), false],
    [Array.from({ length: 3000 }, () => `NOT b`).join(' '), true],
    [`${'('.repeat(60)}a${')'.repeat(60)}`, true],
    [`"${'a-'.repeat(5000)}b"`, false],
  ];
  for (const [q, want] of queries) {
    assert.equal(await compileQuery(q).matches(record), want, q.slice(0, 40));
  }
  // The index of that body has 524288 positions and one vocabulary word.
  const index = new WordIndex([splitWords(body)]);
  assert.equal(index.length, 512 * 1024);
  assert.equal(index.contains(['a', 'a', 'b'], false), false);
  assert.equal(index.contains(['a', 'a', 'a'], true), true);
});
