/**
 * A generated .eml tree for the fault tests (seeded, so always the same): 200 messages, about 20 MB, half of them
 * with attachments up to 1 MiB, so that the source spools attachments to temporary files while the PST is written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { writeMailbox } from '@pstream/fixtures';

export interface FaultMailbox {
  /** The .eml tree. */
  readonly path: string;
  readonly messages: number;
}

let generated: Promise<FaultMailbox> | undefined;
let outDir: string | undefined;

// Registered at load time, at the file's top level (an after() called inside a test would run when that test ends).
after(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Generates the mailbox once per test file; it is removed when the file's tests are done. */
export function faultMailbox(): Promise<FaultMailbox> {
  generated ??= (async () => {
    const out = await mkdtemp(join(tmpdir(), 'pstream-faults-mailbox-'));
    outDir = out;
    const result = await writeMailbox({
      out,
      seed: 'faults',
      messages: 200,
      totalBytes: 20_000_000,
      attachments: { share: 0.5, minBytes: 1024, maxBytes: 1 << 20 },
      manifest: 'json',
    });
    return { path: result.mailboxDir, messages: result.summary.messages };
  })();
  return generated;
}
