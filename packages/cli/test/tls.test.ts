/** `pstream serve --tls-cert F --tls-key F`: the same API over HTTPS (needs the openssl command). */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireTools } from '../../pst/test/support/oracles.js';
import { main } from '../src/main.js';
import { expectedBytes, fakeExporter, fakeSources } from './helpers/fake-deps.js';
import { curl, waitFor } from './helpers/http-client.js';
import { memoryIO } from './helpers/memory-io.js';
import { SESSION, TOKEN } from './helpers/server-fixture.js';

test('serve over HTTPS with --tls-cert/--tls-key, token from PSTREAM_TOKEN, stopped by its signal', async (t) => {
  if (
    !(await requireTools(t, [
      { command: 'openssl', debianPackage: 'openssl' },
      { command: 'curl', debianPackage: 'curl' },
    ]))
  )
    return;
  const dir = await mkdtemp(join(tmpdir(), 'pstream-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  await writeFile(join(dir, 'alice.mbox'), 'From a\n\n');
  const exporter = fakeExporter();
  const sources = fakeSources();
  const controller = new AbortController();
  const io = memoryIO({ cwd: dir, env: { PSTREAM_TOKEN: TOKEN }, signal: controller.signal });
  const run = main(['serve', '--data', '.', '--port', '0', '--tls-cert', 'cert.pem', '--tls-key', 'key.pem'], io, {
    exportToPst: exporter.exportToPst,
    openSource: sources.openSource,
  });
  await waitFor(() => /https:\/\/127\.0\.0\.1:\d+/.test(io.stdout.text));
  const port = /https:\/\/127\.0\.0\.1:(\d+)/.exec(io.stdout.text)![1];
  const url = `https://127.0.0.1:${port}/v6/RestoreSessions/${SESSION}/organization/mailboxes/alice/exportToPst`;
  const res = await curl(url, ['--cacert', cert, '-X', 'POST', '-H', `Authorization: Bearer ${TOKEN}`]);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, expectedBytes('alice', 4, 64 * 1024));
  const denied = await curl(url, ['--cacert', cert, '-X', 'POST']);
  assert.equal(denied.status, 401);
  controller.abort();
  assert.equal(await run, 0);
  assert.match(io.stderr.text, /pstream: stopped/);
});
