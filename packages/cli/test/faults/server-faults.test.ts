/**
 * Faults behind the server (createPstreamServer in-process on 127.0.0.1, the real pipeline): a full --tmp-dir and a
 * mailbox that fails before its first part is written. Each is answered with a JSON 500 (never a 200 cut short), the
 * log names the cause, tmp is left empty and the server goes on serving.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MessageSource } from '@pstream/sources';
import { createPstreamServer } from '../../src/index.js';
import { rawRequest } from '../helpers/http-client.js';
import { MBOX } from '../helpers/real-data.js';
import { SESSION, TOKEN } from '../helpers/server-fixture.js';
import { type GeneratedMailbox, generateMailbox, pollFor, smallTmpfs } from './support.js';

let root: string;
let data: string;
let mailbox: GeneratedMailbox;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pstream-cli-server-faults-'));
  data = join(root, 'data');
  await mkdir(data);
  mailbox = await generateMailbox(data, 200, 20_000_000); // data/mailbox: a 16 MB PST
  await writeFile(join(data, 'small.mbox'), MBOX);
});
after(() => rm(root, { recursive: true, force: true }));

async function serve(
  t: { after: (fn: () => Promise<void>) => void },
  tmpDir: string,
  deps?: Parameters<typeof createPstreamServer>[0]['deps'],
) {
  const logs: string[] = [];
  const server = createPstreamServer({
    dataDir: data,
    token: TOKEN,
    tmpDir,
    log: (line) => logs.push(line),
    ...(deps ? { deps } : {}),
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (id: string) =>
    rawRequest(
      base,
      'POST',
      `/v6/RestoreSessions/${SESSION}/organization/mailboxes/${id}/exportToPst`,
      { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      '{}',
    );
  return { logs, post };
}

test('server: --tmp-dir full: a JSON 500 before any byte, ENOSPC in the log, tmp empty, the next export is served', async (t) => {
  const small = await smallTmpfs(t, '8m');
  if (!small) return;
  const { logs, post } = await serve(t, small);
  const failed = await post('mailbox');
  assert.equal(failed.status, 500);
  assert.deepEqual(JSON.parse(failed.body.toString()), {
    message: 'the export failed',
    errorCode: 'InternalError',
    stackTrace: null,
  });
  assert.ok(
    logs.some((l) => / 500 .*ENOSPC/.test(l)),
    logs.join('\n'),
  );
  assert.deepEqual(await readdir(small), [], 'the 500 comes after the temporary files are gone');
  const ok = await post('small');
  assert.equal(ok.status, 200);
  assert.equal(ok.body.subarray(0, 4).toString('latin1'), '!BDN');
  // A download's last byte goes out before its cleanup ends: wait (bounded) for the dir to go.
  await pollFor(
    'an empty tmp after the download',
    async () => ((await readdir(small)).length === 0 ? true : undefined),
    10_000,
  );
  t.diagnostic(`${mailbox.messages} messages could not fit; the small mailbox was then served`);
});

test('server: a source failing at its first message: a JSON 500, not a 200 cut short; tmp empty', async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'pstream-cli-server-faults-tmp-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  // The real openSource for the probe, then a source whose reader fails (a disk error) for the export itself.
  const failing = (path: string): MessageSource => ({
    kind: 'mbox',
    path,
    name: 'small',
    folders: async function* () {},
    // biome-ignore lint/correctness/useYield: a reader that fails before its first message is a generator that throws at once
    messages: async function* () {
      throw Object.assign(new Error(`EIO: i/o error, read '${path}'`), { code: 'EIO' });
    },
    close: async () => undefined,
  });
  const { exportToPst } = await import('@pstream/export');
  const { logs, post } = await serve(t, tmp, {
    exportToPst: (options) =>
      exportToPst({ ...options, sources: options.sources.map((s) => (typeof s === 'string' ? failing(s) : s)) }),
  });
  const res = await post('small');
  assert.equal(res.status, 500, res.body.toString());
  assert.deepEqual(JSON.parse(res.body.toString()), {
    message: 'the export failed',
    errorCode: 'InternalError',
    stackTrace: null,
  });
  assert.ok(
    logs.some((l) => / 500 EIO: i\/o error/.test(l)),
    logs.join('\n'),
  );
  assert.deepEqual(await readdir(tmp), [], 'the 500 comes after the temporary files are gone');
});
