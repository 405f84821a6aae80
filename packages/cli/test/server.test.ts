import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { QueryError } from '@pstream/export';
import { requireTool } from '../../pst/test/support/oracles.js';
import { expectedBytes } from './helpers/fake-deps.js';
import { curl, rawRequest, waitFor } from './helpers/http-client.js';
import { SESSION, startServer, TOKEN, v4Path, v6Path } from './helpers/server-fixture.js';

const GIB = 2 ** 30;
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const ALICE = expectedBytes('alice', 4, 64 * 1024);
/** The product's error codes by status. */
const ERROR_CODES: Record<number, string> = {
  400: 'ParameterValidationFailure',
  401: 'Unauthorized',
  404: 'ResourceNotFound',
  405: 'MethodNotAllowed',
  409: 'OperationConflict',
  413: 'ParameterValidationFailure',
  416: 'RangeNotSatisfiable',
  500: 'InternalError',
  501: 'NotImplemented',
  504: 'Timeout',
};

test('the v4 example: contentKeywords with a 1 GiB limit streams a ZIP (fetch)', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const body = '{"exportToPst":{"contentKeywords":"support","EnablePstSizeLimit":true,"PstSizeLimitBytes":1073741824}}';
  const res = await fetch(s.base + v4Path('alice'), {
    method: 'POST',
    headers: { ...AUTH, 'Content-Type': 'application/json' },
    body,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="alice.zip"');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), ALICE);
  const options = s.exporter.calls[0]!.options;
  assert.equal(options.keywords, 'support');
  assert.equal(options.limitBytes, GIB);
  assert.equal(options.name, 'alice');
  assert.deepEqual(s.sources.opened, [join(s.dataDir, 'alice.mbox')]);
  await waitFor(() => s.sources.closed.length === 1);
});

test('the v4 example with "EnablePstSizeLimit": "true" as a string (curl)', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  const s = await startServer();
  t.after(() => s.close());
  const body =
    '{"exportToPst":{"contentKeywords":"support","EnablePstSizeLimit":"true","PstSizeLimitBytes":1073741824}}';
  const res = await curl(s.base + v4Path('alice'), [
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    '-H',
    'Content-Type: application/json',
    '--data-binary',
    body,
  ]);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-disposition'], 'attachment; filename="alice.zip"');
  assert.deepEqual(res.body, ALICE);
  assert.equal(s.exporter.calls[0]!.options.limitBytes, GIB);
  assert.equal(s.exporter.calls[0]!.options.keywords, 'support');
});

test('the v6 exportToPst form, and an empty v6 body for a whole mailbox as one PST', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  const s = await startServer();
  t.after(() => s.close());
  const body = JSON.stringify({ contentKeyword: 'invoice', enablePstSizeLimit: true, pstSizeLimitBytes: 2 * GIB });
  const res = await fetch(s.base + v6Path('bob'), { method: 'POST', headers: AUTH, body });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="bob.zip"');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), expectedBytes('bob', 4, 64 * 1024));
  assert.equal(s.exporter.calls[0]!.options.keywords, 'invoice');
  assert.equal(s.exporter.calls[0]!.options.limitBytes, 2 * GIB);
  const whole = await curl(s.base + v6Path('carol'), ['-X', 'POST', '-H', `Authorization: Bearer ${TOKEN}`]);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers['content-disposition'], 'attachment; filename="carol.pst"');
  assert.deepEqual(whole.body, expectedBytes('carol', 4, 64 * 1024));
  assert.equal(s.exporter.calls[1]!.options.limitBytes, undefined);
  assert.deepEqual(s.sources.opened, [join(s.dataDir, 'bob.pst'), join(s.dataDir, 'carol')]);
});

