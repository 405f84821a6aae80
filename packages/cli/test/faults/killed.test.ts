/**
 * `pstream export` killed (SIGKILL) mid-export: what it leaves behind is never presented as a result, and the next
 * export with the same --tmp-dir (and the same --out) removes it. Stopped by SIGINT, SIGTERM or SIGHUP (a closed
 * terminal), it deletes everything itself before it exits.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkPst } from '@pstream/pst';
import { requireTool } from '../../../pst/test/support/oracles.js';
import { MBOX, PSTREAM_NODE_ARGS, runCli, tempDir, unzipTest, zipEntries } from '../helpers/real-data.js';
import { type GeneratedMailbox, generateMailbox, pollFor } from './support.js';

let root: string;
let mailbox: GeneratedMailbox;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pstream-cli-killed-'));
  mailbox = await generateMailbox(join(root, 'generated'), 300, 30_000_000);
});
after(() => rm(root, { recursive: true, force: true }));

/** Starts `pstream export …` and returns the child and a promise of how it ended. */
function startExport(args: readonly string[], cwd: string): { pid: number; kill: () => void; ended: Promise<unknown> } {
  const child = spawn(process.execPath, [...PSTREAM_NODE_ARGS, 'export', ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const ended = once(child, 'exit');
  return { pid: child.pid!, kill: () => void child.kill('SIGKILL'), ended };
}

/** Files below `dir` with their sizes (`sub/name` → bytes). */
async function files(dir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const size = await stat(path)
      .then((s) => s.size)
      .catch(() => undefined);
    if (size !== undefined) found.set(path.slice(dir.length + 1), size);
  }
  return found;
}

test('killed while a part is written: the pstream-* dir is left, and the next export with the same --tmp-dir removes it', async (t) => {
  const work = await tempDir(t, 'pstream-cli-killed-part-');
  const tmp = join(work, 'tmp');
  const out = join(work, 'out');
  await mkdir(tmp);
  const run = startExport(['--source', mailbox.path, '--out', join(out, 'big'), '--tmp-dir', tmp], work);
  t.after(run.kill);
  // Wait until the part file holds bytes: the writer is mid-part.
  const writing = await pollFor('a part being written in --tmp-dir', async () => {
    for (const [path, size] of await files(tmp))
      if (/^pstream-[^/]+\/\.part-\d{3}\.pst\..*\.partial$/.test(path) && size > 0) return path;
    return undefined;
  });
  run.kill();
  await run.ended;
  const left = (await readdir(tmp)).filter((n) => n.startsWith('pstream-'));
  assert.equal(left.length, 1, `one pstream-* dir is left: ${JSON.stringify(left)} (part ${writing})`);
  assert.equal(
    (await readFile(join(tmp, left[0]!, 'owner'), 'utf8')).trim().split('\n')[0],
    String(run.pid),
    'it records the killed process',
  );
  assert.deepEqual(await readdir(out).catch(() => []), [], 'nothing was presented in --out');

  // The next export into the same tmp dir (a small one) cleans up what the killed one left.
  await writeFile(join(work, 'small.mbox'), MBOX);
  const next = await runCli(['export', '--source', 'small.mbox', '--out', join(out, 'small'), '--tmp-dir', tmp], work);
  assert.equal(next.status, 0, next.stderr);
  assert.deepEqual(await readdir(tmp), [], 'the stale dir is gone and the new run left nothing');
  assert.deepEqual(await readdir(out), ['small.pst']);
});

test('killed while the ZIP streams to --out: only a hidden .partial is left, never the result; the next run replaces it', async (t) => {
  if (!(await requireTool(t, 'unzip', 'unzip'))) return;
  const work = await tempDir(t, 'pstream-cli-killed-zip-');
  const tmp = join(work, 'tmp');
  const out = join(work, 'out');
  await mkdir(tmp);
  await mkdir(out);
  const args = ['--source', mailbox.path, '--out', join(out, 'mail'), '--tmp-dir', tmp, '--max-part-bytes', '4MiB'];
  const run = startExport(args, work);
  t.after(run.kill);
  const partial = `.mail.zip.${run.pid}.partial`;
  await pollFor('the ZIP being written to --out', async () => ((await files(out)).get(partial) ?? 0) > 0 || undefined);
  run.kill();
  await run.ended;
  assert.deepEqual(await readdir(out), [partial], 'only the hidden partial file is left: no mail.zip is presented');
  assert.equal((await readdir(tmp)).filter((n) => n.startsWith('pstream-')).length, 1);

  const next = await runCli(['export', ...args, '--json'], work);
  assert.equal(next.status, 0, next.stderr);
  const report = JSON.parse(next.stdout.toString()) as { file: string; parts: { messages: number }[] };
  assert.equal(report.file, join(out, 'mail.zip'));
  assert.deepEqual(await readdir(out), ['mail.zip'], 'the stale partial of the killed process is removed');
  assert.deepEqual(await readdir(tmp), [], 'the stale tmp dir is removed and the new run left nothing');
  const zip = join(out, 'mail.zip');
  const tested = await unzipTest(zip);
  assert.ok(tested.ok, tested.output);
  assert.ok((await zipEntries(zip)).length > 1);
  assert.equal(
    report.parts.reduce((n, p) => n + p.messages, 0),
    mailbox.messages,
  );
});

/**
 * Starts `pstream export …` with its standard error piped; resolves how it ended. The export's standard output is
 * not a terminal: its stderr shows no progress, only the final message.
 */
function startSignalled(
  args: readonly string[],
  cwd: string,
): { child: ChildProcess; ended: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [...PSTREAM_NODE_ARGS, 'export', ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const ended = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
    stderr,
  }));
  return { child, ended };
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} while a part is written: the process exits 1 and nothing is left in --tmp-dir or beside --out`, async (t) => {
    const work = await tempDir(t, 'pstream-cli-signal-part-');
    const tmp = join(work, 'tmp');
    const out = join(work, 'out');
    await mkdir(tmp);
    await mkdir(out);
    const run = startSignalled(['--source', mailbox.path, '--out', join(out, 'big'), '--tmp-dir', tmp], work);
    t.after(() => void run.child.kill('SIGKILL'));
    await pollFor('a part being written in --tmp-dir', async () => {
      for (const [path, size] of await files(tmp))
        if (/\.part-\d{3}\.pst\..*\.partial$/.test(path) && size > 0) return path;
      return undefined;
    });
    run.child.kill(signal);
    const ended = await run.ended;
    assert.deepEqual({ code: ended.code, signal: ended.signal }, { code: 1, signal: null }, ended.stderr);
    assert.equal(ended.stderr, 'pstream export: interrupted\n');
    assert.deepEqual(await readdir(tmp), [], 'the export directory and its part are deleted');
    assert.deepEqual(await readdir(out), [], 'nothing beside --out');
  });
}

test('SIGHUP while the ZIP streams to --out: the hidden partial file beside --out is deleted as well', async (t) => {
  const work = await tempDir(t, 'pstream-cli-signal-zip-');
  const tmp = join(work, 'tmp');
  const out = join(work, 'out');
  await mkdir(tmp);
  await mkdir(out);
  const run = startSignalled(
    ['--source', mailbox.path, '--out', join(out, 'mail'), '--tmp-dir', tmp, '--max-part-bytes', '4MiB'],
    work,
  );
  t.after(() => void run.child.kill('SIGKILL'));
  const partial = `.mail.zip.${run.child.pid}.partial`;
  await pollFor('the ZIP being written to --out', async () => ((await files(out)).get(partial) ?? 0) > 0 || undefined);
  run.child.kill('SIGHUP');
  const ended = await run.ended;
  assert.equal(ended.code, 1, ended.stderr);
  assert.deepEqual(await readdir(out), [], 'neither the ZIP nor its partial file is left');
  assert.deepEqual(await readdir(tmp), []);
});

/** Whether process `pid` still runs (a zombie that nobody reaps does not). */
async function running(pid: number): Promise<boolean> {
  const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return state !== undefined && state.slice(state.lastIndexOf(')') + 2)[0] !== 'Z';
}

test('its terminal closed while a part is written (the kernel sends SIGHUP, writes then fail): nothing is left', async (t) => {
  if (!(await requireTool(t, 'script', 'bsdutils'))) return;
  const work = await tempDir(t, 'pstream-cli-hangup-');
  const tmp = join(work, 'tmp');
  const out = join(work, 'out');
  await mkdir(tmp);
  await mkdir(out);
  const command = [
    process.execPath,
    ...PSTREAM_NODE_ARGS,
    'export',
    '--source',
    mailbox.path,
    '--out',
    join(out, 'big'),
    '--tmp-dir',
    tmp,
  ]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  // `script` runs the export on a pseudo-terminal of its own, where the progress line is drawn; killing it closes
  // the terminal as closing a terminal window does.
  const terminal = spawn('script', ['-qec', command, '/dev/null'], { cwd: work, stdio: 'ignore' });
  t.after(() => void terminal.kill('SIGKILL'));
  await pollFor('a part being written in --tmp-dir', async () => {
    for (const [path, size] of await files(tmp))
      if (/\.part-\d{3}\.pst\..*\.partial$/.test(path) && size > 0) return path;
    return undefined;
  });
  const [dir] = (await readdir(tmp)).filter((n) => n.startsWith('pstream-'));
  const pid = Number((await readFile(join(tmp, dir!, 'owner'), 'utf8')).split('\n')[0]);
  assert.ok(await running(pid), `the export (pid ${pid}) runs`);
  terminal.kill('SIGKILL');
  await pollFor(`the export (pid ${pid}) to exit`, async () => !(await running(pid)) || undefined);
  assert.deepEqual(await readdir(tmp), [], 'the export directory and its part are deleted');
  assert.deepEqual(await readdir(out), [], 'nothing beside --out');
});

test('the partial file of a running export is never removed by another one writing the same --out', async (t) => {
  const work = await tempDir(t, 'pstream-cli-killed-live-');
  const out = join(work, 'out');
  await mkdir(out);
  // A partial file owned by a live process (this test process) must stay.
  const live = join(out, `.small.pst.${process.pid}.partial`);
  await writeFile(live, 'in progress');
  await writeFile(join(work, 'small.mbox'), MBOX);
  const next = await runCli(['export', '--source', 'small.mbox', '--out', join(out, 'small')], work);
  assert.equal(next.status, 0, next.stderr);
  assert.deepEqual((await readdir(out)).sort(), [`.small.pst.${process.pid}.partial`, 'small.pst']);
  const report = await checkPst(join(out, 'small.pst'), { strict: true });
  assert.ok(report.ok);
});
