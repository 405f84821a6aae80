/**
 * `compileQuery` under fast-check. Properties: any text compiles or throws a `QueryError` (never anything else)
 * whose position lies inside the query and whose message shows it; the parsed tree is bounded by the query's
 * structure (nodes at most proportional to its length, depth bounded by the nesting limit); `matches` never throws
 * on a record; and queries generated from a known structure compile and select exactly what a reference
 * evaluator selects.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageRecord } from '@pstream/pst';
import fc from 'fast-check';
import { QueryError } from '../../src/errors.js';
import { compileQuery } from '../../src/filter/keyword-query.js';
import type { QueryNode } from '../../src/filter/query-ast.js';
import { MAX_NESTING } from '../../src/filter/query-parser.js';
import { runs, SEED } from './runs.js';

/** Nodes and depth of a parsed tree. */
function measure(node: QueryNode): { nodes: number; depth: number; words: number } {
  switch (node.kind) {
    case 'and':
    case 'or': {
      let nodes = 1;
      let depth = 0;
      let words = 0;
      for (const item of node.items) {
        const m = measure(item);
        nodes += m.nodes;
        depth = Math.max(depth, m.depth);
        words += m.words;
      }
      return { nodes, depth: depth + 1, words };
    }
    case 'not': {
      const m = measure(node.item);
      return { nodes: m.nodes + 1, depth: m.depth + 1, words: m.words };
    }
    case 'term':
      return { nodes: 1, depth: 1, words: node.words.length };
    default:
      return { nodes: 1, depth: 1, words: 0 };
  }
}

const RECORD: MessageRecord = {
  subject: 'Support ticket 42: straße, 東京都庁, e-mail',
  from: { name: 'Alice', address: 'alice@example.com' },
  recipients: [{ kind: 'to', name: 'Bob', address: 'bob@example.com' }],
  body: 'The body\r\nwith "quotes" and (parentheses) and NOT an operator',
  html: '<p>visible <b>text</b><script>hidden()</script></p>',
  receivedAt: new Date(Date.UTC(2024, 0, 15, 12)),
  sentAt: new Date(Date.UTC(2024, 0, 15, 11)),
  attachments: [{ kind: 'file', name: 'report.pdf', size: 0, open: async function* () {} }],
};

/** Checks one query against the contract; returns whether it compiled. */
function check(query: string): ReturnType<typeof compileQuery> | undefined {
  try {
    const compiled = compileQuery(query);
    const m = measure(compiled.tree);
    // Structure bounds the work: NFKC can expand one code unit to at most 18, so words ≤ 18 per unit.
    assert.ok(m.nodes <= query.length + 1, `${m.nodes} nodes for ${query.length} characters`);
    assert.ok(m.depth <= 2 * MAX_NESTING + 3, `depth ${m.depth}`);
    assert.ok(m.words <= 18 * query.length, `${m.words} words`);
    return compiled;
  } catch (error) {
    if (!(error instanceof QueryError)) throw new Error(`not a QueryError: ${String(error)}`, { cause: error });
    assert.ok(
      Number.isInteger(error.position) && error.position >= 0 && error.position <= query.length,
      `position ${error.position} of ${query.length}`,
    );
    assert.ok(error.reason.length > 0);
    assert.ok(error.message.startsWith(`${error.reason} at position ${error.position}\n`), error.message);
    assert.ok(error.message.length <= error.reason.length + 200, `message of ${error.message.length}`);
    return undefined;
  }
}

/** Characters that exercise every branch of the tokenizer. */
const QUERY_CHARS = [
  ...'()"“”*:=<>.- \t\nabcxyzABORNDTß東京0123456789@',
  'AND',
  'OR',
  'NOT',
  'subject:',
  'from:',
  'received>=',
  'sent:',
  'hasattachments:',
  '2024-01-15',
  '..',
  '\uD800',
  '\uDC00',
  'ﷺ',
];

test('arbitrary text: a compiled query bounded by its structure, or a QueryError pointing inside the query', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.array(fc.constantFrom(...QUERY_CHARS), { maxLength: 60 }).map((parts) => parts.join('')),
    fc.array(fc.constantFrom(...QUERY_CHARS), { maxLength: 60 }).map((parts) => parts.join(' ')),
  );
  fc.assert(
    fc.property(text, (q) => void check(q)),
    { numRuns: runs(150_000), seed: SEED },
  );
});

