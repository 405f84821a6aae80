/**
 * Load on `pstream serve` (a real process on 127.0.0.1, from the TypeScript sources): 8 concurrent exports of a
 * generated mailbox (4 whole-mailbox ZIPs, 4 keyword-selected PSTs), while 20 more clients connect and vanish (before
 * sending a whole request, right after sending it, or after reading a little of the body). Every download is read
 * back (unzip -t, checkPst, pst-extractor: exactly the expected Message-IDs); afterwards --tmp-dir is empty and the
 * server's open file descriptors are back to their count before the load. Peak RSS and descriptor counts are
 * reported as diagnostics (the README's reliability section quotes them); the memory assertion is that RSS growth per
 * running export stays below the size of one whole download (a server holding exports in memory breaks it).
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { checkPst } from '@pstream/pst';
import { requireTool } from '../../../pst/test/support/oracles.js';
import { type GeneratedMailbox, generateMailbox, pollFor } from '../faults/support.js';
import { PSTREAM_NODE_ARGS, readMessages, unzipTest, zipEntries } from '../helpers/real-data.js';
import { type RunningServe, spawnServe } from '../helpers/serve-process.js';
import { SESSION, TOKEN } from '../helpers/server-fixture.js';

const execFileAsync = promisify(execFile);
const MIB = 1024 * 1024;
/** LOAD_HEAP_MIB=64 runs the server with its V8 heap capped (it passes, slowly: GC); uncapped by default. */
const HEAP_CAP_MIB = process.env.LOAD_HEAP_MIB;
const PATH = `/v6/RestoreSessions/${SESSION}/organization/mailboxes/mailbox/exportToPst`;

let root: string;
let mailbox: GeneratedMailbox;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pstream-cli-load-'));
  const data = join(root, 'data');
  await mkdir(data);
  // The data directory holds the .eml tree `mailbox/` (and the generator's expected.json, which is no mailbox).
  mailbox = await generateMailbox(data, 400, 40_000_000);
});
after(() => rm(root, { recursive: true, force: true }));

function startServer(tmp: string): Promise<RunningServe> {
  return spawnServe(
    [...(HEAP_CAP_MIB ? [`--max-old-space-size=${HEAP_CAP_MIB}`] : []), ...PSTREAM_NODE_ARGS],
    ['--data', join(root, 'data'), '--token', TOKEN, '--tmp-dir', tmp, '--max-part-bytes', '16MiB'],
  );
}

