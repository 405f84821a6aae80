/**
 * Test helper: collects an export's output into a file and checks ZIP archives with three independent tools
 * (`unzip -t`, `7z t`, Python's zipfile), lists their entries and extracts them.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { requireTools, ZIP_TOOLS } from '../../../pst/test/support/oracles.js';

const run = promisify(execFile);

/** Writes `stream` to `path`; resolves with the byte count. */
export async function saveStream(stream: Readable, path: string): Promise<number> {
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
  await pipeline(stream, createWriteStream(path));
  return bytes;
}

export interface ZipEntryInfo {
  readonly name: string;
  readonly size: number;
  readonly compressedSize: number;
  /** 0 stored, 8 deflated. */
  readonly method: number;
}

const PY_CHECK = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    print(json.dumps({"bad": bad, "entries": [{"name": i.filename, "size": i.file_size, "compressedSize": i.compress_size, "method": i.compress_type} for i in z.infolist()]}))
`;

/**
 * Makes sure the ZIP checkers (`unzip`, `7z`, `python3`) can run: skips the test naming the Debian package of a
 * missing one, or fails it under CI=true. Call it before the test does any work.
 */
export function requireZipTools(t: TestContext): Promise<boolean> {
  return requireTools(t, ZIP_TOOLS);
}

/** Runs `unzip -t`, `7z t` and Python's zipfile on `path` (each throws on a bad archive); returns the entries. */
export async function checkZip(path: string): Promise<ZipEntryInfo[]> {
  const unzip = await run('unzip', ['-t', '-q', path], { maxBuffer: 1 << 24 });
  if (!/No errors detected/.test(unzip.stdout)) throw new Error(`unzip -t: ${unzip.stdout}${unzip.stderr}`);
  const sevenZip = await run('7z', ['t', path], { maxBuffer: 1 << 24 });
  if (!/Everything is Ok/.test(sevenZip.stdout)) throw new Error(`7z t: ${sevenZip.stdout}${sevenZip.stderr}`);
  const py = await run('python3', ['-c', PY_CHECK, path], { maxBuffer: 1 << 24 });
  const result = JSON.parse(py.stdout) as { bad: string | null; entries: ZipEntryInfo[] };
  if (result.bad !== null) throw new Error(`python zipfile: bad entry ${result.bad}`);
  return result.entries;
}

/** Extracts every entry of the ZIP at `path` into `dir`; returns the file names. */
export async function extractZip(path: string, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  await run('unzip', ['-q', '-o', path, '-d', dir], { maxBuffer: 1 << 24 });
  return (await readdir(dir)).sort();
}

/** The temporary-file check of every pipeline test: what is left in `dir` (nothing, when all went well). */
export async function leftovers(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      out.push(prefix + entry.name + (entry.isDirectory() ? '/' : ''));
      if (entry.isDirectory()) await walk(join(d, entry.name), `${prefix}${entry.name}/`);
    }
  };
  await walk(dir, '');
  return out;
}
