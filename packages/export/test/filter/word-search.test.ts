/**
 * The direct word search (`WordSearch`, `FieldText`, the ASCII shortcut of `foldText`) against a reference
 * matcher that works the way the filter did before it: fold every value the full way (NFKC, upper case, lower
 * case, final sigma), split it into words with `splitWords`, and compare word by word. Texts mix ASCII,
 * accented and decomposed Latin, Greek, CJK (with surrogate pairs), Thai with its marks, Hangul, punctuation,
 * compatibility forms and HTML; terms are drawn from the same texts so that most of them are found somewhere.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageRecord, Recipient } from '@pstream/pst';
import fc from 'fast-check';
import { foldText } from '../../src/filter/fold.js';
import { htmlToText } from '../../src/filter/html-text.js';
import { compileQuery } from '../../src/filter/keyword-query.js';
import type { QueryNode, TermNode } from '../../src/filter/query-ast.js';
import { FieldText } from '../../src/filter/record-text.js';
import { WordSearch } from '../../src/filter/word-search.js';
import { splitWords } from '../../src/filter/words.js';
import { runs, SEED } from '../fuzz/runs.js';

/** Folding as it was before the ASCII shortcut. */
function referenceFold(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .replace(/\u03C2/g, '\u03C3');
}

/** Whether one of `values` holds `words` as consecutive words, the last one as a prefix with `prefix`. */
function referenceContains(
  values: readonly (string | undefined)[],
  words: readonly string[],
  prefix: boolean,
): boolean {
  const k = words.length;
  for (const v of values) {
    if (!v) continue;
    const ws = splitWords(referenceFold(v));
    for (let i = 0; i + k <= ws.length; i++) {
      let ok = true;
      for (let j = 0; j < k && ok; j++) {
        const w = ws[i + j] as string;
        const t = words[j] as string;
        ok = j === k - 1 && prefix ? w.startsWith(t) : w === t;
      }
      if (ok) return true;
    }
  }
  return false;
}

// Characters chosen for their word-splitting class: ASCII letters and digits, precomposed and combining
// accents, letters whose case folding changes length or depends on context, segmented letters (Han, Kana with
// the prolonged sound mark, Thai) and segmented marks, Hangul, compatibility forms, separators and HTML syntax.
const LATIN = ['a', 'b', 's', 't', 'A', 'S', 'T', '1', '2', 'é', 'É', 'e', 'ß', 'ﬁ', 'Ａ', 'ｓ', 'İ', 'ǅ', 'ŉ', '²'];
const MARKS = ['\u0301', '\u0300', '\u0327'];
const GREEK = ['σ', 'ς', 'Σ', 'ο', 'Ο'];
const SEGMENTED = ['東', '京', '都', 'タ', 'ー', 'ก', 'ข', '\u{20000}', '\u0E31', '\u0E48', '\u0E4C'];
const OTHER = ['한', '국', '😀', '\u00A0', '\u3000', '、', '·', '_', "'", '\u200B', '\u00AD'];
const SEPARATORS = [' ', ' ', '-', '.', ',', '@', '\n', ''];
const HTML = ['<', '>', '&', ';', '#', '/'];

const char = (chars: readonly string[]): fc.Arbitrary<string> => fc.constantFrom(...chars);
const runOf = (chars: readonly string[], maxLength = 6): fc.Arbitrary<string> =>
  fc.string({ unit: char(chars), minLength: 1, maxLength });

/** A word-like run of one kind of script, or a soup of everything. */
const piece: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: runOf(['a', 'b', 's', 't', 'u', 'p', 'o', 'r', '1']) },
  { weight: 2, arbitrary: runOf([...LATIN, ...MARKS]) },
  { weight: 1, arbitrary: runOf(GREEK) },
  { weight: 2, arbitrary: runOf(SEGMENTED) },
  { weight: 2, arbitrary: runOf([...LATIN, ...MARKS, ...GREEK, ...SEGMENTED, ...OTHER, ...SEPARATORS], 10) },
);

