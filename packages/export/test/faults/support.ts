/**
 * What the fault tests share: a fresh tmp dir, a small tmpfs (a full disk on demand), draining a stream, and
 * waiting for an export to settle with nothing left behind.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { ExportHandle, ExportSummary } from '../../src/index.js';

const run = promisify(execFile);

/** A fresh directory under the OS tmp dir, removed after the test. */
export async function freshDir(t: TestContext, prefix = 'pstream-faults-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Mounts a tmpfs of `size` (e.g. `8m`) on a fresh directory and unmounts it after the test. Where mounting is not
 * permitted (not root, no CAP_SYS_ADMIN) the test is skipped with the reason; under CI=true that is a failure,
 * because CI runs as root and must exercise the full disk.
 */
export async function smallTmpfs(t: TestContext, size: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-faults-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const reason = `cannot mount a ${size} tmpfs here (${(error as { stderr?: string }).stderr?.trim() || String(error)})`;
    if (process.env['CI'] === 'true') throw new Error(`${reason}; CI must run as root so that the disk-full tests run`);
    t.skip(`${reason}: the disk-full case is not exercised on this machine`);
    return undefined;
  }
  t.after(async () => {
    await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Reads `stream` to its end or error, calling `onChunk` after each chunk. */
export async function drain(stream: Readable, onChunk?: (index: number, bytes: number) => void): Promise<{ bytes: number; error?: Error }> {
  let bytes = 0;
  let index = 0;
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      onChunk?.(index++, bytes);
    }
    return { bytes };
  } catch (error) {
    return { bytes, error: error as Error };
  }
}

/** The summary's rejection (asserting that it does reject), after the export has wound down and cleaned up. */
export async function rejection(handle: ExportHandle): Promise<Error> {
  const outcome = await handle.summary.then(
    (summary: ExportSummary) => ({ summary }),
    (error: unknown) => ({ error: error as Error }),
  );
  if (!('error' in outcome)) throw new Error(`the export was expected to fail but ended with ${JSON.stringify(outcome.summary)}`);
  return outcome.error;
}
