/**
 * `pstream export`: merges sources, filters them by keyword and writes one PST, or a ZIP of PST parts,
 * to a file or to standard output.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import {
  ExportFileError,
  type ExportHandle,
  type ExportOptions,
  type ExportSummary,
  type ExportWarning,
  type FileExportSummary,
} from '@pstream/export';
import type { MessageSource } from '@pstream/sources';
import { type OptionSpecs, parseArgs } from '../args.js';
import {
  exportName,
  isExportOptionsError,
  isQueryError,
  isUnreadableSource,
  type ParsedExportRequest,
  type PstreamDeps,
} from '../deps.js';
import { UsageError } from '../errors.js';
import { requestFromBody, requestFromFlags } from '../export-request.js';
import { type CliIO, type CliStream, writeLine } from '../io.js';
import { ProgressLine } from '../progress.js';
import { parseSize } from '../size.js';

export const EXPORT_USAGE = `usage: pstream export --source PATH [--source PATH ...] [--keywords QUERY]
                      [--limit SIZE | --no-limit] [--request FILE.json] [--max-part-bytes N]
                      [--out PATH | --out -] [--tmp-dir DIR] [--encryption permute|none]
                      [--on-damaged keep|skip|stop] [--parse-threads N] [--json]
--out PATH gets the extension .pst or .zip from the result; missing directories are created.
--tmp-dir DIR is where the parts are written: beside --out by default (a single PST is then moved, not copied).
--encryption none writes the PSTs without Outlook's default permute encoding (faster; both open in Outlook).
--on-damaged: an item that cannot be read is kept as a placeholder message holding its bytes (keep, the default),
left out (skip), or fails the export (stop).
--parse-threads N: threads that parse .eml files (default: one a core but one; 0: the export's own thread).`;

const OPTIONS: OptionSpecs = {
  source: { type: 'string', multiple: true },
  keywords: { type: 'string' },
  limit: { type: 'string' },
  'no-limit': { type: 'boolean' },
  request: { type: 'string' },
  'max-part-bytes': { type: 'string' },
  out: { type: 'string' },
  'tmp-dir': { type: 'string' },
  encryption: { type: 'string' },
  'on-damaged': { type: 'string' },
  'parse-threads': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
};

/** The `--json` line. */
export interface ExportReport {
  readonly format: ExportSummary['format'];
  /** The file written, or `-` for standard output. */
  readonly file: string;
  readonly bytes: number;
  readonly parts: ExportSummary['parts'];
  readonly scanned: number;
  readonly matched: number;
  readonly damaged: number;
  readonly skipped: number;
  /** The summary's warnings: `{code, message, ...details}` each. */
  readonly warnings: readonly ExportWarning[];
}

/** The validated command line of `pstream export`. */
interface ExportPlan {
  readonly sources: readonly string[];
  readonly request: ParsedExportRequest;
  /** `--request FILE`, as given. */
  readonly requestFile: string | undefined;
  readonly maxPartBytes: number | undefined;
  readonly out: OutputTarget;
  readonly tmpDir: string | undefined;
  readonly encryption: 'permute' | 'none';
  readonly onDamaged: 'keep' | 'skip' | 'stop';
  readonly parseThreads: number | undefined;
  readonly json: boolean;
}