/** A text: pieces joined by separators. */
const text: fc.Arbitrary<string> = fc
  .array(fc.tuple(piece, char(SEPARATORS)), { maxLength: 10 })
  .map((parts) => parts.map(([p, s]) => p + s).join(''));

/** An HTML body: text, inline and block tags, character references, a skipped element. */
const html: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: text },
      {
        weight: 1,
        arbitrary: char([
          '<b>',
          '</b>',
          '<p>',
          '</p>',
          '<br>',
          '<td>',
          '<span class="support">',
          '</span>',
          '<!-- support -->',
        ]),
      },
      { weight: 1, arbitrary: char(['&amp;', '&#233;', '&eacute;', '&#x6771;', '&lt;', '&nbsp;', '&#769;']) },
      {
        weight: 1,
        arbitrary: char(['<script>support()</script>', '<a href="https://example.com/support">', '</a>', ...HTML]),
      },
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** Candidate terms from a text: its words, their prefixes, and pieces cut at arbitrary places. */
function termsFrom(source: string, cut: number, length: number): string[][] {
  const words = splitWords(referenceFold(source));
  const out: string[][] = words.map((w) => [w]);
  for (const w of words) {
    const points = [...w];
    if (points.length > 1) out.push([points.slice(0, Math.max(1, Math.min(points.length - 1, length))).join('')]);
  }
  const start = source.length === 0 ? 0 : cut % source.length;
  const sliced = splitWords(referenceFold(source.slice(start, start + length)));
  if (sliced.length > 0) out.push(sliced, [sliced[0] as string]);
  return out.filter((ws) => ws.length > 0 && ws.every((w) => w !== ''));
}

