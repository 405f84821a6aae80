/**
 * `pstream check FILE`: runs the structural checker on a PST, or on every PST inside a ZIP, and prints
 * what is wrong. Exit status 1 when anything is.
 */
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type OptionSpecs, parseArgs } from '../args.js';
import type { CheckSummary, PstreamDeps } from '../deps.js';
import { messageOf, UsageError } from '../errors.js';
import { type CliIO, writeLine } from '../io.js';
import { extractZipEntry, readZipEntries, type ZipEntry } from '../zip-reader.js';

export const CHECK_USAGE = 'usage: pstream check FILE [--strict] [--tmp-dir DIR]';

const OPTIONS: OptionSpecs = {
  strict: { type: 'boolean' },
  'tmp-dir': { type: 'string' },
  help: { type: 'boolean' },
};

/** Whether the file starts like a ZIP archive (a local file header, or the end record of an empty one). */
async function looksLikeZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return (
      bytesRead === 4 &&
      head[0] === 0x50 &&
      head[1] === 0x4b &&
      ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))
    );
  } finally {
    await handle.close();
  }
}

/** Prints the findings of one report; returns whether it is clean. */
function printReport(io: CliIO, label: string, report: CheckSummary): boolean {
  for (const finding of report.errors) writeLine(io.stdout, `${label}: error: ${finding.message} [${finding.code}]`);
  for (const finding of report.warnings)
    writeLine(io.stdout, `${label}: warning: ${finding.message} [${finding.code}]`);
  const clean = report.ok && report.complete && report.errors.length === 0;
  if (!report.complete)
    writeLine(io.stdout, `${label}: error: the file could not be read far enough to run every check`);
  writeLine(
    io.stdout,
    `${label}: ${clean ? 'ok' : 'damaged'} (${report.errors.length} errors, ${report.warnings.length} warnings)`,
  );
  return clean;
}

/** Runs `pstream check`; returns the exit status. */
export async function runCheck(argv: readonly string[], io: CliIO, deps: PstreamDeps): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.flag('help')) {
    writeLine(io.stdout, CHECK_USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) {
    throw new UsageError(
      `${args.positionals.length === 0 ? 'a FILE is required' : `one FILE only (got ${args.positionals.length})`}\n${CHECK_USAGE}`,
    );
  }
  const given = args.positionals[0]!;
  const file = resolve(io.cwd, given);
  if (!(await stat(file).catch(() => undefined))?.isFile())
    throw new UsageError(`no such file: "${given}"`, 'FILE', given);
  const tmpDirText = args.string('tmp-dir');
  const tmpRoot = tmpDirText === undefined ? tmpdir() : resolve(io.cwd, tmpDirText);
  const options = { strict: args.flag('strict') };

  if (!(await looksLikeZip(file))) return printReport(io, given, await deps.checkPst(file, options)) ? 0 : 1;

  let entries: ZipEntry[];
  try {
    entries = await readZipEntries(file);
  } catch (error) {
    writeLine(io.stdout, `${given}: error: not a readable ZIP file: ${messageOf(error)}`);
    return 1;
  }
  const parts = entries.filter((e) => e.name.toLowerCase().endsWith('.pst'));
  let clean = true;
  for (const other of entries.filter((e) => !parts.includes(e))) {
    writeLine(io.stdout, `${given}: warning: entry "${other.name}" is not a .pst file and was not checked`);
  }
  if (parts.length === 0) {
    writeLine(io.stdout, `${given}: error: the ZIP file holds no .pst entry`);
    return 1;
  }
  const work = await mkdtemp(join(tmpRoot, 'pstream-check-'));
  try {
    for (const [index, entry] of parts.entries()) {
      const label = `${given}:${entry.name}`;
      const extracted = join(work, `part-${index + 1}.pst`);
      try {
        await extractZipEntry(file, entry, extracted);
      } catch (error) {
        writeLine(io.stdout, `${label}: error: cannot extract: ${messageOf(error)}`);
        clean = false;
        continue;
      }
      try {
        if (!printReport(io, label, await deps.checkPst(extracted, options))) clean = false;
      } finally {
        await rm(extracted, { force: true });
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  writeLine(io.stdout, `${given}: ${parts.length} parts checked, ${clean ? 'all ok' : 'some damaged'}`);
  return clean ? 0 : 1;
}