async function jsonError(res: Response): Promise<string> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await res.json()) as { message: unknown; errorCode: unknown; stackTrace: unknown };
  assert.deepEqual(Object.keys(body), ['message', 'errorCode', 'stackTrace']);
  assert.equal(body.stackTrace, null);
  assert.equal(body.errorCode, ERROR_CODES[res.status]);
  assert.equal(typeof body.message, 'string');
  assert.doesNotMatch(body.message as string, /\n\s+at /);
  return body.message as string;
}

test('401 without the token or with a wrong one', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  const s = await startServer();
  t.after(() => s.close());
  const headers: Record<string, string>[] = [
    {},
    { Authorization: 'Bearer wrong' },
    { Authorization: `Basic ${TOKEN}` },
    { Authorization: `Bearer ${TOKEN}x` },
    { Authorization: 'Bearer' },
  ];
  for (const h of headers) {
    const res = await fetch(s.base + v4Path('alice'), { method: 'POST', headers: h, body: '{"exportToPst":{}}' });
    assert.equal(res.status, 401, JSON.stringify(h));
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.match(await jsonError(res), /bearer token/);
  }
  // Unknown paths need the token too: nothing is revealed before authentication.
  assert.equal((await fetch(`${s.base}/nothing`)).status, 401);
  const viaCurl = await curl(s.base + v4Path('alice'), [
    '-X',
    'POST',
    '-H',
    'Authorization: Bearer nope',
    '--data-binary',
    '{}',
  ]);
  assert.equal(viaCurl.status, 401);
  assert.equal(s.exporter.calls.length, 0);
});

test('400 names the field and the value', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const cases: [string, string, RegExp][] = [
    [v4Path('alice'), '{"exportToPst":{"PstSizeLimitBytes":"lots"}}', /PstSizeLimitBytes.*"lots"/],
    [v4Path('alice'), '{"exportToPst":{"EnablePstSizeLimit":"maybe"}}', /EnablePstSizeLimit.*"maybe"/],
    [v4Path('alice'), '{"exportToPst":{"colour":"red"}}', /colour.*"red"/],
    [v4Path('alice'), '{not json', /not JSON/],
    [v6Path('alice'), '{"pstSizeLimitBytes":-5}', /pstSizeLimitBytes.*-5/],
  ];
  for (const [path, body, pattern] of cases) {
    const res = await fetch(s.base + path, { method: 'POST', headers: AUTH, body });
    assert.equal(res.status, 400, body);
    assert.match(await jsonError(res), pattern);
  }
  assert.equal(s.exporter.calls.length, 0);
  assert.deepEqual(s.sources.opened, []);
});

test('404 for an unknown mailbox, an unknown path and a malformed restore session id', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  const s = await startServer();
  t.after(() => s.close());
  const paths = [
    v4Path('dave'),
    v4Path('notes'),
    v4Path('alice.mbox'),
    v4Path('ALICE'),
    v6Path('zed'),
    '/',
    '/v4/RestoreSessions',
    `/v9/RestoreSessions/${SESSION}/Organization/Mailboxes/alice/Action`,
    v6Path('alice', 'save'),
    `${v4Path('alice')}/extra`,
    v4Path('alice', 'not-a-uuid'),
    v4Path('alice', `${SESSION}0`),
  ];
  for (const path of paths) {
    const res = await fetch(s.base + path, { method: 'POST', headers: AUTH, body: '{"exportToPst":{}}' });
    assert.equal(res.status, 404, path);
    await jsonError(res);
  }
  const viaCurl = await curl(s.base + v4Path('dave'), [
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    '--data-binary',
    '{"exportToPst":{}}',
  ]);
  assert.equal(viaCurl.status, 404);
  assert.match(JSON.parse(viaCurl.body.toString()).message, /no such mailbox: mailboxId "dave"/);
  assert.equal(s.exporter.calls.length, 0);
});

