import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExportError, RequestError, type RequestErrorCode } from '../../src/errors.js';
import { parseExportRequest } from '../../src/request/export-request.js';
import { httpStatusFor } from '../../src/request/http-status.js';
import { GIB, MAX_PST_LIMIT_BYTES, MIN_PST_LIMIT_BYTES } from '../../src/request/size-limit.js';

function fails(
  body: string | Uint8Array,
  code: RequestErrorCode,
  field: string,
  value: unknown,
  form?: 'auto' | 'action' | 'exportToPst',
): RequestError {
  let caught: unknown;
  try {
    parseExportRequest(body, form ? { form } : {});
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RequestError, `expected a RequestError for ${String(body)}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught instanceof ExportError, 'a RequestError is an ExportError');
  assert.equal(caught.field, field);
  assert.deepEqual(caught.value, value);
  return caught;
}

test('the v4 documentation example, as a string and as a Buffer', () => {
  const body = '{"exportToPst":{"contentKeywords":"support","EnablePstSizeLimit":true,"PstSizeLimitBytes":1073741824}}';
  const expected = { keywords: 'support', limitBytes: 1073741824, warnings: [] };
  assert.deepEqual(parseExportRequest(body), expected);
  assert.deepEqual(parseExportRequest(Buffer.from(body, 'utf8')), expected);
  // A UTF-8 byte order mark is tolerated in both forms.
  assert.deepEqual(parseExportRequest(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)])), expected);
  assert.deepEqual(parseExportRequest(`\uFEFF${body}`), expected);
});

test('every spelling from the API versions', () => {
  const bodies = [
    '{"exporttoPst":{"contentKeywords":"support"}}', // v1.5
    '{"exporttoPst":{"ContentKeywords":"support"}}', // v2/v3
    '{"ExportToPst":{"ContentKeywords":"support","EnablePstSizeLimit":false}}', // v4 (PascalCase)
    '{"exportToPst":{"contentKeywords":"support","enablePstSizeLimit":false}}', // v5 camelCase
    '{"EXPORTTOPST":{"CONTENTKEYWORDS":"support"}}',
    '{"contentKeyword":"support","enablePstSizeLimit":false}', // v6+ endpoint body
    '{"ContentKeyword":"support"}',
    '{"exportToPst":{"contentKeyword":"support"}}',
  ];
  for (const body of bodies) {
    const r = parseExportRequest(body);
    assert.equal(r.keywords, 'support', body);
    assert.equal(r.limitBytes, undefined, body);
    assert.deepEqual(r.warnings, [], body);
  }
  const v6 = parseExportRequest('{"contentKeyword":"a b","enablePstSizeLimit":true,"pstSizeLimitBytes":2147483648}');
  assert.deepEqual(v6, { keywords: 'a b', limitBytes: 2 * GIB, warnings: [] });
});

test('the v1.5 example with a Cyrillic "с" in contentKeywords is read, with a warning', () => {
  const r = parseExportRequest('{"exporttoPst":{"\u0441ontentKeywords":"support"}}');
  assert.equal(r.keywords, 'support');
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!.message, /U\+0441/);
  assert.deepEqual(
    { ...r.warnings[0], message: '' },
    { code: 'field-spelling', message: '', field: 'exporttoPst.\u0441ontentKeywords', readAs: 'contentkeywords' },
  );
});

test('null options and absent fields select everything without a limit', () => {
  assert.deepEqual(parseExportRequest('{"exporttoPst": null}'), { keywords: '', limitBytes: undefined, warnings: [] });
  assert.deepEqual(parseExportRequest('{"exportToPst": {}}'), { keywords: '', limitBytes: undefined, warnings: [] });
  assert.deepEqual(parseExportRequest('{"exportToPst": {"contentKeywords": null, "PstSizeLimitBytes": null}}'), {
    keywords: '',
    limitBytes: undefined,
    warnings: [],
  });
  // The v6 endpoint accepts an empty body or {}; the Action endpoint does not.
  assert.deepEqual(parseExportRequest('', { form: 'exportToPst' }), {
    keywords: '',
    limitBytes: undefined,
    warnings: [],
  });
  assert.deepEqual(parseExportRequest('{}', { form: 'exportToPst' }), {
    keywords: '',
    limitBytes: undefined,
    warnings: [],
  });
  fails('{}', 'unknown-action', '(body)', {});
  fails('  ', 'invalid-body', '(body)', '  ');
});

test('string booleans in any case', () => {
  for (const t of ['true', 'TRUE', 'True', ' tRuE ']) {
    const r = parseExportRequest(`{"exportToPst":{"EnablePstSizeLimit":"${t}","PstSizeLimitBytes":1073741824}}`);
    assert.equal(r.limitBytes, GIB, t);
  }
  for (const f of ['false', 'FALSE', 'False']) {
    const r = parseExportRequest(`{"exportToPst":{"EnablePstSizeLimit":"${f}"}}`);
    assert.equal(r.limitBytes, undefined, f);
  }
  fails('{"exportToPst":{"EnablePstSizeLimit":"yes"}}', 'invalid-value', 'exportToPst.EnablePstSizeLimit', 'yes');
  fails('{"exportToPst":{"EnablePstSizeLimit":1}}', 'invalid-type', 'exportToPst.EnablePstSizeLimit', 1);
});

test('numeric strings for the size', () => {
  assert.equal(
    parseExportRequest('{"exportToPst":{"EnablePstSizeLimit":true,"PstSizeLimitBytes":"2147483648"}}').limitBytes,
    2 * GIB,
  );
  assert.equal(
    parseExportRequest('{"exportToPst":{"EnablePstSizeLimit":true,"PstSizeLimitBytes":" 3221225472 "}}').limitBytes,
    3 * GIB,
  );
});

test('sizes are clamped to 1..49 GiB with a warning naming the value', () => {
  const low = parseExportRequest('{"exportToPst":{"EnablePstSizeLimit":true,"PstSizeLimitBytes":1000}}');
  assert.equal(low.limitBytes, MIN_PST_LIMIT_BYTES);
  assert.equal(low.warnings.length, 1);
  assert.deepEqual(low.warnings[0], {
    code: 'limit-clamped',
    message: 'exportToPst.PstSizeLimitBytes 1000 is below the minimum of 1 GiB; using 1073741824 bytes',
    field: 'exportToPst.PstSizeLimitBytes',
    requested: 1000,
    applied: MIN_PST_LIMIT_BYTES,
  });

  const justBelow = parseExportRequest(`{"exportToPst":{"EnablePstSizeLimit":true,"PstSizeLimitBytes":${GIB - 1}}}`);
  assert.equal(justBelow.limitBytes, GIB);
  assert.equal(justBelow.warnings.length, 1);

  const high = parseExportRequest(`{"pstSizeLimitBytes":${50 * GIB},"enablePstSizeLimit":true}`);
  assert.equal(high.limitBytes, MAX_PST_LIMIT_BYTES);
  assert.equal(MAX_PST_LIMIT_BYTES, 52613349376);
  assert.match(
    high.warnings[0]!.message,
    /pstSizeLimitBytes 53687091200 is above the maximum of 49 GiB; using 52613349376/,
  );
  assert.deepEqual([high.warnings[0]!.code, high.warnings[0]!.field], ['limit-clamped', 'pstSizeLimitBytes']);

  // The bounds themselves are accepted as they are.
  for (const ok of [GIB, 49 * GIB]) {
    const r = parseExportRequest(`{"exportToPst":{"EnablePstSizeLimit":true,"PstSizeLimitBytes":${ok}}}`);
    assert.deepEqual(r, { keywords: '', limitBytes: ok, warnings: [] });
  }
});

test('a size with the limit disabled is ignored; a size without the flag applies; both give warnings', () => {
  const off = parseExportRequest('{"exportToPst":{"EnablePstSizeLimit":false,"PstSizeLimitBytes":1073741824}}');
  assert.equal(off.limitBytes, undefined);
  assert.match(off.warnings[0]!.message, /ignored because exportToPst\.EnablePstSizeLimit is false/);
  assert.deepEqual(
    { ...off.warnings[0], message: '' },
    { code: 'limit-ignored', message: '', field: 'exportToPst.PstSizeLimitBytes', requested: GIB },
  );
  const implicit = parseExportRequest('{"exportToPst":{"PstSizeLimitBytes":2147483648}}');
  assert.equal(implicit.limitBytes, 2 * GIB);
  assert.match(implicit.warnings[0]!.message, /EnablePstSizeLimit is absent/);
  assert.deepEqual(
    { ...implicit.warnings[0], message: '' },
    { code: 'limit-implied', message: '', field: 'exportToPst.PstSizeLimitBytes', requested: 2 * GIB },
  );
});

test('errors name the field and the value', () => {
  const missing = fails(
    '{"exportToPst":{"EnablePstSizeLimit":true}}',
    'missing-field',
    'exportToPst.PstSizeLimitBytes',
    undefined,
  );
  assert.match(missing.message, /PstSizeLimitBytes is missing/);
  for (const [raw, value] of [
    ['0', 0],
    ['-5', -5],
    ['1.5', 1.5],
    ['"12abc"', '12abc'],
    ['"-1"', '-1'],
    ['"1e9"', '1e9'],
    ['""', ''],
    ['1e300', 1e300],
  ] as const) {
    const e = fails(
      `{"exportToPst":{"EnablePstSizeLimit":true,"PstSizeLimitBytes":${raw}}}`,
      'invalid-value',
      'exportToPst.PstSizeLimitBytes',
      value,
    );
    assert.ok(e.message.includes('exportToPst.PstSizeLimitBytes'), e.message);
    assert.ok(e.message.includes(JSON.stringify(value)), e.message);
  }
  fails('{"exportToPst":{"PstSizeLimitBytes":true}}', 'invalid-type', 'exportToPst.PstSizeLimitBytes', true);
  fails('{"exportToPst":{"contentKeywords":42}}', 'invalid-type', 'exportToPst.contentKeywords', 42);
  fails('{"exportToPst":{"contentKeywords":["a", 1]}}', 'invalid-type', 'exportToPst.contentKeywords[1]', 1);
  fails('{"exportToPst":"support"}', 'invalid-type', 'exportToPst', 'support');
  const unknown = fails(
    '{"exportToPst":{"contentKeywords":"a","PstSizeLimitGB":5}}',
    'unknown-field',
    'exportToPst.PstSizeLimitGB',
    5,
  );
  assert.match(unknown.message, /PstSizeLimitGB.*5/);
  fails('{"exportToPst":{},"extra":1}', 'unknown-field', 'extra', 1);
  fails('{"contentKeyword":"a","foo":"bar"}', 'unknown-field', 'foo', 'bar');
  fails(
    '{"exportToPst":{"contentKeywords":"a","ContentKeyword":"b"}}',
    'duplicate-field',
    'exportToPst.ContentKeyword',
    'b',
  );
});

test('bodies that are not JSON, not objects or name no known action', () => {
  const notJson = fails('{"exportToPst":', 'invalid-body', '(body)', '{"exportToPst":');
  assert.match(notJson.message, /not JSON/);
  fails('[1,2]', 'invalid-body', '(body)', [1, 2]);
  fails('"exportToPst"', 'invalid-body', '(body)', 'exportToPst');
  fails(new Uint8Array([0x7b, 0xff, 0x7d]), 'invalid-body', '(body)', '<3 bytes>');
  const unknown = fails('{"exportToPdf":{}}', 'unknown-action', 'exportToPdf', {});
  assert.match(unknown.message, /unknown action "exportToPdf"/);
  fails('{"exportToPst":{},"restoreTo":{}}', 'unknown-action', 'restoreTo', {});
  // The Action endpoint insists on an action even for option-looking bodies.
  fails('{"contentKeyword":"a"}', 'unknown-action', 'contentKeyword', 'a', 'action');
});

test('restore, send and save actions are recognised and answered with not-supported', () => {
  const actions = [
    'restoreToOriginalLocation',
    'restoretoOriginallocation',
    'restoreTo',
    'restore',
    'operatorRestore',
    'saveToMsg',
    'savetoMsg',
    'save',
    'exportToMsg',
    'send',
    'sendToDefaultAddress',
    'sendToDifferentAddress',
  ];
  for (const a of actions) {
    const body = a.startsWith('save') ? `{"${a}": null}` : `{"${a}": {"items": [{"Id": "x"}]}}`;
    const value = a.startsWith('save') ? null : { items: [{ Id: 'x' }] };
    const e = fails(body, 'not-supported', a, value);
    assert.match(e.message, /not supported/);
  }
  // Exporting a list of items is part of the same family and not implemented either.
  fails('{"ExportToPst":{"items":[{"Id":"1"}]}}', 'not-supported', 'ExportToPst.items', [{ Id: '1' }]);
});

test('the keyword array form is OR-ed group by group', () => {
  assert.equal(
    parseExportRequest('{"exportToPst":{"contentKeywords":["support ticket", " ", "invoice"]}}').keywords,
    '(support ticket) OR (invoice)',
  );
});

test('servers answer not-supported with 501 and every other refusal with 400', () => {
  assert.equal(httpStatusFor(fails('{"restoreTo":{}}', 'not-supported', 'restoreTo', {})), 501);
  assert.equal(
    httpStatusFor(
      fails('{"exportToPst":{"PstSizeLimitBytes":"x"}}', 'invalid-value', 'exportToPst.PstSizeLimitBytes', 'x'),
    ),
    400,
  );
  assert.equal(httpStatusFor(fails('nope', 'invalid-body', '(body)', 'nope')), 400);
});