test('foldText takes the ASCII shortcut without changing its result', () => {
  fc.assert(
    fc.property(fc.oneof(text, fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (s) => {
      assert.equal(foldText(s), referenceFold(s));
    }),
    { numRuns: runs(50_000), seed: SEED },
  );
});

test('foldText folds every BMP character alone, and next to a sigma, as the full string functions do', () => {
  for (let u = 0; u <= 0xffff; u++) {
    const c = String.fromCharCode(u);
    for (const s of [c, `a${c}`, `Σ${c}`, `${c}Σ`, `ΑΣ${c}Σ`]) {
      if (foldText(s) !== referenceFold(s)) assert.fail(`U+${u.toString(16).padStart(4, '0')} in ${JSON.stringify(s)}`);
    }
  }
});

test('WordSearch finds exactly the words (and word prefixes) that splitting the text finds', () => {
  fc.assert(
    fc.property(
      text,
      text,
      fc.nat(),
      fc.integer({ min: 1, max: 8 }),
      fc.boolean(),
      (haystack, other, cut, length, prefix) => {
        const folded = foldText(haystack);
        for (const words of [...termsFrom(haystack, cut, length), ...termsFrom(other, cut, length)]) {
          const word = words[0] as string;
          const want = referenceContains([haystack], [word], prefix);
          assert.equal(
            new WordSearch(word, prefix).foundIn(folded),
            want,
            `${JSON.stringify(word)}${prefix ? '*' : ''} in ${JSON.stringify(haystack)}`,
          );
        }
      },
    ),
    { numRuns: runs(50_000), seed: SEED },
  );
});

test('FieldText answers like the reference for words and phrases, before and after it builds its word index', () => {
  fc.assert(
    fc.property(
      fc.array(text, { maxLength: 4 }),
      text,
      fc.nat(),
      fc.integer({ min: 1, max: 12 }),
      fc.boolean(),
      (values, other, cut, length, prefix) => {
        const field = new FieldText(values);
        const source = values.join(' ');
        // More terms than the field searches directly, so that the later ones go through the index.
        for (const words of [...termsFrom(source, cut, length), ...termsFrom(other, cut, length)]) {
          const want = referenceContains(values, words, prefix);
          assert.equal(
            field.contains(words, prefix),
            want,
            `${JSON.stringify(words)}${prefix ? '*' : ''} in ${JSON.stringify(values)}`,
          );
        }
      },
    ),
    { numRuns: runs(20_000), seed: SEED },
  );
});

test('a deferred value is produced only when the other values do not answer, and then searched', () => {
  let produced = 0;
  const field = new FieldText(['Support desk'], () => {
    produced++;
    return 'Hauptstraße';
  });
  assert.equal(field.contains(['support'], true), true);
  assert.equal(produced, 0);
  assert.equal(field.contains(['strasse'], false), false);
  assert.equal(produced, 1);
  assert.equal(field.contains(['hauptstrasse'], false), true);
  assert.equal(field.contains(['desk', 'haupt'], true), false); // separate values: no phrase across them
  assert.equal(produced, 1);
});

test("words after a combining mark: the mark may end a run, a segmented letter's word, or start a word", () => {
  // "東" + acute: the mark belongs to the segmented letter's word, so "a" starts a word of its own.
  const cases: Array<[string, string, boolean, boolean]> = [
    ['東\u0301abc', 'abc', false, true],
    ['x\u0301abc', 'abc', true, false], // the mark continues the run "x́abc"
    [' \u0301abc', 'abc', true, false], // a mark after a separator starts the run " ́abc"
    [' \u0301abc', '\u0301abc', false, true],
    ['ก\u0E31abc', 'abc', false, true], // Thai letter + Thai mark, then a Latin word
    ['a\u0E31\u0301b', '\u0301b', false, true], // a Thai mark after Latin separates; the acute starts a run
    ['ก\u0E31\u0301b', '\u0301b', true, false], // after a Thai letter, both marks join its word
    ['ก\u0E31\u0301b', 'b', false, true],
  ];
  for (const [haystack, word, prefix, want] of cases) {
    assert.equal(
      referenceContains([haystack], [word], prefix),
      want,
      `reference: ${JSON.stringify(word)} in ${JSON.stringify(haystack)}`,
    );
    assert.equal(
      new WordSearch(word, prefix).foundIn(foldText(haystack)),
      want,
      `${JSON.stringify(word)} in ${JSON.stringify(haystack)}`,
    );
  }
});

test('WordSearch stays linear on text built to defeat it', () => {
  // Long runs with an occurrence at every position, and combining marks that force the split. The search
  // counts its work; a search that rescanned the neighbourhood of every occurrence would need about n·k steps.
  const n = 1_000_000;
  const hostile: Array<[string, string, boolean, boolean]> = [
    ['a'.repeat(n), 'a'.repeat(1000), false, false],
    [`${'a'.repeat(n)} ${'a'.repeat(1000)}`, 'a'.repeat(1000), false, true],
    ['\u0301'.repeat(n), `${'\u0301'.repeat(500)}b`, true, false],
    ['東\u0301'.repeat(n / 2), '\u0301'.repeat(2), true, false],
    [`a${'\u0301a'.repeat(n / 2)}`, 'a', false, false],
    [`${'\u0301a'.repeat(n / 2)}`, 'a\u0301a', false, false],
    // Every occurrence after a mark, and no ASCII separator to split from (short: a search that split from the
    // start each time would take about 10^8 steps here, and 10^11 at the full length).
    [`${'東\u0301ab'.repeat(10_000)}`, 'a', false, false],
  ];
  for (const [haystack, word, prefix, want] of hostile) {
    const search = new WordSearch(word, prefix);
    const what = `${JSON.stringify(word.slice(0, 8))} in ${JSON.stringify(haystack.slice(0, 8))}…`;
    assert.equal(search.foundIn(haystack), want, what);
    assert.ok(search.steps <= 3 * haystack.length + 2 * word.length, `${what}: ${search.steps} steps`);
  }
});

// Whole queries against whole records: the compiled query against a reference evaluation of its own tree.

const address = fc.record({
  name: text,
  address: fc.constantFrom('alice@example.com', 'support@fabrikam.example', 'Bøb@例え.jp', ''),
});
const recipient: fc.Arbitrary<Recipient> = fc
  .tuple(fc.constantFrom('to', 'cc', 'bcc'), address)
  .map(([kind, a]) => ({ kind: kind as Recipient['kind'], name: a.name, address: a.address }));
const record: fc.Arbitrary<MessageRecord> = fc
  .record({
    subject: text,
    from: address,
    recipients: fc.array(recipient, { maxLength: 3 }),
    body: fc.option(text, { nil: undefined }),
    html: fc.option(html, { nil: undefined }),
    names: fc.array(text, { maxLength: 2 }),
  })
  .map(({ names, body, html: h, ...r }) => ({
    ...r,
    ...(body === undefined ? {} : { body }),
    ...(h === undefined ? {} : { html: h }),
    attachments: names.map((name) => ({ kind: 'file' as const, name, size: 0, open: async function* () {} })),
  }));

function referenceFieldValues(r: MessageRecord, field: string): (string | undefined)[] {
  const of = (kind: string) => (r.recipients ?? []).filter((x) => x.kind === kind).flatMap((x) => [x.name, x.address]);
  switch (field) {
    case 'subject':
      return [r.subject];
    case 'from':
      return [r.from?.name, r.from?.address, r.sender?.name, r.sender?.address];
    case 'to':
    case 'cc':
    case 'bcc':
      return of(field);
    case 'body':
      return [r.body, r.html === undefined ? undefined : htmlToText(r.html)];
    case 'attachment':
      return (r.attachments ?? []).map((a) => a.name);
    case 'participants':
      return [...referenceFieldValues(r, 'from'), ...of('to'), ...of('cc'), ...of('bcc')];
    default:
      throw new Error(`unexpected field ${field}`);
  }
}

function referenceTerm(r: MessageRecord, term: TermNode): boolean {
  const fields = term.field === undefined ? ['subject', 'from', 'to', 'cc', 'bcc', 'body', 'attachment'] : [term.field];
  return fields.some((f) => referenceContains(referenceFieldValues(r, f), term.words, term.prefix));
}

function referenceEvaluate(node: QueryNode, r: MessageRecord): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((i) => referenceEvaluate(i, r));
    case 'or':
      return node.items.some((i) => referenceEvaluate(i, r));
    case 'not':
      return !referenceEvaluate(node.item, r);
    case 'term':
      return referenceTerm(r, node);
    case 'all':
      return true;
    default:
      throw new Error(`unexpected node ${node.kind}`);
  }
}