test('mailbox ids never escape DIR: .., encoded slashes, NUL, hidden entries', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  const s = await startServer();
  t.after(() => s.close());
  const ids = [
    '..',
    '%2e%2e',
    '..%2Foutside',
    '%2E%2E%2Foutside',
    '..%5Coutside',
    'carol%2F..%2F..%2Foutside',
    'alice%00',
    '.hidden',
    '.',
    '%2Fetc%2Fpasswd',
    'carol%2F',
  ];
  for (const id of ids) {
    const res = await rawRequest(s.base, 'POST', v4Path(id), AUTH, '{"exportToPst":{}}');
    assert.equal(res.status, 404, id);
  }
  // Unencoded dot segments are not normalised into another route.
  for (const path of [
    `/v4/RestoreSessions/${SESSION}/Organization/Mailboxes/../../outside/Action`,
    `/v4/RestoreSessions/${SESSION}/Organization/Mailboxes/alice/../outside/Action`,
  ]) {
    assert.equal((await rawRequest(s.base, 'POST', path, AUTH, '{"exportToPst":{}}')).status, 404, path);
  }
  const viaCurl = await curl(`${s.base}/v4/RestoreSessions/${SESSION}/Organization/Mailboxes/../outside/Action`, [
    '--path-as-is',
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    '--data-binary',
    '{}',
  ]);
  assert.equal(viaCurl.status, 404);
  assert.deepEqual(s.sources.opened, []);
  assert.equal(s.exporter.calls.length, 0);
});

test('405 for another method on an export path', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  const s = await startServer();
  t.after(() => s.close());
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const res = await fetch(s.base + v4Path('alice'), { method, headers: AUTH });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'POST');
    await jsonError(res);
  }
  assert.equal((await curl(s.base + v6Path('alice'), ['-H', `Authorization: Bearer ${TOKEN}`])).status, 405);
});

test('413 for a body over 1 MiB, declared or chunked, without starting an export', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  const s = await startServer();
  t.after(() => s.close());
  const big = `{"exportToPst":{"contentKeywords":"${'x'.repeat(1024 * 1024)}"}}`;
  const declared = await fetch(s.base + v4Path('alice'), { method: 'POST', headers: AUTH, body: big });
  assert.equal(declared.status, 413);
  assert.match(await jsonError(declared), /larger than 1048576 bytes/);
  const chunked = await rawChunked(s.base, v4Path('alice'), Buffer.from(big));
  assert.equal(chunked.status, 413);
  const bigFile = join(s.root, 'big.json');
  await writeFile(bigFile, big);
  // curl announces the length and waits for `100 Continue`, which never comes: the 413 answers instead.
  const viaCurl = await curl(s.base + v4Path('alice'), [
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    '--data-binary',
    `@${bigFile}`,
  ]);
  assert.equal(viaCurl.status, 413);
  assert.match(JSON.parse(viaCurl.body.toString()).message, /larger than 1048576 bytes/);
  // Exactly 1 MiB is still read.
  const limit = `{"exportToPst":{"contentKeywords":"${'y'.repeat(1024 * 1024 - 40)}"}}`.padEnd(1024 * 1024, ' ');
  const ok = await fetch(s.base + v4Path('alice'), { method: 'POST', headers: AUTH, body: limit });
  assert.equal(ok.status, 200);
  await ok.arrayBuffer();
  assert.equal(s.exporter.calls.length, 1);
});

/** Sends `body` with chunked transfer encoding (no Content-Length), one 64 KiB chunk at a time. */
function rawChunked(base: string, path: string, body: Buffer): Promise<{ status: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: { ...AUTH, 'Transfer-Encoding': 'chunked' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    let offset = 0;
    const writeMore = (): void => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, offset + 65536);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', writeMore);
          return;
        }
      }
      req.end();
    };
    writeMore();
  });
}

