/**
 * What the end-to-end tests share: the demo mailbox, a small mbox, the `pstream` process run from the
 * TypeScript sources, and PST readers (our checker and pst-extractor, which nobody on the team wrote).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PSTFile, type PSTFolder, type PSTMessage } from 'pst-extractor';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = join(here, '..', '..', '..', '..');
/** The committed demo mailbox (an .eml tree of 300 messages). */
export const DEMO_MAILBOX = join(ROOT, 'fixtures', 'demo', 'mailbox');
/** The `pstream` entry point, run from its TypeScript source. */
export const MAIN = join(here, '..', '..', 'src', 'main.ts');
/** The tsx loader, by absolute URL so that a process started in any directory finds it. */
export const TSX_LOADER = import.meta.resolve('tsx');
/** node arguments that run `pstream` from its TypeScript sources. */
export const PSTREAM_NODE_ARGS: readonly string[] = ['--conditions=source', '--import', TSX_LOADER, MAIN];
/** An ANSI (97-2002) PST, which the PST reader cannot open. */
export const ANSI_PST = '/work/shared/reference/samples/pstsdk_test_ansi.pst';

/** Three small messages, two of which mention "invoice". */
export const MBOX = [
  'From alice@example.com Mon Jan  6 10:00:00 2025',
  'From: Alice <alice@example.com>',
  'To: Bob <bob@example.com>',
  'Subject: Invoice 42',
  'Date: Mon, 6 Jan 2025 10:00:00 +0000',
  'Message-ID: <1@example.com>',
  '',
  'Please find the invoice attached.',
  '',
  'From carol@example.com Tue Jan  7 11:00:00 2025',
  'From: Carol <carol@example.com>',
  'To: Bob <bob@example.com>',
  'Subject: Lunch',
  'Date: Tue, 7 Jan 2025 11:00:00 +0000',
  'Message-ID: <2@example.com>',
  '',
  'Lunch on Friday?',
  '',
  'From dave@example.com Wed Jan  8 12:00:00 2025',
  'From: Dave <dave@example.com>',
  'To: Bob <bob@example.com>',
  'Subject: Re: Invoice 42',
  'Date: Wed, 8 Jan 2025 12:00:00 +0000',
  'Message-ID: <3@example.com>',
  '',
  'The invoice is paid.',
  '',
].join('\n');

/** The demo's summary as recorded by the fixture generator. */
export async function demoExpectations(): Promise<{ messages: number; matchedIds: Set<string> }> {
  const expected = JSON.parse(await readFile(join(ROOT, 'fixtures', 'demo', 'expected.json'), 'utf8')) as {
    summary: { messages: number };
    matchedIdsByFolder: Record<string, string[]>;
  };
  return {
    messages: expected.summary.messages,
    matchedIds: new Set(Object.values(expected.matchedIdsByFolder).flat()),
  };
}

/** A fresh temporary directory, removed after the test. */
export async function tempDir(t: TestContext, prefix = 'pstream-cli-e2e-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A data directory for `serve`: `demo/` (a copy of the demo mailbox) and `bob.mbox`. */
export async function dataDirectory(root: string): Promise<string> {
  const data = join(root, 'data');
  await mkdir(data);
  await cp(DEMO_MAILBOX, join(data, 'demo'), { recursive: true });
  await writeFile(join(data, 'bob.mbox'), MBOX);
  return data;
}

/** What a finished `pstream` process did. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs `pstream ...args` as a process (from the sources) in `cwd`. */
export async function runCli(args: readonly string[], cwd: string): Promise<CliRun> {
  const child = spawn(process.execPath, [...PSTREAM_NODE_ARGS, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout: Buffer.concat(out), stderr };
}

const execFileAsync = promisify(execFile);

/** `unzip -t` on `file`: whether every entry tests fine, and unzip's output. */
export async function unzipTest(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await execFileAsync('unzip', ['-t', file]);
    return { ok: true, output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** `unzip -Z1`: the entry names of a ZIP. */
export async function zipEntries(file: string): Promise<string[]> {
  const { stdout } = await execFileAsync('unzip', ['-Z1', file]);
  return stdout.split('\n').filter((line) => line !== '');
}

/** `unzip -p`: extracts one entry to `target`. */
export async function unzipEntry(file: string, entry: string, target: string): Promise<void> {
  const { stdout } = await execFileAsync('unzip', ['-p', file, entry], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  await writeFile(target, stdout);
}

/** Every message of a PST as pst-extractor reads it: folder path and Internet Message-ID. */
export async function readMessages(path: string): Promise<{ folder: string; messageId: string }[]> {
  const pst = new PSTFile(await readFile(path));
  const found: { folder: string; messageId: string }[] = [];
  const walk = (folder: PSTFolder, folderPath: string): void => {
    if (folder.contentCount > 0) {
      for (
        let child = folder.getNextChild() as PSTMessage | null;
        child;
        child = folder.getNextChild() as PSTMessage | null
      ) {
        found.push({ folder: folderPath, messageId: child.internetMessageId });
      }
    }
    if (folder.hasSubfolders)
      for (const sub of folder.getSubFolders())
        walk(sub, folderPath ? `${folderPath}/${sub.displayName}` : sub.displayName);
  };
  walk(pst.getRootFolder(), '');
  return found;
}
