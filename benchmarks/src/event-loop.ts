#!/usr/bin/env node
/**
 * `node benchmarks/dist/src/event-loop.js [--json] [--quick] [--messages N] [--mailbox-dir DIR] [--tmp DIR] [--interval-ms N]`
 *
 * How long the server's event loop is held while it streams an export. `pstream serve` runs as a child process over
 * a generated mailbox (`@pstream/fixtures`, seed 5, 30 % of messages with attachments up to 2 MiB: about 1 GB of PST
 * with the default 9,000 messages). One client, a process of its own, downloads the whole mailbox, no keyword, no size
 * limit, and throws the bytes away; a second client meanwhile sends a cheap request (a wrong bearer token: a 401, answered before any
 * export code runs) every `--interval-ms`, one at a time over a kept-alive connection, and times each answer. The
 * same ping loop runs for two seconds before the download, with the server idle: its figures are what the client,
 * the loopback and HTTP parsing cost, the floor under the busy ones. The server and the generator run from their build
 * (`pnpm -s build` first), or from source when this file does (the tests).
 *
 * The reference, taken in the same run: a bare `node:http` server in a process of its own, which answers every request
 * with the same 401 and runs nothing else. The pings alternate between the two servers, idle and busy alike, so that
 * both see the same machine at the same moments: while the export runs, the reference's figures are what the
 * machine's load alone (the export's threads, the downloading client, the other processes on the cores) does to a
 * server whose event loop is always free; the difference is what `pstream serve`'s own event loop adds.
 *
 * The mailbox is generated once into `--mailbox-dir` (by default under the temporary directory, named after its
 * parameters) and reused by later runs. Figures are reported, never asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { integerFlag, readFlags } from './args.js';
import { runCli } from './cli.js';

export interface EventLoopBenchOptions {
  readonly json: boolean;
  readonly quick: boolean;
  readonly messages: number;
  readonly mailboxDir: string | null;
  readonly tmp: string;
  readonly intervalMs: number;
}

/** Latencies of the cheap requests, in milliseconds. */
export interface LatencyFigures {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface EventLoopReport {
  readonly messages: number;
  /** Bytes of the downloaded export, and how long it took. */
  readonly exportBytes: number;
  readonly exportSeconds: number;
  readonly exportMBps: number;
  /** The cheap requests while the server was idle, and while it streamed the export. */
  readonly idle: LatencyFigures;
  readonly busy: LatencyFigures;
  /** The same requests to the reference server (a bare HTTP server), at the same moments. */
  readonly referenceIdle: LatencyFigures;
  readonly referenceBusy: LatencyFigures;
  /** 1-minute load average when the run started. */
  readonly load: number;
}

const USAGE = 'usage: event-loop [--json] [--quick] [--messages N] [--mailbox-dir DIR] [--tmp DIR] [--interval-ms N]';
const TOKEN = 'bench-token';
const SESSION = '00000000-0000-4000-8000-000000000000';
const MAILBOX = 'bench';
const SEED = '5';
const IDLE_MS = 2000;

export function parseArgs(argv: readonly string[]): EventLoopBenchOptions | 'help' {
  const flags = readFlags(
    argv,
    {
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      messages: { type: 'string' },
      'mailbox-dir': { type: 'string' },
      tmp: { type: 'string' },
      'interval-ms': { type: 'string' },
    },
    USAGE,
  );
  if (flags.help) return 'help';
  const quick = flags.quick ?? false;
  return {
    json: flags.json ?? false,
    quick,
    messages: integerFlag('messages', flags.messages, 1) ?? (quick ? 200 : 9000),
    mailboxDir: flags['mailbox-dir'] ?? null,
    tmp: flags.tmp ?? tmpdir(),
    intervalMs: integerFlag('interval-ms', flags['interval-ms'], 1) ?? 10,
  };
}

/** The repository root (this file is `benchmarks/{src,dist/src}/event-loop.{ts,js}`). */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the repository root (pnpm-workspace.yaml) was not found');
    dir = parent;
  }
  return dir;
}

/**
 * The Node arguments that run a workspace script: its TypeScript source under tsx when this file runs from source
 * (the tests), else its build: `name` is the script under `<pkg>/src` (or `<pkg>/dist/src`), without extension.
 */
