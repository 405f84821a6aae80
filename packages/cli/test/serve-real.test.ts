/**
 * `pstream serve` as a process over a real data directory (the demo mailbox as `demo/`, mbox files), with the
 * real pipeline: the API's example requests with curl and fetch, the bodies read back (our checker, `unzip -t`,
 * pst-extractor), a download cut off halfway, and two exports at once.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkPst } from '@pstream/pst';
import { requireTool } from '../../pst/test/support/oracles.js';
import { main } from '../src/main.js';
import { curl } from './helpers/http-client.js';
import { memoryIO } from './helpers/memory-io.js';
import {
  ANSI_PST,
  DEMO_MAILBOX,
  dataDirectory,
  PSTREAM_NODE_ARGS,
  readMessages,
  unzipEntry,
  unzipTest,
  zipEntries,
} from './helpers/real-data.js';
import { SESSION, TOKEN } from './helpers/server-fixture.js';

/** The API's example requests: the v4 and v6 bodies of the README, and the v1.5 body (no size limit). */
const EXAMPLES = [
  {
    label: 'v4',
    path: (m: string) => `/v4/RestoreSessions/${SESSION}/Organization/Mailboxes/${m}/Action`,
    body: '{"exportToPst": {"contentKeywords": "support", "EnablePstSizeLimit": true, "PstSizeLimitBytes": 1073741824}}',
  },
  {
    label: 'v6',
    path: (m: string) => `/v6/RestoreSessions/${SESSION}/organization/mailboxes/${m}/exportToPst`,
    body: '{"contentKeyword": "support", "enablePstSizeLimit": true, "pstSizeLimitBytes": 1073741824}',
  },
  {
    label: 'v1.5 body',
    path: (m: string) => `/v4/RestoreSessions/${SESSION}/Organization/Mailboxes/${m}/Action`,
    body: '{"exporttoPst":{"contentKeywords":"support"}}',
  },
] as const;