/** Runs `pstream export`; returns the exit status (usage errors are thrown). */
export async function runExport(argv: readonly string[], io: CliIO, deps: PstreamDeps): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.flag('help')) {
    writeLine(io.stdout, EXPORT_USAGE);
    return 0;
  }
  const plan = await planExport(args, io, deps);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(new Error('interrupted'));
  io.signal?.addEventListener('abort', onAbort, { once: true });
  if (io.signal?.aborted) onAbort();
  const progress = new ProgressLine(io.stderr);
  try {
    const names = await probeSources(plan.sources, args.strings('source'), deps, controller.signal);
    const name = exportName(plan.out.kind === 'file' ? basename(plan.out.path, extname(plan.out.path)) : names[0]!);
    const options: ExportOptions = {
      sources: plan.sources,
      name,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      warnings: plan.request.warnings,
      keywords: plan.request.keywords,
      ...(plan.request.limitBytes !== undefined ? { limitBytes: plan.request.limitBytes } : {}),
      ...(plan.maxPartBytes !== undefined ? { maxPartBytes: plan.maxPartBytes } : {}),
      ...(plan.tmpDir !== undefined ? { tmpDir: plan.tmpDir } : {}),
      encryption: plan.encryption,
      onDamaged: plan.onDamaged,
      ...(plan.parseThreads !== undefined ? { parseThreads: plan.parseThreads } : {}),
    };
    // The parts are written beside the result unless --tmp-dir says otherwise (a single PST is then moved, not copied).
    const tmpDir =
      plan.tmpDir ??
      (plan.out.kind === 'file' ? dirname(plan.out.path) : plan.out.kind === 'directory' ? plan.out.dir : tmpdir());
    let file = '-';
    let summary: ExportSummary;
    if (plan.out.kind === 'stdout') {
      let handle: ExportHandle;
      try {
        handle = deps.exportToPst(options);
      } catch (error) {
        throw refusedOption(error, plan);
      }
      // Observed here so that an early failure of one of them is never an unhandled rejection.
      handle.summary.catch(() => undefined);
      handle.head.catch(() => undefined);
      await handle.head.catch((error: unknown) => {
        throw explainDiskFull(error, tmpDir);
      });
      await copyTo(handle.stream, io.stdout, tmpDir);
      summary = await handle.summary.catch((error: unknown) => {
        throw explainDiskFull(error, tmpDir);
      });
    } else {
      // `name.pst` in a directory: its extension is replaced by the result's (a name may hold dots of its own).
      const path = plan.out.kind === 'file' ? plan.out.path : join(plan.out.dir, `${name}.pst`);
      let running: Promise<FileExportSummary>;
      try {
        running = deps.exportToPstFile(options, path);
      } catch (error) {
        throw refusedOption(error, plan);
      }
      const written = await running.catch((error: unknown) => {
        throw refusedOption(
          error instanceof ExportFileError ? explainOutputFailure(error) : explainDiskFull(error, tmpDir),
          plan,
        );
      });
      file = written.path;
      summary = written;
    }
    progress.done();
    report(io, plan, file, summary);
    return 0;
  } finally {
    progress.done();
    io.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Opens and closes every source once, so that a path that is no readable mailbox (missing, of no known
 * kind, an ANSI PST) is refused before anything is written; returns the sources' names.
 */
async function probeSources(
  paths: readonly string[],
  given: readonly string[],
  deps: PstreamDeps,
  signal: AbortSignal,
): Promise<string[]> {
  const names: string[] = [];
  for (const [i, path] of paths.entries()) {
    let source: MessageSource;
    try {
      source = await deps.openSource(path, { signal });
    } catch (error) {
      if (isUnreadableSource(error)) throw new UsageError(`--source: ${error.message}`, '--source', given[i] ?? path);
      throw error;
    }
    names.push(source.name);
    await source.close();
  }
  return names;
}

/** A synchronous refusal of the exporter, as the option of the command line that caused it. */
function refusedOption(error: unknown, plan: ExportPlan): unknown {
  if (isQueryError(error)) {
    const where = plan.requestFile === undefined ? '--keywords' : `--request ${plan.requestFile}: contentKeywords`;
    return new UsageError(
      `${where}: ${error.reason} at position ${error.position} of ${JSON.stringify(error.query)}`,
      '--keywords',
      error.query,
    );
  }
  if (isExportOptionsError(error)) {
    const option = EXPORT_OPTION_FLAGS[error.field] ?? error.field;
    // The message starts with the field's name ("maxPartBytes 1000 is below …"): say the option's value instead.
    const message = error.message.startsWith(`${error.field} `)
      ? `${String(error.value)}${error.message.slice(error.field.length)}`
      : error.message;
    return new UsageError(`${option}: ${message}`, option, String(error.value));
  }
  return error;
}

/** `ExportOptions` fields mapped back to the option that set them. */
const EXPORT_OPTION_FLAGS: Readonly<Record<string, string>> = {
  maxPartBytes: '--max-part-bytes',
  limitBytes: '--limit',
  name: '--out',
  keywords: '--keywords',
};

async function planExport(args: ReturnType<typeof parseArgs>, io: CliIO, deps: PstreamDeps): Promise<ExportPlan> {
  if (args.positionals.length > 0)
    throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${EXPORT_USAGE}`);
  const sources = args.strings('source').map((s) => resolve(io.cwd, s));
  if (sources.length === 0) throw new UsageError(`option --source is required\n${EXPORT_USAGE}`, '--source');
  if (args.has('limit') && args.flag('no-limit'))
    throw new UsageError('options --limit and --no-limit cannot be used together', '--limit');
  const requestFile = args.string('request');
  if (requestFile !== undefined) {
    for (const option of ['keywords', 'limit', 'no-limit']) {
      if (args.has(option))
        throw new UsageError(
          `option --${option} cannot be used with --request (the request file holds it)`,
          `--${option}`,
        );
    }
  }
  const maxPartText = args.string('max-part-bytes');
  const maxPartBytes = maxPartText === undefined ? undefined : parseSize(maxPartText, '--max-part-bytes');
  const limitText = args.string('limit');
  const limitBytes = limitText === undefined ? undefined : parseSize(limitText, '--limit');
  for (const [i, source] of sources.entries()) {
    const given = args.strings('source')[i]!;
    const info = await stat(source).catch(() => undefined);
    if (info === undefined) throw new UsageError(`--source: no such file or directory: "${given}"`, '--source', given);
    if (!info.isFile() && !info.isDirectory())
      throw new UsageError(`--source: not a file or directory: "${given}"`, '--source', given);
  }
  const tmpDirText = args.string('tmp-dir');
  const tmpDir = tmpDirText === undefined ? undefined : resolve(io.cwd, tmpDirText);
  if (tmpDir !== undefined && !(await stat(tmpDir).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`--tmp-dir: not a directory: "${tmpDirText}"`, '--tmp-dir', tmpDirText);
  }

  const encryption = args.string('encryption') ?? 'permute';
  if (encryption !== 'permute' && encryption !== 'none') {
    throw new UsageError(`--encryption: must be permute or none, got "${encryption}"`, '--encryption', encryption);
  }
  const onDamaged = args.string('on-damaged') ?? 'keep';
  if (onDamaged !== 'keep' && onDamaged !== 'skip' && onDamaged !== 'stop') {
    throw new UsageError(`--on-damaged: must be keep, skip or stop, got "${onDamaged}"`, '--on-damaged', onDamaged);
  }
  const threadsText = args.string('parse-threads');
  if (threadsText !== undefined && !/^\d{1,3}$/.test(threadsText)) {
    throw new UsageError(
      `--parse-threads: not a whole number of threads from 0 to 999: "${threadsText}"`,
      '--parse-threads',
      threadsText,
    );
  }

  let request: ParsedExportRequest;
  if (requestFile !== undefined) {
    const body = await readFile(resolve(io.cwd, requestFile), 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        `--request: cannot read "${requestFile}" (${error.code ?? error.message})`,
        '--request',
        requestFile,
      );
    });
    request = requestFromBody(body, requestFile, deps);
  } else {
    request = requestFromFlags({ keywords: args.string('keywords'), limitBytes });
  }

  return {
    sources,
    request,
    requestFile,
    maxPartBytes,
    out: await planOutput(args.string('out'), io),
    tmpDir,
    encryption,
    onDamaged,
    parseThreads: threadsText === undefined ? undefined : Number(threadsText),
    json: args.flag('json'),
  };
}

/** Where `--out` sends the data. */
type OutputTarget =
  | { readonly kind: 'stdout' }
  /** A file path whose extension is set by the result. */
  | { readonly kind: 'file'; readonly path: string }
  /** A directory: the file is named after the first source. */
  | { readonly kind: 'directory'; readonly dir: string };

async function planOutput(outText: string | undefined, io: CliIO): Promise<OutputTarget> {
  if (outText === '-') {
    if (io.stdout.isTTY)
      throw new UsageError('--out -: standard output is a terminal; redirect it to a file or a pipe', '--out', '-');
    return { kind: 'stdout' };
  }
  if (outText === undefined) return { kind: 'directory', dir: io.cwd };
  if (outText === '') throw new UsageError('--out: empty path', '--out', '');
  const out = resolve(io.cwd, outText);
  if ((await stat(out).catch(() => undefined))?.isDirectory()) return { kind: 'directory', dir: out };
  // A missing parent directory is created (`--out out/demo` in a fresh checkout); one that cannot be is a mistake.
  await mkdir(dirname(out), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      `--out: cannot create the directory "${dirname(outText)}" (${error.code ?? error.message})`,
      '--out',
      outText,
    );
  });
  return { kind: 'file', path: out };
}

/** An export failure for lack of space in the temporary directory, said so (other errors as they are). */
function explainDiskFull(error: unknown, tmpDir: string): unknown {
  if (
    (error as NodeJS.ErrnoException | undefined)?.code !== 'ENOSPC' &&
    !/\bENOSPC\b/.test(String((error as Error | undefined)?.message))
  )
    return error;
  return new Error(
    `no space left on device (ENOSPC) for the temporary parts in "${tmpDir}": free some space there or choose another directory with --tmp-dir`,
    { cause: error },
  );
}

/** A failure to write the result file, said as the --out option's. */
function explainOutputFailure(error: ExportFileError): Error {
  return new Error(`--out: ${error.message}`, { cause: error });
}

/** Copies `stream` to `target` (standard output) with backpressure, leaving `target` open. */
async function copyTo(stream: Readable, target: CliStream, tmpDir: string): Promise<void> {
  let targetFailed: unknown;
  try {
    for await (const chunk of stream) {
      if (!target.write(chunk as Uint8Array)) {
        await new Promise<void>((resolve, reject) => {
          const cleanup = (): void => {
            target.off('drain', onDrain);
            target.off('error', onError);
          };
          const onDrain = (): void => {
            cleanup();
            resolve();
          };
          const onError = (error: Error): void => {
            cleanup();
            targetFailed = error;
            reject(error);
          };
          target.on('drain', onDrain);
          target.on('error', onError);
        });
      }
    }
  } catch (error) {
    stream.destroy();
    if (targetFailed !== undefined && (targetFailed as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new Error('standard output: no space left on device (ENOSPC); the output is incomplete', {
        cause: targetFailed,
      });
    }
    throw targetFailed === undefined ? explainDiskFull(error, tmpDir) : error;
  }
}

/** Prints the result: the file written (or the `--json` line), and the summary's warnings. */
function report(io: CliIO, plan: ExportPlan, file: string, summary: ExportSummary): void {
  const warnings = summary.warnings;
  const info = plan.out.kind === 'stdout' ? io.stderr : io.stdout;
  if (plan.json) {
    const line: ExportReport = {
      format: summary.format,
      file,
      bytes: summary.bytes,
      parts: summary.parts.map((p) => ({ name: p.name, bytes: p.bytes, messages: p.messages })),
      scanned: summary.scanned,
      matched: summary.matched,
      damaged: summary.damaged,
      skipped: summary.skipped,
      warnings,
    };
    writeLine(info, JSON.stringify(line));
    return;
  }
  for (const warning of warnings) writeLine(io.stderr, `pstream: warning: ${warning.message}`);
  if (plan.out.kind !== 'stdout') writeLine(io.stdout, file);
}
