/**
 * `parseExportRequest` under fast-check: arbitrary text and bytes, arbitrary JSON, and mutations of valid bodies
 * in both endpoint shapes. Properties: it returns a well-formed request or throws a `RequestError` (never anything
 * else) whose message is short and names the field; the work done for an error is bounded by structure (the
 * message does not grow with the input); well-formed bodies round-trip.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RequestError } from '../../src/errors.js';
import { type ExportRequest, parseExportRequest, type RequestForm } from '../../src/request/export-request.js';
import { GIB, MAX_PST_LIMIT_BYTES, MIN_PST_LIMIT_BYTES } from '../../src/request/size-limit.js';
import { runs, SEED } from './runs.js';

const FORMS: readonly RequestForm[] = ['auto', 'action', 'exportToPst'];
const CODES = [
  'invalid-body',
  'unknown-action',
  'not-supported',
  'unknown-field',
  'duplicate-field',
  'invalid-type',
  'invalid-value',
  'missing-field',
];
/** Longest message: the fixed text plus at most three 100-character excerpts. */
const MAX_MESSAGE = 600;

/** Parses, and checks whatever comes out against the contract. Returns the request, or undefined when refused. */
function check(body: string | Uint8Array, form: RequestForm): ExportRequest | undefined {
  let request: ExportRequest;
  try {
    request = parseExportRequest(body, { form });
  } catch (error) {
    if (!(error instanceof RequestError)) throw new Error(`not a RequestError: ${String(error)}`, { cause: error });
    assert.ok(CODES.includes(error.code), error.code);
    assert.equal(typeof error.field, 'string');
    // An empty field is a property the client named "" itself; the message then shows it quoted.
    assert.ok(error.field.length > 0 || error.message.includes('""'), `empty field: ${error.message}`);
    assert.ok(
      error.message.length > 0 && error.message.length <= MAX_MESSAGE,
      `message of ${error.message.length} characters`,
    );
    // The message names what was wrong: the field as sent, raw or JSON-escaped (clipped like any excerpt), or the body.
    const named =
      error.field === '(body)'
        ? /request body/.test(error.message)
        : error.message.includes(error.field.slice(0, 60)) ||
          error.message.includes(JSON.stringify(error.field).slice(1, 60));
    assert.ok(named, `message does not name ${JSON.stringify(error.field)}: ${error.message}`);
    return undefined;
  }
  assert.equal(typeof request.keywords, 'string');
  assert.ok(
    request.limitBytes === undefined ||
      (Number.isSafeInteger(request.limitBytes) &&
        request.limitBytes >= MIN_PST_LIMIT_BYTES &&
        request.limitBytes <= MAX_PST_LIMIT_BYTES),
  );
  assert.ok(
    Array.isArray(request.warnings) &&
      request.warnings.every(
        (w) => typeof w.code === 'string' && w.message.length > 0 && w.message.length <= MAX_MESSAGE,
      ),
  );
  return request;
}

test('arbitrary text and bytes: a request or a RequestError naming the field, nothing else', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789.eE+-truefalsnul \n\t\\ueFF'.split('')), maxLength: 200 }),
  );
  fc.assert(
    fc.property(text, fc.constantFrom(...FORMS), (body, form) => void check(body, form)),
    { numRuns: runs(60_000), seed: SEED },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...FORMS), (body, form) => void check(body, form)),
    { numRuns: runs(20_000), seed: SEED },
  );
});

test('arbitrary JSON, alone and in the option positions: a request or a RequestError', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  const key = fc.constantFrom(
    'exportToPst',
    'ExportToPST',
    'exportToPst',
    'restore',
    'saveToMsg',
    'contentKeywords',
    'contentKeyword',
    'EnablePstSizeLimit',
    'PstSizeLimitBytes',
    'items',
    'other',
    '__proto__',
    'constructor',
    '\u0441ontentKeywords',
  );
  const bodies = fc.oneof(
    json,
    fc.dictionary(key, json, { maxKeys: 4 }),
    fc.record({ exportToPst: fc.oneof(json, fc.dictionary(key, json, { maxKeys: 4 })) }),
  );
  fc.assert(
    fc.property(bodies, fc.constantFrom(...FORMS), (body, form) => void check(JSON.stringify(body) ?? '', form)),
    { numRuns: runs(60_000), seed: SEED },
  );
});