test('501 for restore actions, in the v4 body and as v6 endpoints', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const v4Bodies = [
    '{"restoreTo":{"mailbox":"x@example.com"}}',
    '{"restoretoOriginallocation":{}}',
    '{"savetoMsg":null}',
  ];
  for (const body of v4Bodies) {
    const res = await fetch(s.base + v4Path('alice'), { method: 'POST', headers: AUTH, body });
    assert.equal(res.status, 501, body);
    assert.match(await jsonError(res), /not supported/);
  }
  for (const action of ['restore', 'restoreTo', 'items/restore', 'folders/abc/restoreTo']) {
    const res = await fetch(s.base + v6Path('alice', action), { method: 'POST', headers: AUTH, body: '{}' });
    assert.equal(res.status, 501, action);
    await jsonError(res);
  }
  const viaCurl = await curl(s.base + v6Path('alice', 'restoreTo'), [
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    '--data-binary',
    '{}',
  ]);
  assert.equal(viaCurl.status, 501);
  assert.equal(s.exporter.calls.length, 0);
});

test('a download cut off halfway aborts its export', async (t) => {
  const s = await startServer({ gated: true });
  t.after(() => s.close());
  const url = new URL(s.base);
  const received = await new Promise<number>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: 'POST', path: v4Path('alice'), headers: AUTH },
      (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.length);
        });
      },
    );
    req.on('error', () => undefined);
    req.end('{"exportToPst":{}}');
    setImmediate(() => req.once('error', reject));
  });
  assert.ok(received > 0);
  const call = s.exporter.calls[0]!;
  const reason = await call.aborted;
  assert.match(String(reason), /client closed the connection/);
  await call.closed;
  await waitFor(() => s.sources.closed.length === 1);
  assert.deepEqual(s.sources.closed, [join(s.dataDir, 'alice.mbox')]);
});

test('two downloads run at once, independently', async (t) => {
  const s = await startServer({ gated: true });
  t.after(() => s.close());
  const url = new URL(s.base);
  const firstBytes: Record<string, boolean> = {};
  const download = (mailbox: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: v6Path(mailbox), headers: AUTH },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            firstBytes[mailbox] = true;
            chunks.push(c);
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const alice = download('alice');
  const bob = download('bob');
  // Both exports have started and both clients hold their first bytes while neither export has finished.
  await waitFor(() => s.exporter.calls.length === 2);
  await Promise.all(s.exporter.calls.map((c) => c.firstChunk));
  await waitFor(() => firstBytes.alice === true && firstBytes.bob === true);
  const byName = new Map(s.exporter.calls.map((c) => [c.options.name, c]));
  byName.get('bob')!.release();
  assert.deepEqual(await bob, expectedBytes('bob', 4, 64 * 1024));
  assert.equal(byName.get('alice')!.wasAborted(), false);
  byName.get('alice')!.release();
  assert.deepEqual(await alice, ALICE);
});

test('a failed export before the first byte is a 500 without details; after it the connection is cut', async (t) => {
  const failing = await startServer({ headError: new Error('disk /secret/path exploded') });
  t.after(() => failing.close());
  const res = await fetch(failing.base + v6Path('alice'), { method: 'POST', headers: AUTH });
  assert.equal(res.status, 500);
  const message = await jsonError(res);
  assert.doesNotMatch(message, /secret/);
  const midway = await startServer({ failAfter: 2 });
  t.after(() => midway.close());
  const cut = await fetch(midway.base + v6Path('alice'), { method: 'POST', headers: AUTH });
  assert.equal(cut.status, 200);
  await assert.rejects(cut.arrayBuffer());
});

test('a malformed keyword query from the exporter is a 400 naming contentKeyword', async (t) => {
  const queryError = new QueryError('(invoice', 8, 'unbalanced parenthesis');
  const s = await startServer({ headError: queryError });
  t.after(() => s.close());
  const res = await fetch(s.base + v6Path('alice'), {
    method: 'POST',
    headers: AUTH,
    body: '{"contentKeyword":"(invoice"}',
  });
  assert.equal(res.status, 400);
  assert.equal(await jsonError(res), 'contentKeyword: unbalanced parenthesis at position 8 of "(invoice"');
});
