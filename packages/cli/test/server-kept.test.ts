/**
 * The kept exports of v7 and v8 with a fake exporter whose progress the test controls: a request that comes while
 * the same export runs follows it (one export), a Range request waits for its end (or gets a 504 Timeout), an export
 * whose client went away runs on and is kept, the size budget drops the oldest first, the time limit drops
 * everything, and shutdown removes the directory. v4 to v6 are not kept.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { QueryError } from '@pstream/export';
import { main } from '../src/main.js';
import { releaseServer } from '../src/server/server.js';
import { expectedBytes } from './helpers/fake-deps.js';
import { waitFor } from './helpers/http-client.js';
import { memoryIO } from './helpers/memory-io.js';
import { SESSION, startServer, TOKEN } from './helpers/server-fixture.js';

const AUTH = { Authorization: `Bearer ${TOKEN}` };
const CHUNK = 64 * 1024;
const v8 = (mailbox: string): string => `/v8/RestoreSessions/${SESSION}/organization/mailboxes/${mailbox}/exportToPst`;

async function download(
  url: string,
  headers: Record<string, string> = {},
  body = '{}',
): Promise<{ status: number; headers: Headers; bytes: Buffer; json?: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { ...AUTH, ...headers }, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.startsWith('application/json')
    ? (JSON.parse(bytes.toString()) as Record<string, unknown>)
    : undefined;
  return { status: res.status, headers: res.headers, bytes, ...(json ? { json } : {}) };
}

/** Reads the first chunk of a download with node:http, then cuts the connection. */
function firstChunkThenCut(base: string, path: string): Promise<Buffer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path, headers: AUTH }, (res) => {
      res.once('data', (chunk: Buffer) => {
        req.destroy();
        resolve(chunk);
      });
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end('{}');
  });
}

async function keptFiles(tmpDir: string): Promise<string[]> {
  const dirs = (await readdir(tmpDir)).filter((d) => d.startsWith('pstream-kept-'));
  return (await Promise.all(dirs.map((d) => readdir(join(tmpDir, d))))).flat();
}

test('the same request while the export runs follows it; a Range request waits for its end', async (t) => {
  const s = await startServer({ gated: true });
  t.after(() => s.close());
  const alice = expectedBytes('alice', 4, CHUNK);
  const first = download(s.base + v8('alice'));
  await waitFor(() => s.exporter.calls.length === 1);
  await s.exporter.calls[0]!.firstChunk;
  const second = download(s.base + v8('alice'));
  const ranged = download(s.base + v8('alice'), { Range: 'bytes=100-' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(s.exporter.calls.length, 1, 'one export for the three requests');
  s.exporter.calls[0]!.release();
  const [a, b, c] = await Promise.all([first, second, ranged]);
  assert.equal(a.status, 200);
  assert.equal(a.headers.get('content-length'), null);
  assert.deepEqual(a.bytes, alice);
  assert.deepEqual(b.bytes, alice);
  assert.equal(c.status, 206);
  assert.equal(c.headers.get('content-range'), `bytes 100-${alice.length - 1}/${alice.length}`);
  assert.deepEqual(c.bytes, alice.subarray(100));
  assert.equal(s.exporter.calls.length, 1);
});

test('past maxRunning running exports a new one is a 503 ServiceUnavailable with Retry-After; the same request still follows', async (t) => {
  const s = await startServer({ gated: true }, { keptExports: { maxRunning: 1 } });
  t.after(() => s.close());
  const first = download(s.base + v8('alice'));
  await waitFor(() => s.exporter.calls.length === 1);
  await s.exporter.calls[0]!.firstChunk;
  const refused = await download(s.base + v8('bob'));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '30');
  assert.equal(refused.json?.errorCode, 'ServiceUnavailable');
  assert.match(String(refused.json?.message), /1 exports are running/);
  const again = download(s.base + v8('alice'));
  s.exporter.calls[0]!.release();
  assert.deepEqual((await again).bytes, (await first).bytes, 'the running request is followed, not refused');
  assert.equal(s.exporter.calls.length, 1);
  const later = download(s.base + v8('bob'));
  await waitFor(() => s.exporter.calls.length === 2);
  s.exporter.calls[1]!.release();
  assert.equal((await later).status, 200, 'once it has finished, another export starts');
});

test('a Range request still waiting when waitMs is over is a 504 Timeout', async (t) => {
  const s = await startServer({ gated: true }, { keptExports: { waitMs: 0 } });
  t.after(() => s.close());
  const first = firstChunkThenCut(s.base, v8('alice'));
  await first;
  const ranged = await download(s.base + v8('alice'), { Range: 'bytes=10-' });
  assert.equal(ranged.status, 504);
  assert.deepEqual(ranged.json, { message: ranged.json?.message, errorCode: 'Timeout', stackTrace: null });
  s.exporter.calls[0]!.release();
});

test('an export whose client went away runs on and is kept (v8); v6 aborts it and keeps nothing', async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'pstream-kept-test-'));
  const s = await startServer({ gated: true }, { tmpDir: tmp });
  t.after(async () => {
    await s.close();
    await rm(tmp, { recursive: true, force: true });
  });
  const alice = expectedBytes('alice', 4, CHUNK);
  const chunk = await firstChunkThenCut(s.base, v8('alice'));
  assert.deepEqual(chunk, alice.subarray(0, chunk.length));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(s.exporter.calls[0]!.wasAborted(), false);
  s.exporter.calls[0]!.release();
  const rest = await download(s.base + v8('alice'), { Range: `bytes=${chunk.length}-` });
  assert.equal(rest.status, 206);
  assert.deepEqual(Buffer.concat([chunk, rest.bytes]), alice);
  assert.equal((await keptFiles(tmp)).length, 1);

  const v6 = await firstChunkThenCut(s.base, `/v6/RestoreSessions/${SESSION}/organization/mailboxes/bob/exportToPst`);
  assert.ok(v6.length > 0);
  await s.exporter.calls[1]!.aborted;
  assert.equal((await keptFiles(tmp)).length, 1);
  // Shutdown removes the kept files and their directory.
  await s.close();
  assert.deepEqual(await readdir(tmp), []);
});