/** Quotes a term for the query language: a word, a prefix, an exact word or phrase. */
function queryTerm(words: readonly string[], style: number, field: string | undefined): string {
  const joined = words.join(' ');
  const inner = style % 3 === 0 && words.length === 1 ? joined : `"${joined}"${style % 3 === 2 ? '*' : ''}`;
  return field === undefined ? inner : `${field}:${inner}`;
}

test('compiled queries select exactly what the reference selects, HTML bodies and fields included', async () => {
  const FIELDS = [undefined, undefined, undefined, 'subject', 'from', 'to', 'body', 'attachment', 'participants'];
  await fc.assert(
    fc.asyncProperty(
      record,
      text,
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.integer({ min: 1, max: 10 }),
          fc.nat(),
          fc.nat(),
          fc.constantFrom(' ', ' OR ', ' NOT ', ' AND NOT '),
        ),
        { minLength: 1, maxLength: 7 },
      ),
      async (r, other, picks) => {
        const source = [
          r.subject,
          r.from?.name,
          r.body,
          r.html === undefined ? '' : htmlToText(r.html),
          ...(r.recipients ?? []).map((x) => x.name),
        ].join(' ');
        const parts: string[] = [];
        for (const [cut, length, style, fieldPick, joiner] of picks) {
          const candidates = [...termsFrom(source, cut, length), ...termsFrom(other, cut, length)];
          if (candidates.length === 0) continue;
          const words = candidates[style % candidates.length] as string[];
          if (words.some((w) => /["*()]/.test(w))) continue;
          parts.push(queryTerm(words, style, FIELDS[fieldPick % FIELDS.length]), joiner);
        }
        parts.pop();
        if (parts.length === 0) return;
        const query = parts.join('');
        const compiled = compileQuery(query);
        assert.equal(
          await compiled.matches(r),
          referenceEvaluate(compiled.tree, r),
          `${query} on ${JSON.stringify(r)}`,
        );
      },
    ),
    { numRuns: runs(10_000), seed: SEED },
  );
});
