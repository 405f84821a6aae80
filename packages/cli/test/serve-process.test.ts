/**
 * `pstream serve` as a real process: SIGTERM stops accepting connections, lets running downloads
 * finish (within the grace period), then the process exits 0.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { expectedBytes } from './helpers/fake-deps.js';
import { waitFor } from './helpers/http-client.js';
import { type RunningServe, spawnServe } from './helpers/serve-process.js';
import { SESSION, TOKEN } from './helpers/server-fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
const FAKE = join(here, 'helpers', 'serve-with-fake-exporter.ts');

/** Starts `script serve …` from the TypeScript sources. */
function spawnScript(script: string, args: readonly string[]): Promise<RunningServe> {
  return spawnServe(['--conditions=source', '--import', 'tsx', script], args);
}

/** What a fresh connection attempt gets: `refused`, or the response status. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'GET', path: '/', agent: false }, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' ? 'refused' : `error ${error.code}`),
    );
    req.end();
  });
}

async function dataDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-serve-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'alice.mbox'), 'From a\n\n');
  return dir;
}

test('SIGTERM: no new connections, the running download finishes, exit 0', async (t) => {
  const dir = await dataDir(t);
  const server = await spawnScript(FAKE, ['--data', dir, '--token', TOKEN]);
  t.after(() => void server.child.kill('SIGKILL'));
  const chunks: Buffer[] = [];
  let status = 0;
  const done = new Promise<void>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/v6/RestoreSessions/${SESSION}/organization/mailboxes/alice/exportToPst`,
        headers: { Authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        status = res.statusCode ?? 0;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
  await waitFor(() => chunks.length > 0); // the export is paused after its first chunk
  server.child.kill('SIGTERM');
  await waitFor(() => server.stderr.includes('stopping'));
  assert.equal(await tryConnect(server.port), 'refused', 'new connections are refused while the download runs');
  server.child.kill('SIGUSR2'); // lets the fake export go on
  await done;
  assert.equal(status, 200);
  assert.deepEqual(Buffer.concat(chunks), expectedBytes('alice', 8, 64 * 1024));
  assert.equal(await server.exited, 0);
  assert.match(server.stderr, /pstream: stopped/);
});

test('SIGTERM: a download still running after the grace period is cut off, then the process exits', async (t) => {
  const dir = await dataDir(t);
  const server = await spawnScript(FAKE, ['--data', dir, '--token', TOKEN, '--grace', '0.2']);
  t.after(() => void server.child.kill('SIGKILL'));
  let received = 0;
  const outcome = new Promise<string>((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/v6/RestoreSessions/${SESSION}/organization/mailboxes/alice/exportToPst`,
        headers: { Authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('end', () => resolve('ended'));
        res.on('error', () => resolve('cut'));
        res.on('aborted', () => resolve('cut'));
      },
    );
    req.on('error', () => resolve('cut'));
    req.end();
  });
  await waitFor(() => received > 0);
  server.child.kill('SIGTERM');
  assert.equal(await outcome, 'cut');
  assert.equal(await server.exited, 0);
  assert.match(server.stderr, /grace period over/);
  assert.ok(received < 8 * 64 * 1024);
});

test('the real binary serves, answers 401 without the token and stops on SIGTERM', async (t) => {
  const dir = await dataDir(t);
  const server = await spawnScript(MAIN, ['--data', dir, '--token', TOKEN]);
  t.after(() => void server.child.kill('SIGKILL'));
  const res = await fetch(
    `http://127.0.0.1:${server.port}/v6/RestoreSessions/${SESSION}/organization/mailboxes/alice/exportToPst`,
    { method: 'POST' },
  );
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), {
    message: 'missing or wrong bearer token',
    errorCode: 'Unauthorized',
    stackTrace: null,
  });
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.match(server.stderr, /pstream: stopped/);
});

test('the real binary stops on SIGHUP (its terminal closed) as on SIGTERM: exit 0', async (t) => {
  const dir = await dataDir(t);
  const server = await spawnScript(MAIN, ['--data', dir, '--token', TOKEN]);
  t.after(() => void server.child.kill('SIGKILL'));
  server.child.kill('SIGHUP');
  assert.equal(await server.exited, 0);
  assert.match(server.stderr, /pstream: stopped/);
});

test('the real binary: a usage error exits 2 with one line and no stack trace', async () => {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', MAIN, 'export', '--source', 'x.mbox', '--limit', '12 parsecs'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /^pstream export: --limit: not a size: "12 parsecs"/);
  assert.doesNotMatch(stderr, /\n\s+at /);
});