function script(root: string, pkg: string, name: string): string[] {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  return fromSource
    ? ['--conditions=source', '--import', 'tsx', join(root, pkg, 'src', `${name}.ts`)]
    : [join(root, pkg, 'dist', 'src', `${name}.js`)];
}

async function run(command: readonly string[], args: readonly string[]): Promise<void> {
  const child = spawn(process.execPath, [...command, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`${command.join(' ')} exited with ${code}`);
}

/** The generated mailbox, as the data directory the server serves (`<dir>/data/bench` is the .eml tree). */
async function ensureMailbox(root: string, options: EventLoopBenchOptions): Promise<string> {
  const dir = resolve(options.mailboxDir ?? join(options.tmp, `pstream-bench-event-loop-${options.messages}-s${SEED}`));
  const data = join(dir, 'data');
  if (!existsSync(join(dir, 'gen', 'summary.json'))) {
    if (!options.json) process.stderr.write(`generating ${options.messages} messages into ${dir}…\n`);
    await rm(dir, { recursive: true, force: true });
    await run(script(root, 'fixtures', 'cli'), [
      '--out',
      join(dir, 'gen'),
      '--messages',
      String(options.messages),
      '--seed',
      SEED,
      '--attachment-share',
      '0.3',
      '--attachment-max',
      '2MiB',
    ]);
  }
  // The server's mailboxes are the entries of its data directory: a link names this one.
  if (!existsSync(join(data, MAILBOX))) {
    await mkdir(data, { recursive: true });
    await symlink(join(dir, 'gen', 'mailbox'), join(data, MAILBOX));
  }
  return data;
}

/** Starts `pstream serve` on a free port; resolves with its base URL once it listens. */
async function startServer(root: string, data: string, tmpDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(
    process.execPath,
    [
      ...script(root, 'packages/cli', 'main'),
      'serve',
      '--data',
      data,
      '--port',
      '0',
      '--token',
      TOKEN,
      '--tmp-dir',
      tmpDir,
    ],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return { child, base: await listeningOn(child, 'pstream serve') };
}

/** The base URL a server `child` prints once it listens ("… on http://…"). */
async function listeningOn(child: ChildProcess, name: string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const match = /on (http:\/\/\S+)/.exec(line);
    if (match) {
      lines.close();
      return match[1]!;
    }
  }
  throw new Error(`${name} exited before it listened`);
}

/** One cheap request (wrong token: 401); resolves with its round-trip time in milliseconds. */
function ping(base: string, agent: Agent): Promise<number> {
  return new Promise((resolvePing, reject) => {
    const start = performance.now();
    const req = request(`${base}/v6/RestoreSessions/${SESSION}/organization/mailboxes/${MAILBOX}/exportToPst`, {
      method: 'POST',
      agent,
      headers: { authorization: 'Bearer wrong', 'content-length': '0' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 401) reject(new Error(`the cheap request got ${res.statusCode}, not 401`));
        else resolvePing(performance.now() - start);
      });
    });
    req.end();
  });
}

/**
 * Pings every `intervalMs`, one request at a time, taking `bases` in turn (each over a kept-alive connection of its
 * own), in whole rounds until `until` settles: every base gets as many requests. Returns the round-trip times of each.
 */