test('arbitrary compiled queries never throw from matches()', async () => {
  const text = fc
    .array(
      fc.constantFrom(...QUERY_CHARS, 'support', 'tick', '"ticket 42"', 'straße', 'strasse', 'body:visible', 'hidden'),
      { maxLength: 30 },
    )
    .map((p) => p.join(' '));
  await fc.assert(
    fc.asyncProperty(text, async (q) => {
      const compiled = check(q);
      if (compiled !== undefined) assert.equal(typeof (await compiled.matches(RECORD)), 'boolean');
    }),
    { numRuns: runs(30_000), seed: SEED },
  );
});

// ----------------------------------------------------------------------------------------- known structure

const VOCABULARY = ['alpha', 'beta', 'gamma', 'delta', 'alp', 'be', 'gam'];

type Shape =
  | { readonly t: 'word'; readonly w: string }
  | { readonly t: 'exact'; readonly w: string }
  | { readonly t: 'and' | 'or'; readonly items: readonly Shape[] }
  | { readonly t: 'not'; readonly item: Shape };

const shapes = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...VOCABULARY).map((w): Shape => ({ t: 'word', w })),
    fc.constantFrom(...VOCABULARY).map((w): Shape => ({ t: 'exact', w })),
    fc.record({
      t: fc.constantFrom('and' as const, 'or' as const),
      items: fc.array(tie('shape'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ t: fc.constant('not' as const), item: tie('shape') }),
  ),
})).shape;

/** The query text of a shape; compound operands are parenthesised. */
function print(s: Shape, spell: (i: number) => boolean): string {
  const operand = (x: Shape): string => (x.t === 'and' || x.t === 'or' ? `(${print(x, spell)})` : print(x, spell));
  switch (s.t) {
    case 'word':
      return s.w;
    case 'exact':
      return `"${s.w}"`;
    case 'not':
      return `NOT ${operand(s.item)}`;
    case 'and':
      return s.items.map(operand).join(spell(s.items.length) ? ' AND ' : ' ');
    case 'or':
      return s.items.map(operand).join(' OR ');
  }
}

/** The reference meaning: a bare word matches a word that starts with it, a quoted word only itself. */
function evaluate(s: Shape, words: readonly string[]): boolean {
  switch (s.t) {
    case 'word':
      return words.some((w) => w.startsWith(s.w));
    case 'exact':
      return words.includes(s.w);
    case 'not':
      return !evaluate(s.item, words);
    case 'and':
      return s.items.every((x) => evaluate(x, words));
    case 'or':
      return s.items.some((x) => evaluate(x, words));
  }
}

test('queries of known structure compile and select what the reference evaluator selects', async () => {
  const words = fc.array(fc.constantFrom(...VOCABULARY, 'alphabet', 'betamax', 'other'), { maxLength: 6 });
  await fc.assert(
    fc.asyncProperty(
      shapes,
      words,
      words,
      fc.boolean(),
      fc.boolean(),
      async (shape, subjectWords, bodyWords, upper, andWord) => {
        const query = print(shape, () => andWord);
        const compiled = compileQuery(query); // must not throw
        const subject = subjectWords.map((w) => (upper ? w.toUpperCase() : w)).join(' ');
        const record: MessageRecord = { subject, body: bodyWords.join(', ') };
        assert.equal(
          await compiled.matches(record),
          evaluate(shape, [...subjectWords, ...bodyWords]),
          `${query} on ${JSON.stringify(record)}`,
        );
      },
    ),
    { numRuns: runs(40_000), seed: SEED },
  );
});

test('dates compile for every year from 0000 to 9999 and select exactly that UTC day', () => {
  fc.assert(
    fc.property(
      fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
      (date) => {
        const day = date.toISOString().slice(0, 10);
        const compiled = compileQuery(`received:${day}`);
        const node = compiled.tree;
        assert.equal(node.kind, 'date');
        if (node.kind !== 'date') return;
        const start = new Date(`${day}T00:00:00Z`).getTime();
        assert.equal(node.fromMs, start, day);
        assert.equal(node.beforeMs, start + 86_400_000, day);
      },
    ),
    { numRuns: runs(20_000), seed: SEED },
  );
});
