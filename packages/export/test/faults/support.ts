/**
 * What the fault tests share: a fresh tmp dir, a small tmpfs (a full disk on demand), draining a stream, and
 * waiting for an export to settle with nothing left behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { smallTmpfs as fixtureTmpfs } from '@pstream/fixtures';
import type { ExportHandle, ExportSummary } from '../../src/index.js';

/** A fresh directory under the OS tmp dir, removed after the test. */
export async function freshDir(t: TestContext, prefix = 'pstream-faults-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A small tmpfs (a full disk on demand); see `smallTmpfs` in @pstream/fixtures. */
export function smallTmpfs(t: TestContext, size: string): Promise<string | undefined> {
  return fixtureTmpfs(t, size, 'pstream-faults-tmpfs-');
}

/** Reads `stream` to its end or error, calling `onChunk` after each chunk. */
export async function drain(
  stream: Readable,
  onChunk?: (index: number, bytes: number) => void,
): Promise<{ bytes: number; error?: Error }> {
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
  if (!('error' in outcome))
    throw new Error(`the export was expected to fail but ended with ${JSON.stringify(outcome.summary)}`);
  return outcome.error;
}
