/**
 * `pstream export` on a full disk (a small tmpfs mounted by the test; skipped where mounting is not permitted, a
 * failure under CI=true): --tmp-dir on it, --out on it, and standard output redirected to a file on it. Each time:
 * exit status 1, one line naming ENOSPC and the place, nothing left on the tmpfs, no result presented.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PSTREAM_NODE_ARGS, runCli, tempDir } from '../helpers/real-data.js';
import { type GeneratedMailbox, generateMailbox, smallTmpfs } from './support.js';

let root: string;
let mailbox: GeneratedMailbox;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pstream-cli-diskfull-'));
  // About 16 MB of PST: twice the 8 MiB tmpfs.
  mailbox = await generateMailbox(join(root, 'generated'), 200, 20_000_000);
});
after(() => rm(root, { recursive: true, force: true }));

test('--tmp-dir on a full disk: exit 1, a message naming ENOSPC and the directory, the tmpfs ends empty, no result', async (t) => {
  const small = await smallTmpfs(t, '8m');
  if (!small) return;
  const work = await tempDir(t, 'pstream-cli-diskfull-tmp-');
  const out = join(work, 'out');
  const run = await runCli(['export', '--source', mailbox.path, '--out', join(out, 'mail'), '--tmp-dir', small], work);
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
  assert.match(
    run.stderr,
    /^pstream export: no space left on device \(ENOSPC\) for the temporary parts in ".*pstream-cli-tmpfs-[^"]+": .*--tmp-dir/,
  );
  assert.deepEqual(await readdir(small), [], 'nothing is left on the tmpfs');
  assert.deepEqual(await readdir(out).catch(() => []), [], 'no result and no partial file in --out');
});

test('--out on a full disk: exit 1, a message naming ENOSPC and the file, no .partial left, --tmp-dir empty', async (t) => {
  const small = await smallTmpfs(t, '8m');
  if (!small) return;
  const work = await tempDir(t, 'pstream-cli-diskfull-out-');
  const tmp = join(work, 'tmp');
  await mkdir(tmp);
  const run = await runCli(['export', '--source', mailbox.path, '--out', join(small, 'mail'), '--tmp-dir', tmp], work);
  assert.equal(run.status, 1, run.stderr);
  assert.match(
    run.stderr,
    /^pstream export: --out: no space left on device \(ENOSPC\) while writing ".*\/mail\.pst"; nothing was written there\n$/,
  );
  assert.deepEqual(await readdir(small), [], 'no mail.pst and no .partial on the full disk');
  assert.deepEqual(await readdir(tmp), [], 'the temporary parts are removed');
});

test('--out - into a file on a full disk: exit 1, a message naming ENOSPC and standard output, --tmp-dir empty', async (t) => {
  const small = await smallTmpfs(t, '8m');
  if (!small) return;
  const work = await tempDir(t, 'pstream-cli-diskfull-stdout-');
  const tmp = join(work, 'tmp');
  await mkdir(tmp);
  const target = await open(join(small, 'mail.pst'), 'w');
  let stderr = '';
  try {
    const child = spawn(
      process.execPath,
      [...PSTREAM_NODE_ARGS, 'export', '--source', mailbox.path, '--out', '-', '--tmp-dir', tmp],
      {
        cwd: work,
        stdio: ['ignore', target.fd, 'pipe'],
      },
    );
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const [status] = (await once(child, 'close')) as [number | null];
    assert.equal(status, 1, stderr);
  } finally {
    await target.close();
  }
  assert.match(
    stderr,
    /^pstream export: standard output: no space left on device \(ENOSPC\); the output is incomplete\n$/,
  );
  assert.deepEqual(await readdir(tmp), []);
});