interface Served {
  readonly child: ChildProcess;
  readonly base: string;
  readonly tmpDir: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

let root: string;
let dataDir: string;
/** What `pstream export` finds in the demo mailbox for "support". */
let demoMatched: number;
/** Without a part limit: each example gives one PST. */
let whole: Served;
/** With `--max-part-bytes 600000`: each example gives a ZIP of parts. */
let split: Served;

/** A deterministic incompressible payload of `size` bytes. */
function noise(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** An mbox of `count` messages, each with a `attachmentBytes` attachment: enough output to outlast every buffer. */
function bigMbox(count: number, attachmentBytes: number): string {
  const messages: string[] = [];
  for (let i = 0; i < count; i++) {
    const base64 = noise(`big-${i}`, attachmentBytes).toString('base64').replace(/.{76}/g, '$&\n');
    messages.push(
      [
        `From sender${i}@example.com Mon Jan  6 10:00:00 2025`,
        `From: Sender ${i} <sender${i}@example.com>`,
        'To: Bob <bob@example.com>',
        `Subject: Support report ${i}`,
        'Date: Mon, 6 Jan 2025 10:00:00 +0000',
        `Message-ID: <big-${i}@example.com>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Report ${i}, see the attachment.`,
        '--b',
        `Content-Type: application/octet-stream; name="report-${i}.bin"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="report-${i}.bin"`,
        '',
        base64.trimEnd(),
        '--b--',
        '',
      ].join('\n'),
    );
  }
  return messages.join('\n');
}

async function serve(extra: readonly string[]): Promise<Served> {
  const tmpDir = await mkdtemp(join(root, 'tmp-'));
  const child = spawn(
    process.execPath,
    [
      ...PSTREAM_NODE_ARGS,
      'serve',
      '--data',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--grace',
      '2',
      '--tmp-dir',
      tmpDir,
      ...extra,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PSTREAM_TOKEN: TOKEN },
    },
  );
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const served = { child, base: '', tmpDir, stderr: '', exited };
  child.stderr!.on('data', (c: Buffer) => (served.stderr += c.toString()));
  let stdout = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${served.stderr}`)));
  });
  return Object.assign(served, { base });
}

async function stop(served: Served): Promise<void> {
  served.child.kill('SIGTERM');
  assert.equal(await served.exited, 0, served.stderr);
}

/** The `pstream-*` directories in a server's `--tmp-dir`: the exports' own, and their sources' spools. */
async function tempDirs(served: Served): Promise<string[]> {
  return (await readdir(served.tmpDir)).filter((name) => name.startsWith('pstream-'));
}

/** The directories of exports in progress (without the sources' spools). */
async function exportDirs(served: Served): Promise<string[]> {
  return (await tempDirs(served)).filter((name) => !name.startsWith('pstream-source-'));
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Writes `bytes` to a file and returns its path. */
async function saved(name: string, bytes: Buffer): Promise<string> {
  const dir = await mkdtemp(join(root, 'body-'));
  const file = join(dir, name);
  await writeFile(file, bytes);
  return file;
}

/** Asserts that `file` is a clean PST and returns its message count (read by pst-extractor). */
async function cleanPstMessages(file: string): Promise<number> {
  const report = await checkPst(file, { strict: true });
  assert.deepEqual(report.errors, [], file);
  assert.equal(report.complete, true);
  return (await readMessages(file)).length;
}

/** Asserts that `file` is a sound ZIP of clean PST parts named after `mailbox`; returns the message count. */
async function cleanZipMessages(file: string, mailbox: string): Promise<{ parts: number; messages: number }> {
  const tested = await unzipTest(file);
  assert.ok(tested.ok, tested.output);
  const entries = await zipEntries(file);
  assert.ok(entries.length >= 2, entries.join(', '));
  assert.deepEqual(
    entries,
    entries.map((_, i) => `${mailbox}-${String(i + 1).padStart(3, '0')}.pst`),
  );
  let messages = 0;
  for (const entry of entries) {
    const part = join(`${file}.parts`, entry);
    await mkdir(join(`${file}.parts`), { recursive: true });
    await unzipEntry(file, entry, part);
    messages += await cleanPstMessages(part);
  }
  return { parts: entries.length, messages };
}

/** Starts a POST and resolves with the response once its first body chunk has arrived (then paused). */
function startDownload(url: string, body: string): Promise<{ res: IncomingMessage; first: Buffer; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } },
      (res) => {
        res.once('data', (first: Buffer) => {
          res.pause();
          resolve({ res, first, destroy: () => req.destroy() });
        });
        res.once('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Reads the rest of a paused response. */
async function rest(res: IncomingMessage, first: Buffer): Promise<Buffer> {
  const chunks = [first];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.resume();
  await once(res, 'end');
  return Buffer.concat(chunks);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pstream-serve-real-'));
  dataDir = await dataDirectory(root);
  await writeFile(join(dataDir, 'big.mbox'), bigMbox(120, 200 * 1024));
  await copyFile(ANSI_PST, join(dataDir, 'ansi.pst'));
  const io = memoryIO({ cwd: root });
  assert.equal(
    await main(
      ['export', '--source', DEMO_MAILBOX, '--keywords', 'support', '--out', join(root, 'reference'), '--json'],
      io,
    ),
    0,
    io.stderr.text,
  );
  demoMatched = (JSON.parse(io.stdout.text) as { matched: number }).matched;
  [whole, split] = await Promise.all([serve([]), serve(['--max-part-bytes', '600000'])]);
});

after(async () => {
  await Promise.all([whole, split].filter((s) => s !== undefined).map(stop));
  await rm(root, { recursive: true, force: true });
});

for (const [index, example] of EXAMPLES.entries()) {
  const client = index % 2 === 0 ? 'curl' : 'fetch';
  test(`${example.label} example with ${client}: 200, one PST that checks clean and holds every match`, async (t) => {
    if (client === 'curl' && !(await requireTool(t, 'curl', 'curl'))) return;
    const url = whole.base + example.path('demo');
    let status: number;
    let headers: (name: string) => string | undefined;
    let body: Buffer;
    if (client === 'curl') {
      const res = await curl(url, [
        '-X',
        'POST',
        '-H',
        `Authorization: Bearer ${TOKEN}`,
        '-H',
        'Content-Type: application/json',
        '--data-binary',
        example.body,
      ]);
      status = res.status;
      headers = (name) => res.headers[name] as string | undefined;
      body = res.body;
    } else {
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: example.body,
      });
      status = res.status;
      headers = (name) => res.headers.get(name) ?? undefined;
      body = Buffer.from(await res.arrayBuffer());
    }
    assert.equal(status, 200, body.toString());
    assert.equal(headers('content-type'), 'application/octet-stream');
    assert.equal(headers('content-disposition'), 'attachment; filename="demo.pst"');
    assert.equal(headers('cache-control'), 'no-store');
    assert.equal(headers('x-pstream-warnings'), undefined, 'no clamp: 1073741824 is 1 GiB');
    assert.equal(body.subarray(0, 4).toString('latin1'), '!BDN');
    assert.equal(await cleanPstMessages(await saved('demo.pst', body)), demoMatched);
  });
}

for (const [index, example] of EXAMPLES.entries()) {
  const client = index % 2 === 0 ? 'fetch' : 'curl';
  test(`${example.label} example with ${client} and small parts: 200, a ZIP of clean PSTs holding every match`, async (t) => {
    if (!(await requireTool(t, 'unzip', 'unzip'))) return;
    if (client === 'curl' && !(await requireTool(t, 'curl', 'curl'))) return;
    const url = split.base + example.path('demo');
    let body: Buffer;
    let disposition: string | undefined;
    if (client === 'curl') {
      const res = await curl(url, [
        '-X',
        'POST',
        '-H',
        `Authorization: Bearer ${TOKEN}`,
        '--data-binary',
        example.body,
      ]);
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.headers['content-type'], 'application/octet-stream');
      disposition = res.headers['content-disposition'] as string | undefined;
      body = res.body;
    } else {
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: example.body,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      disposition = res.headers.get('content-disposition') ?? undefined;
      body = Buffer.from(await res.arrayBuffer());
    }
    assert.equal(disposition, 'attachment; filename="demo.zip"');
    const zip = await cleanZipMessages(await saved('demo.zip', body), 'demo');
    assert.equal(zip.messages, demoMatched);
  });
}

test('the mbox mailbox: only the matching messages; a clamped limit is reported in X-Pstream-Warnings', async () => {
  const res = await fetch(`${whole.base}/v6/RestoreSessions/${SESSION}/organization/mailboxes/bob/exportToPst`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}` },
    body: '{"contentKeyword": "invoice", "enablePstSizeLimit": true, "pstSizeLimitBytes": 1000}',
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="bob.pst"');
  assert.match(
    decodeURIComponent(res.headers.get('x-pstream-warnings') ?? ''),
    /pstSizeLimitBytes 1000 is below the minimum of 1 GiB/,
  );
  const file = await saved('bob.pst', Buffer.from(await res.arrayBuffer()));
  assert.equal(await cleanPstMessages(file), 2);
  assert.deepEqual((await readMessages(file)).map((m) => m.messageId).sort(), ['<1@example.com>', '<3@example.com>']);
});