/** Open file descriptors of `pid`. */
async function fdCount(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM). */
async function statusBytes(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** POSTs `body` and saves the response body to `file`; resolves with the status and content type. */
function download(
  port: number,
  body: string,
  file: string,
): Promise<{ status: number; type: string; disposition: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: PATH,
        agent: false,
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        pipeline(res, createWriteStream(file)).then(
          () =>
            resolve({
              status: res.statusCode ?? 0,
              type: String(res.headers['content-type']),
              disposition: String(res.headers['content-disposition']),
            }),
          reject,
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

type Vanish = 'mid-request' | 'after-request' | 'mid-body';

/** A client that goes away: resolves once its socket is closed, with the body bytes it had read. */
function vanishingClient(port: number, how: Vanish, body: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let read = 0;
    let headerDone = false;
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(read));
    const head = `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    socket.once('connect', () => {
      if (how === 'mid-request') {
        socket.write(head.slice(0, 40));
        setTimeout(() => socket.destroy(), 50);
        return;
      }
      socket.write(head + body);
      if (how === 'after-request') setTimeout(() => socket.destroy(), 20);
    });
    socket.on('data', (chunk: Buffer) => {
      if (!headerDone) {
        const end = chunk.indexOf('\r\n\r\n');
        if (end < 0) return;
        headerDone = true;
        chunk = chunk.subarray(end + 4);
      }
      read += chunk.length;
      if (how === 'mid-body' && read >= 64 * 1024) socket.destroy();
    });
  });
}

/** Checks one downloaded PST: checkPst (strict) and the Message-IDs pst-extractor reads. */
async function pstIds(file: string): Promise<string[]> {
  const report = await checkPst(file, { strict: true });
  assert.ok(report.ok, `${file}: ${report.errors.map((e) => e.message).join('; ')}`);
  return (await readMessages(file)).map((m) => m.messageId);
}

test('8 concurrent exports and 20 vanishing clients: every download correct, tmp empty, fds back to baseline, RSS bounded', async (t) => {
  if (!(await requireTool(t, 'unzip', 'unzip'))) return;
  const work = await mkdtemp(join(tmpdir(), 'pstream-cli-load-run-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const tmp = join(work, 'tmp');
  const downloads = join(work, 'downloads');
  await mkdir(tmp);
  await mkdir(downloads);
  const server = await startServer(tmp);
  t.after(() => void server.child.kill('SIGKILL'));
  const pid = server.child.pid!;
  const keywordBody = JSON.stringify({ contentKeyword: mailbox.keyword });

  // Warm-up: one export, so that lazily opened descriptors (if any) count in the baseline.
  const warm = await download(server.port, keywordBody, join(downloads, 'warm-up'));
  assert.equal(warm.status, 200);
  await pollFor(
    'an idle server after the warm-up',
    async () => ((await readdir(tmp)).length === 0 ? true : undefined),
    30_000,
  );
  const baselineFds = await fdCount(pid);
  const baselineRss = await statusBytes(pid, 'VmRSS');

  // Sample the server while the load runs.
  let peakFds = baselineFds;
  let peakRss = baselineRss;
  let peakTmpEntries = 0;
  let sampling = true;
  t.after(() => {
    sampling = false;
  });
  const sampler = (async () => {
    while (sampling && server.child.exitCode === null) {
      peakFds = Math.max(peakFds, await fdCount(pid));
      peakRss = Math.max(peakRss, await statusBytes(pid, 'VmRSS'));
      peakTmpEntries = Math.max(peakTmpEntries, (await readdir(tmp)).length);
      await new Promise((r) => setTimeout(r, 50));
    }
  })().catch(() => undefined); // the server may be gone when a failed test ends

  const started = Date.now();
  const kinds = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 'all' : 'keyword'));
  const exports = kinds.map((kind, i) =>
    download(server.port, kind === 'all' ? '{}' : keywordBody, join(downloads, `d${i}`)),
  );
  // The vanishing clients come while the exports run, one every 100 ms.
  const plan: Vanish[] = [
    ...Array<Vanish>(5).fill('mid-request'),
    ...Array<Vanish>(5).fill('after-request'),
    ...Array<Vanish>(10).fill('mid-body'),
  ];
  const vanished: Promise<number>[] = [];
  for (const [i, how] of plan.entries()) {
    await new Promise((r) => setTimeout(r, 100));
    vanished.push(vanishingClient(server.port, how, i % 2 === 0 ? '{}' : keywordBody));
  }
  const results = await Promise.all(exports).catch((error: Error) => {
    throw new Error(`a download failed (${error.message}); server log:\n${server.stderr}`);
  });
  const readByVanished = await Promise.all(vanished);
  const loadSeconds = (Date.now() - started) / 1000;

  // Afterwards: nothing in tmp, descriptors back to the baseline (bounded wait: aborted exports wind down).
  await pollFor('an empty --tmp-dir', async () => ((await readdir(tmp)).length === 0 ? true : undefined), 30_000);
  const settledFds = await pollFor(
    'the descriptor count back to its baseline',
    async () => {
      const n = await fdCount(pid);
      return n <= baselineFds ? n : undefined;
    },
    30_000,
  ).catch(async (error: Error) => {
    const links = await Promise.all(
      (await readdir(`/proc/${pid}/fd`)).map((fd) =>
        execFileAsync('readlink', [`/proc/${pid}/fd/${fd}`]).then((r) => r.stdout.trim()),
      ),
    );
    throw new Error(`${error.message}: baseline ${baselineFds}, open now: ${links.join(', ')}`);
  });
  sampling = false;
  await sampler;
  const hwm = await statusBytes(pid, 'VmHWM');

  // Every download is complete and correct.
  let servedBytes = 0;
  let largest = 0;
  for (const [i, result] of results.entries()) {
    const file = join(downloads, `d${i}`);
    assert.equal(
      result.status,
      200,
      `download ${i}: ${(await readFile(file, 'utf8').catch(() => '')).slice(0, 200)}; server 5xx lines:\n${server.stderr
        .split('\n')
        .filter((l) => / 5\d\d /.test(l) && !/client closed/.test(l))
        .join('\n')}`,
    );
    assert.equal(result.type, 'application/octet-stream');
    const size = (await readFile(file)).length;
    servedBytes += size;
    largest = Math.max(largest, size);
    if (kinds[i] === 'all') {
      assert.match(result.disposition, /filename="mailbox\.zip"/);
      const tested = await unzipTest(file);
      assert.ok(tested.ok, `download ${i}: ${tested.output}`);
      const ids: string[] = [];
      const entries = await zipEntries(file);
      assert.ok(entries.length >= 2, `download ${i}: ${entries.length} parts`);
      const parts = join(work, `parts-${i}`);
      await execFileAsync('unzip', ['-q', '-o', file, '-d', parts]);
      for (const entry of entries) ids.push(...(await pstIds(join(parts, entry))));
      await rm(parts, { recursive: true, force: true });
      assert.equal(ids.length, mailbox.messages, `download ${i}: every message once`);
      assert.deepEqual(new Set(ids), mailbox.messageIds);
    } else {
      assert.match(result.disposition, /filename="mailbox\.pst"/);
      const ids = await pstIds(file);
      assert.equal(ids.length, mailbox.matchedIds.size, `download ${i}: the keyword selection`);
      assert.deepEqual(new Set(ids), mailbox.matchedIds);
    }
    await rm(file);
  }

  const aborted = (server.stderr.match(/ aborted: /g) ?? []).length;
  const refused = server.stderr.split('\n').filter((l) => / 5\d\d /.test(l) && !/client closed/.test(l));
  if (refused.length > 0) t.diagnostic(`server 5xx answers:\n${refused.join('\n')}`);
  t.diagnostic(
    `mailbox: ${mailbox.messages} messages; 8 downloads (${(servedBytes / MIB).toFixed(1)} MiB in all) in ${loadSeconds.toFixed(1)} s with 20 vanishing clients`,
  );
  t.diagnostic(
    `vanishing clients read ${readByVanished.join(',')} body bytes; server log: ${aborted} downloads cut off mid-body`,
  );
  t.diagnostic(
    `server fds: baseline ${baselineFds}, peak ${peakFds}, after ${settledFds}; tmp entries peak ${peakTmpEntries}, after 0`,
  );
  t.diagnostic(
    `server RSS: baseline ${(baselineRss / MIB).toFixed(0)} MiB, peak sampled ${(peakRss / MIB).toFixed(0)} MiB, VmHWM ${(hwm / MIB).toFixed(0)} MiB`,
  );
  // Memory per running export stays below the size of one whole-mailbox download: no export is held in memory (the
  // peak count of pstream-* dirs in tmp is the peak number of exports running at once).
  const perExport = (hwm - baselineRss) / Math.max(1, peakTmpEntries);
  t.diagnostic(
    `RSS growth per concurrent export: ${(perExport / MIB).toFixed(1)} MiB; largest download ${(largest / MIB).toFixed(1)} MiB`,
  );
  assert.ok(perExport < largest, `RSS grew by ${hwm - baselineRss} bytes for ${peakTmpEntries} concurrent exports`);

  server.child.kill('SIGTERM');
  const [code] = (await once(server.child, 'exit')) as [number | null];
  assert.equal(code, 0, server.stderr);
});