test('over the size budget the oldest kept export goes first; past keepMs nothing is kept', async (t) => {
  const size = 4 * CHUNK;
  const s = await startServer({}, { keptExports: { maxBytes: size + 1 } });
  t.after(() => s.close());
  assert.equal((await download(s.base + v8('alice'))).status, 200);
  assert.equal((await download(s.base + v8('alice'), { Range: 'bytes=0-9' })).status, 206);
  assert.equal((await download(s.base + v8('bob'))).status, 200);
  // alice was the oldest: gone, so her Range request finds nothing to resume; bob's is kept.
  const gone = await download(s.base + v8('alice'), { Range: 'bytes=0-9' });
  assert.equal(gone.status, 416);
  assert.equal(gone.json?.errorCode, 'RangeNotSatisfiable');
  assert.equal((await download(s.base + v8('bob'), { Range: 'bytes=0-9' })).status, 206);

  const short = await startServer({}, { keptExports: { keepMs: 1 } });
  t.after(() => short.close());
  assert.equal((await download(short.base + v8('carol'))).status, 200);
  await waitFor(() => short.logs.some((line) => /removed: its time is up/.test(line)));
  assert.equal((await download(short.base + v8('carol'), { Range: 'bytes=0-' })).status, 416);
});

test('ranges: bytes=N-M, bytes=-N, a range past the end (416 with Content-Range), one that does not parse (ignored)', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const alice = expectedBytes('alice', 4, CHUNK);
  assert.equal((await download(s.base + v8('alice'))).status, 200);
  const whole = await download(s.base + v8('alice'));
  assert.equal(whole.headers.get('content-length'), String(alice.length));
  assert.deepEqual(whole.bytes, alice);
  const suffix = await download(s.base + v8('alice'), { Range: 'bytes=-5' });
  assert.equal(suffix.status, 206);
  assert.deepEqual(suffix.bytes, alice.subarray(alice.length - 5));
  const clipped = await download(s.base + v8('alice'), { Range: `bytes=10-${alice.length + 100}` });
  assert.equal(clipped.headers.get('content-range'), `bytes 10-${alice.length - 1}/${alice.length}`);
  const past = await download(s.base + v8('alice'), { Range: `bytes=${alice.length}-` });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), `bytes */${alice.length}`);
  for (const ignored of ['items=0-5', 'bytes=0-1,5-6', 'bytes=9-2']) {
    const res = await download(s.base + v8('alice'), { Range: ignored });
    assert.equal(res.status, 200, ignored);
    assert.deepEqual(res.bytes, alice);
  }
});

test('a v7/v8 export asked for once the kept exports are released (shutdown) is a 409 OperationConflict', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  await releaseServer(s.server);
  const res = await download(s.base + v8('alice'));
  assert.equal(res.status, 409);
  assert.equal(res.json?.errorCode, 'OperationConflict');
  assert.equal(res.json?.stackTrace, null);
  assert.equal(s.exporter.calls.length, 0);
});

test('serve: --keep-seconds, --keep-bytes and --parse-threads are checked, naming the option and the value', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-keep-args-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [args, pattern] of [
    [['--keep-seconds', 'soon'], /--keep-seconds: not a whole number of seconds: "soon"/],
    [['--keep-bytes', 'lots'], /--keep-bytes.*"lots"/],
    [['--parse-threads', '0'], /--parse-threads: not a whole number of threads from 1 to 999: "0"/],
    [['--parse-threads', 'two'], /--parse-threads: .*"two"/],
  ] as const) {
    const io = memoryIO({ cwd: dir });
    assert.equal(await main(['serve', '--data', dir, '--token', TOKEN, '--port', '0', ...args], io), 2);
    assert.match(io.stderr.text, pattern);
    assert.doesNotMatch(io.stderr.text, /\n\s+at /);
  }
});

test('v8: an export that fails before its first byte is answered as v6 answers it, and nothing is kept of it', async (t) => {
  const s = await startServer({ headError: new QueryError('(invoice', 8, 'unbalanced parenthesis') });
  t.after(() => s.close());
  for (let i = 0; i < 2; i++) {
    const res = await download(s.base + v8('alice'), {}, '{"contentKeyword":"(invoice"}');
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      message: 'contentKeyword: unbalanced parenthesis at position 8 of "(invoice"',
      errorCode: 'ParameterValidationFailure',
      stackTrace: null,
    });
  }
  assert.equal(s.exporter.calls.length, 2, 'the failed export was not kept: the same request runs again');
  const failing = await startServer({ failAfter: 2 });
  t.after(() => failing.close());
  // Failing after its first bytes: the download is cut (not a complete-looking file), and nothing is kept.
  await assert.rejects(download(failing.base + v8('alice')));
  await waitFor(() => failing.logs.some((line) => /kept export .* failed/.test(line)));
  const again = await download(failing.base + v8('alice'), { Range: 'bytes=0-' });
  assert.equal(again.status, 416);
});