/** A property name in a random letter case. */
const anyCase = (name: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

test('mutated valid bodies: well-formed ones round-trip, the rest are refused with a RequestError', () => {
  const keywords = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
    fc.constant(null),
  );
  const size = fc.oneof(
    fc.integer({ min: 1, max: 60 * GIB }),
    fc.integer({ min: 1, max: 60 * GIB }).map(String),
    fc.double(),
    fc.constant(-1),
    fc.constant('12 GB'),
  );
  const enable = fc.oneof(fc.boolean(), fc.constantFrom('true', 'FALSE', 'yes', null, 0));
  const options = fc.record(
    {
      keywords: fc.tuple(anyCase('contentKeywords'), keywords),
      enable: fc.tuple(anyCase('EnablePstSizeLimit'), enable),
      size: fc.tuple(anyCase('PstSizeLimitBytes'), size),
    },
    { requiredKeys: [] },
  );
  const shape = fc.constantFrom('action', 'direct');
  fc.assert(
    fc.property(options, shape, fc.constantFrom(...FORMS), (opts, how, form) => {
      const inner: Record<string, unknown> = {};
      for (const entry of Object.values(opts)) inner[entry[0]] = entry[1];
      const body = how === 'action' ? { exportToPst: inner } : inner;
      const result = check(JSON.stringify(body), form);

      // Which bodies are well-formed, by the documented rules (on the values as JSON carries them: NaN is null).
      const sent = JSON.parse(JSON.stringify(inner)) as Record<string, unknown>;
      const kw = opts.keywords ? (sent[opts.keywords[0]] as string | string[] | null) : undefined;
      const en = opts.enable ? sent[opts.enable[0]] : undefined;
      const sz = opts.size ? sent[opts.size[0]] : undefined;
      const okKeywords = kw === undefined || kw === null || typeof kw === 'string' || Array.isArray(kw);
      const enableValue =
        en === undefined || en === null
          ? undefined
          : typeof en === 'boolean'
            ? en
            : en === 'true'
              ? true
              : en === 'FALSE'
                ? false
                : 'bad';
      const sizeValue =
        sz === undefined || sz === null
          ? undefined
          : typeof sz === 'number' && Number.isSafeInteger(sz) && sz > 0
            ? sz
            : typeof sz === 'string' && /^[0-9]+$/.test(sz) && Number(sz) > 0
              ? Number(sz)
              : 'bad';
      const shapeOk =
        form === 'auto'
          ? how === 'action' || Object.keys(inner).length > 0
          : form === 'action'
            ? how === 'action'
            : how === 'direct';
      const wellFormed =
        shapeOk &&
        okKeywords &&
        enableValue !== 'bad' &&
        sizeValue !== 'bad' &&
        !(enableValue === true && sizeValue === undefined);
      assert.equal(result !== undefined, wellFormed, JSON.stringify({ body, form }));
      if (result === undefined) return;
      const expectedKeywords =
        typeof kw === 'string'
          ? kw
          : Array.isArray(kw)
            ? kw
                .filter((k) => k.trim() !== '')
                .map((k) => `(${k})`)
                .join(' OR ')
            : '';
      assert.equal(result.keywords, expectedKeywords);
      const limit =
        sizeValue === undefined || enableValue === false
          ? undefined
          : Math.min(MAX_PST_LIMIT_BYTES, Math.max(MIN_PST_LIMIT_BYTES, sizeValue as number));
      assert.equal(result.limitBytes, limit);
    }),
    { numRuns: runs(60_000), seed: SEED },
  );
});

test('deep and huge bodies are refused with a short message, whatever their size', () => {
  // Work by structure: each body is refused, and the message does not grow with the nesting or the length.
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  const bodies = [
    deep(200_000),
    `{"exportToPst": ${deep(100_000)}}`,
    `{"exportToPst": {"contentKeywords": [${deep(100_000)}]}}`,
    `{"exportToPst": {"x": ${deep(100_000)}}}`,
    `{"exportToPst": {"x": ${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}`,
    `{"exportToPst": {"contentKeywords": ${JSON.stringify('k'.repeat(5_000_000))}, "x": 1}}`,
    `{"exportToPst": {"${'k'.repeat(1_000_000)}": 1}}`,
    `{"exportToPst": {"PstSizeLimitBytes": [${'1,'.repeat(1_000_000)}1]}}`,
    '{'.repeat(1_000_000),
  ];
  for (const body of bodies) {
    assert.throws(
      () => parseExportRequest(body),
      (e: unknown) => e instanceof RequestError && e.message.length <= MAX_MESSAGE,
      body.slice(0, 60),
    );
  }
});