test('refusals against the real pipeline: a malformed query is a 400, an unreadable mailbox a 500 naming it', async (t) => {
  if (!(await requireTool(t, 'curl', 'curl'))) return;
  const query = await curl(`${whole.base}/v6/RestoreSessions/${SESSION}/organization/mailboxes/demo/exportToPst`, [
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    '--data-binary',
    '{"contentKeyword": "support AND ("}',
  ]);
  assert.equal(query.status, 400);
  assert.match(JSON.parse(query.body.toString()).message, /^contentKeyword: .* at position 13 of "support AND \("$/);
  const ansi = await curl(`${whole.base}/v6/RestoreSessions/${SESSION}/organization/mailboxes/ansi/exportToPst`, [
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    '--data-binary',
    '{}',
  ]);
  assert.equal(ansi.status, 500);
  const message = JSON.parse(ansi.body.toString()).message as string;
  assert.match(message, /^mailbox "ansi" cannot be read: ANSI/);
  assert.doesNotMatch(message, new RegExp(root), 'no server-side path in the answer');
});

test('a download cut off halfway aborts the export and leaves no pstream-* directory in --tmp-dir', async () => {
  await until(async () => (await tempDirs(split)).length === 0); // earlier exports have cleaned up
  const download = await startDownload(
    `${split.base}/v6/RestoreSessions/${SESSION}/organization/mailboxes/big/exportToPst`,
    '{}',
  );
  assert.equal(download.res.statusCode, 200);
  assert.equal(download.res.headers['content-disposition'], 'attachment; filename="big.zip"');
  assert.equal(download.first.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  // The client reads no more: the export waits, its parts on disk.
  try {
    assert.equal((await exportDirs(split)).length, 1);
  } finally {
    download.destroy();
  }
  await until(async () => (await tempDirs(split)).length === 0);
  await until(async () => /big\/exportToPst aborted/.test(split.stderr));
});

test('two exports at once: both run side by side and both answers are complete', async (t) => {
  if (!(await requireTool(t, 'unzip', 'unzip'))) return;
  const url = `${split.base}/v4/RestoreSessions/${SESSION}/Organization/Mailboxes/big/Action`;
  const body =
    '{"exportToPst": {"contentKeywords": "support", "EnablePstSizeLimit": true, "PstSizeLimitBytes": 1073741824}}';
  await until(async () => (await tempDirs(split)).length === 0); // earlier exports have cleaned up
  const [one, two] = await Promise.all([startDownload(url, body), startDownload(url, body)]);
  try {
    assert.equal((await exportDirs(split)).length, 2, 'two exports in progress at the same time');
  } catch (error) {
    one.destroy();
    two.destroy();
    throw error;
  }
  const [first, second] = await Promise.all([rest(one.res, one.first), rest(two.res, two.first)]);
  for (const [i, bytes] of [first, second].entries()) {
    const zip = await cleanZipMessages(await saved(`big-${i}.zip`, bytes), 'big');
    assert.equal(zip.messages, 120);
  }
  await until(async () => (await tempDirs(split)).length === 0);
});