async function pingLoop(bases: readonly string[], intervalMs: number, until: Promise<unknown>): Promise<number[][]> {
  const agents = bases.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const times = bases.map((): number[] => []);
  let done = false;
  void until.finally(() => {
    done = true;
  });
  try {
    while (!done) {
      for (const [i, base] of bases.entries()) {
        times[i]!.push(await ping(base, agents[i]!));
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return times;
}

/**
 * The reference server: `node:http` alone, answering every request with the 401 `pstream serve` gives a wrong token
 * (the same status, headers and body). It prints the address it listens on, as `pstream serve` does.
 */
const REFERENCE_SERVER = `
const body = JSON.stringify({ message: 'missing or wrong bearer token', errorCode: 'Unauthorized', stackTrace: null });
const server = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(401, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'www-authenticate': 'Bearer',
    });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log('reference server on http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => process.exit(0));
`;

/** Starts the reference server; resolves with its base URL once it listens. */
async function startReference(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['-e', REFERENCE_SERVER], { stdio: ['ignore', 'pipe', 'ignore'] });
  return { child, base: await listeningOn(child, 'the reference server') };
}

/**
 * The downloading client, run as a process of its own: receiving a gigabyte in the pinging process would hold its
 * event loop too, and the pings would measure the client's delays along with the server's. It prints the bytes
 * received, or exits 1 naming what went wrong.
 */
const DOWNLOADER = `
const { request } = require('node:http');
const [url, token, body] = process.argv.slice(1);
const req = request(url, { method: 'POST', headers: { authorization: 'Bearer ' + token,
  'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } });
req.on('error', (e) => { console.error(e.message); process.exit(1); });
req.on('response', (res) => {
  if (res.statusCode !== 200) { console.error('the export request got ' + res.statusCode); process.exit(1); }
  let bytes = 0;
  res.on('data', (chunk) => { bytes += chunk.length; });
  res.on('end', () => { if (!res.complete) { console.error('the export was cut off'); process.exit(1); } console.log(bytes); });
});
req.end(body);
`;

/** Downloads the whole mailbox (no keyword, no limit) in a process of its own; resolves with the bytes received. */
async function download(base: string): Promise<number> {
  const body = '{"exportToPst": {"contentKeywords": null}}';
  const url = `${base}/v4/RestoreSessions/${SESSION}/Organization/Mailboxes/${MAILBOX}/Action`;
  const child = spawn(process.execPath, ['-e', DOWNLOADER, url, TOKEN, body], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`the download failed: ${err.trim() || `exit code ${code}`}`);
  return Number(out.trim());
}

export function latencyFigures(times: readonly number[]): LatencyFigures {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return {
    count: sorted.length,
    p50: round2(at(0.5)),
    p99: round2(at(0.99)),
    max: round2(sorted[sorted.length - 1] ?? 0),
  };
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export async function runEventLoopBench(options: EventLoopBenchOptions): Promise<EventLoopReport> {
  const root = repositoryRoot();
  const load = loadavg()[0]!;
  const data = await ensureMailbox(root, options);
  const tmpDir = await mkdtemp(join(options.tmp, 'pstream-bench-event-loop-'));
  const children: ChildProcess[] = [];
  try {
    const server = await startServer(root, data, tmpDir);
    children.push(server.child);
    const reference = await startReference();
    children.push(reference.child);
    const bases = [server.base, reference.base];
    const [idle, referenceIdle] = await pingLoop(
      bases,
      options.intervalMs,
      new Promise((r) => setTimeout(r, options.quick ? 200 : IDLE_MS)),
    );
    const start = performance.now();
    const exported = download(server.base);
    const [busy, referenceBusy] = await pingLoop(bases, options.intervalMs, exported);
    const exportBytes = await exported;
    const exportSeconds = (performance.now() - start) / 1000;
    return {
      messages: options.messages,
      exportBytes,
      exportSeconds: round2(exportSeconds),
      exportMBps: Math.round(exportBytes / 1e6 / exportSeconds),
      idle: latencyFigures(idle!),
      busy: latencyFigures(busy!),
      referenceIdle: latencyFigures(referenceIdle!),
      referenceBusy: latencyFigures(referenceBusy!),
      load: Math.round(load * 10) / 10,
    };
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'close');
    }
    await rm(tmpDir, { recursive: true, force: true });
  }
}

export function formatEventLoopReport(r: EventLoopReport): string {
  const row = (label: string, f: LatencyFigures): string =>
    `| ${label} | ${f.count} | ${f.p50} | ${f.p99} | ${f.max} |`;
  return [
    `${r.messages.toLocaleString('en-US')} messages: ${(r.exportBytes / 1e6).toFixed(0)} MB exported in ${r.exportSeconds} s (${r.exportMBps} MB/s); load ${r.load}`,
    '',
    '| cheap requests (401) | count | p50 ms | p99 ms | max ms |',
    '|---|--:|--:|--:|--:|',
    row('server idle', r.idle),
    row('reference (bare HTTP server), idle', r.referenceIdle),
    row('while it streams the export', r.busy),
    row('reference, meanwhile', r.referenceBusy),
    '',
    `p99 while streaming: ${r.busy.p99} ms, ${round2(r.busy.p99 - r.referenceBusy.p99)} ms over the reference's ${r.referenceBusy.p99} ms`,
  ].join('\n');
}

runCli(import.meta.url, USAGE, parseArgs, async (options) => {
  const report = await runEventLoopBench(options);
  console.log(options.json ? JSON.stringify(report) : formatEventLoopReport(report));
});
