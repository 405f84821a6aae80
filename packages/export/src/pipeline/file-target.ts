/**
 * `exportToPstFile`: the export written to a file by the export itself, and the file target behind it.
 *
 * A single PST is not copied: its part file is renamed into place (the parts are written in a temporary directory
 * beside the file unless `tmpDir` says otherwise; from another file system the part is copied). A ZIP is written to a
 * hidden `.<file>.<pid>.partial` beside it and renamed once complete. Nothing is left at the path when the export
 * fails; a partial file of a process that died is removed by the next export to the same file.
 */
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { ExportOptions, FileExportSummary } from '../api.js';
import { ExportFileError, ExportOptionsError } from '../errors.js';
import { checkOptions } from './export-options.js';
import { runExport } from './export-run.js';
import { writeFileSink } from './file-sink.js';
import type { OutputTarget, RunControl } from './output-target.js';
import type { PackagedOutput } from './packager.js';
import { isProcessAlive } from './temp-dir.js';

/**
 * Runs the export into a file: `path` with its extension replaced by (or, without one, followed by) `.pst` or
 * `.zip`, whichever the result is. Resolves with the summary once the file is complete.
 */
export async function exportToPstFile(options: ExportOptions, path: string): Promise<FileExportSummary> {
  if (typeof path !== 'string' || path === '' || basename(path) === '') {
    throw new ExportOptionsError('path', path, `path must name a file, got ${JSON.stringify(path)}`);
  }
  const checked = checkOptions(options);
  const directory = dirname(path);
  if (!(await stat(directory).catch(() => undefined))?.isDirectory()) {
    throw new ExportOptionsError(
      'path',
      path,
      `path ${JSON.stringify(path)}: its directory ${JSON.stringify(directory)} does not exist`,
    );
  }
  const withTmp: ExportOptions = options.tmpDir === undefined ? { ...options, tmpDir: directory } : options;
  const run = runExport(withTmp, checked, new FileTarget(path));
  run.head.catch(() => undefined);
  const summary = await run.summary;
  return { ...summary, path: withExtension(path, `.${summary.format}`) };
}

/** `path` with its extension replaced by (or, without one, followed by) `extension`. */
export function withExtension(path: string, extension: string): string {
  const current = extname(path);
  const stem = current === '' || current === basename(path) ? path : path.slice(0, -current.length);
  return `${stem}${extension}`;
}

/** The output into the file at `path` (its extension replaced by the format's). */
class FileTarget implements OutputTarget {
  private run: RunControl | undefined;
  /** The hidden file the output is written to first, while it is this export's (created by it, not yet renamed). */
  private partial: string | undefined;
  /** The result file, once in place. */
  private placed: string | undefined;

  constructor(private readonly path: string) {}

  start(run: RunControl): void {
    this.run = run;
  }

  async deliver(output: PackagedOutput): Promise<void> {
    const file = withExtension(this.path, `.${output.format}`);
    if (output.single && (await this.move(output.single.path, file))) {
      output.moved();
      return;
    }
    await removeStalePartials(file);
    const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
    await writeFileSink(partial, output.chunks, {
      opened: () => (this.partial = partial), // only a file this export created is removed on failure
      written: output.recycle,
      // The file's failure is the export's cause: it fails the export before the stages it tears down report theirs.
      failed: (error) => {
        const named = outputError(error, file);
        this.run?.fail(named);
        return named;
      },
    });
    try {
      await rename(partial, file);
    } catch (error) {
      throw outputError(error, file);
    }
    this.partial = undefined;
    this.placed = file;
  }

  /** After a failure: the partial file goes, and so does a result put in place as the export failed. */
  async discard(): Promise<void> {
    if (this.partial) await unlink(this.partial).catch(() => undefined);
    if (this.placed) await unlink(this.placed).catch(() => undefined);
    this.partial = this.placed = undefined;
  }

  /** Moves the single PST part into place (no copy): false when it is on another file system (it is copied then). */
  private async move(part: string, file: string): Promise<boolean> {
    try {
      await rename(part, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
      throw outputError(error, file);
    }
    this.placed = file;
    return true;
  }
}

/** A failure to write the result `file`, naming it. */
export function outputError(error: unknown, file: string): ExportFileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message =
    code === 'ENOSPC'
      ? `no space left on device (ENOSPC) while writing "${file}"; nothing was written there`
      : `cannot write "${file}" (${code ?? (error instanceof Error ? error.message : String(error))}); nothing was written there`;
  return new ExportFileError(file, code, message, { cause: error });
}

/** Removes `.<name>.<pid>.partial` files beside `file` whose process is gone (killed mid-export). */
export async function removeStalePartials(file: string): Promise<void> {
  const prefix = `.${basename(file)}.`;
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.partial')) continue;
    const pid = Number(name.slice(prefix.length, -'.partial'.length));
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !isProcessAlive(pid)) {
      await unlink(join(dirname(file), name)).catch(() => undefined);
    }
  }
}
