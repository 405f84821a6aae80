/**
 * One export, as a chain of async iterables pulled by its target:
 *
 *   sources (`readSources`, through the selection) → keyword filter → splitter (finished parts, one made ahead of
 *   the consumer) → packager (the PST, or a ZIP of the parts) → target (a stream, or a file)
 *
 * A part streams out as soon as it is finished, while the next one is written; a slow consumer slows the writer (at
 * most two finished parts wait on disk). The run fails at once on the first failure of any stage, of the target, or
 * of the caller's signal: every stage watches the run's own signal, which then aborts with that failure. The summary
 * settles only once the stages have wound down and every temporary file is gone.
 */
import { join } from 'node:path';
import type { ExportOptions, ExportSummary, OutputFormat } from '../api.js';
import { deferred } from '../deferred.js';
import { type FinishedPart, PstSplitter } from '../split/pst-splitter.js';
import type { ExportWarning } from '../warnings.js';
import type { CheckedOptions } from './export-options.js';
import { keywordFilter } from './keyword-filter.js';
import type { OutputTarget } from './output-target.js';
import { packageParts } from './packager.js';
import { prefetched } from './prefetch.js';
import { ProgressReports } from './progress.js';
import { readSources } from './read-sources.js';
import { Selection } from './selection.js';
import { SourceReads } from './source-reads.js';
import { splitIntoParts } from './split-into-parts.js';
import { newTally } from './tally.js';
import { createExportDirectory, removeExportDirectory } from './temp-dir.js';

export interface RunningExport {
  /** Resolves as soon as the format is known (the first part is finished); rejects with the export's failure. */
  readonly head: Promise<{ readonly format: OutputFormat; readonly fileName: string }>;
  /** Resolves once the output is delivered and nothing temporary is left; rejects with the export's failure. */
  readonly summary: Promise<ExportSummary>;
}

/** Starts the export into `target`. A bad selection throws here, before anything runs. */
export function runExport(options: ExportOptions, checked: CheckedOptions, target: OutputTarget): RunningExport {
  const selection = new Selection(options.selection);
  const head = deferred<{ format: OutputFormat; fileName: string }>();
  const controller = new AbortController();
  const signal = controller.signal;
  /** Set once the output is complete: later failures (a late abort) no longer change the outcome. */
  let complete = false;
  const fail = (error: Error): void => {
    if (!complete) controller.abort(error);
  };
  signal.addEventListener('abort', () => head.reject(signal.reason as Error), { once: true });
  target.start({ signal, fail });
  const given = options.signal;
  const onGivenAbort = (): void => fail(abortReason(given!));
  if (given?.aborted) queueMicrotask(onGivenAbort);
  else given?.addEventListener('abort', onGivenAbort, { once: true });

  const { name, limit, query } = checked;
  const tally = newTally(options.warnings);
  const reads = new SourceReads(options.sources);
  let splitter: PstSplitter | undefined;
  const progress = new ProgressReports(options.onProgress, tally, reads, () => splitter);

  const run = async (): Promise<ExportSummary> => {
    let dir: string | undefined;
    let parts: AsyncGenerator<FinishedPart> | undefined;
    // What is on disk goes as soon as the export fails (a run stuck in a source still leaves nothing); the end of
    // the run removes it again, once the stages have wound down.
    const removeNow = (): void => void (dir && removeExportDirectory(dir).catch(() => undefined));
    signal.addEventListener('abort', removeNow, { once: true });
    try {
      dir = await createExportDirectory(options.tmpDir);
      signal.throwIfAborted();
      const encryption = options.encryption ?? 'permute';
      splitter = new PstSplitter({
        limitBytes: limit,
        directory: dir,
        writerOptions: { encryption },
        displayName: (i) => (i === 1 ? name : `${name} (${i})`),
      });
      const warn = (warning: ExportWarning): void => void tally.warnings.push(warning);
      const items = keywordFilter(
        readSources({
          sources: options.sources,
          onDamaged: options.onDamaged,
          selection,
          reads,
          tmpDir: dir,
          warn,
          signal,
          parseThreads: options.parseThreads,
          parsePool: options.parsePool,
        }),
        query,
        tally,
      );
      const split = splitIntoParts(items, {
        splitter,
        keepFolders: query.selectsAll,
        onDamaged: options.onDamaged,
        limit,
        emptyPart: { path: join(dir, 'part-001.pst'), displayName: name, encryption },
        tally,
        onMessage: () => progress.send(false),
        signal,
      });
      parts = prefetched(split, (error) => fail(asError(error)));
      progress.start();
      const first = await parts.next();
      if (first.done) throw new Error('the export made no part');
      const output = packageParts(first.value, parts, {
        name,
        compression: options.zipCompression ?? 'store',
        onBytes: (bytes) => {
          tally.bytesOut += bytes;
          progress.send(false);
        },
        signal,
      });
      head.resolve({ format: output.format, fileName: output.fileName });
      await target.deliver(output);
      signal.throwIfAborted();
      progress.stop();
      const summary: ExportSummary = {
        format: output.format,
        fileName: output.fileName,
        bytes: tally.bytesOut,
        parts: output.parts,
        scanned: tally.scanned,
        matched: tally.matched,
        damaged: tally.damaged,
        skipped: tally.skipped,
        warnings: tally.warnings,
      };
      // Everything is out (and a file target is in place): an abort from here on, the last progress report's
      // included, has nothing left to stop.
      complete = true;
      progress.send(true);
      return summary;
    } catch (error) {
      fail(asError(error));
      throw signal.reason;
    } finally {
      progress.stop();
      given?.removeEventListener('abort', onGivenAbort);
      signal.removeEventListener('abort', removeNow);
      // The stages end first (the part being written is closed only once the write in flight has returned: the
      // writer writes through a raw descriptor, and closing it under a write would let that write land in whatever
      // file reuses the number); then the directory goes.
      await parts?.return(undefined).catch(() => undefined);
      if (dir) await removeExportDirectory(dir).catch(() => undefined);
      if (signal.aborted) await target.discard();
    }
  };
  const summary = run();
  summary.catch(() => undefined); // a failure nobody awaits yet is no unhandled rejection
  return { head: head.promise, summary };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error('the export was aborted');
}
