/**
 * `exportToPst`: the pipeline behind the `exportToPst` action — keyword filter → PST splitter → output.
 *
 * One part: the PST itself. Several: one ZIP of `<name>-001.pst`, `<name>-002.pst`, … Either way one octet-stream.
 * A part streams out as soon as it is finished, while the next one is written; a slow consumer slows the writer
 * (at most two finished parts wait on disk). Every temporary file is deleted once streamed, on error and on abort
 * (the signal, or the consumer destroying the stream).
 */
import { open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AttachmentSizeError, PstInputError, PstWriter } from '@pstream/pst';
import { releaseFileRange } from '../zip/release-range.js';
import { SourceError, openSource, type DamagedItem, type MessageSource, type SourceWarning } from '@pstream/sources';
import { placeholderRecord, refusedItem } from './damaged-placeholder.js';
import type { ExportHandle, ExportOptions, ExportProgress, ExportSummary, FileExportSummary, OutputFormat, PartSummary } from '../api.js';
import type { ExportWarning } from '../warnings.js';
import { compileQuery } from '../filter/index.js';
import { PstSplitter, EMPTY_PST_BYTES, type FinishedPart } from '../split/pst-splitter.js';
import { ZipPackager } from '../zip/index.js';
import { validateEntryName } from '../zip/index.js';
import { MAX_PST_LIMIT_BYTES as MAX_PART_BYTES } from '../request/index.js';
import { deferred } from '../deferred.js';
import { ExportFileError, ExportOptionsError } from '../errors.js';
import { createExportDirectory, isProcessAlive, removeExportDirectory } from './temp-dir.js';
import { fileSink } from './file-sink.js';
import { SourceReads } from './source-reads.js';
import { Selection } from './selection.js';

/** Finished parts that may wait on disk before the writer pauses. */
const MAX_WAITING_PARTS = 2;
const PROGRESS_INTERVAL_MS = 200;

export function exportToPst(options: ExportOptions): ExportHandle {
  const { name, limit, query } = checkOptions(options);
  return new ExportRun(options, name, limit, query).handle;
}

/**
 * Runs the export into a file: `path` with its extension replaced by (or, without one, followed by) `.pst` or
 * `.zip`, whichever the result is. Resolves with the summary once the file is complete.
 *
 * A single PST is not copied: its part file is renamed into place (the parts are written in a temporary directory
 * beside `path` unless `tmpDir` says otherwise; from another file system the part is copied). A ZIP is written to
 * a hidden `.<file>.<pid>.partial` beside it and renamed once complete. Nothing is left at `path` when the export
 * fails; a partial file of a process that died is removed by the next export to the same file.
 */
export async function exportToPstFile(options: ExportOptions, path: string): Promise<FileExportSummary> {
  if (typeof path !== 'string' || path === '' || basename(path) === '') {
    throw new ExportOptionsError('path', path, `path must name a file, got ${JSON.stringify(path)}`);
  }
  const { name, limit, query } = checkOptions(options);
  const directory = dirname(path);
  if (!(await stat(directory).catch(() => undefined))?.isDirectory()) {
    throw new ExportOptionsError('path', path, `path ${JSON.stringify(path)}: its directory ${JSON.stringify(directory)} does not exist`);
  }
  const withTmp: ExportOptions = options.tmpDir === undefined ? { ...options, tmpDir: directory } : options;
  const run = new ExportRun(withTmp, name, limit, query, path);
  run.handle.head.catch(() => undefined);
  const summary = await run.handle.summary;
  return { ...summary, path: withExtension(path, `.${summary.format}`) };
}

/** `path` with its extension replaced by (or, without one, followed by) `extension`. */
export function withExtension(path: string, extension: string): string {
  const current = extname(path);
  const stem = current === '' || current === basename(path) ? path : path.slice(0, -current.length);
  return `${stem}${extension}`;
}

function checkOptions(options: ExportOptions): { name: string; limit: number; query: ReturnType<typeof compileQuery> } {
  const name = options.name;
  try {
    if (typeof name !== 'string' || name.trim() === '') throw new Error('empty');
    validateEntryName(`${name}.pst`);
  } catch {
    throw new ExportOptionsError('name', name, `name ${JSON.stringify(name)} cannot name a file (not empty; no /, \\, NUL, or dot names)`);
  }
  const limit = partLimit(options);
  if (options.encryption !== undefined && options.encryption !== 'permute' && options.encryption !== 'none') {
    throw new ExportOptionsError('encryption', options.encryption, `encryption must be "permute" or "none", got ${JSON.stringify(options.encryption)}`);
  }
  if (options.onDamaged !== undefined && !['keep', 'skip', 'stop'].includes(options.onDamaged)) {
    throw new ExportOptionsError('onDamaged', options.onDamaged, `onDamaged must be "keep", "skip" or "stop", got ${JSON.stringify(options.onDamaged)}`);
  }
  const query = compileQuery(options.keywords ?? '');
  if (options.sources.length === 0) throw new ExportOptionsError('sources', [], 'sources must hold at least one source, got []');
  return { name, limit, query };
}

function partLimit(options: ExportOptions): number {
  const check = (field: string, v: number | undefined) => {
    if (v === undefined) return;
    if (!Number.isSafeInteger(v) || v <= 0) throw new ExportOptionsError(field, v, `${field} must be a positive integer, got ${String(v)}`);
  };
  check('limitBytes', options.limitBytes);
  check('maxPartBytes', options.maxPartBytes);
  const limit = Math.min(options.maxPartBytes ?? options.limitBytes ?? MAX_PART_BYTES, options.limitBytes ?? MAX_PART_BYTES, MAX_PART_BYTES);
  if (limit < EMPTY_PST_BYTES) {
    const field = options.maxPartBytes !== undefined ? 'maxPartBytes' : 'limitBytes';
    throw new ExportOptionsError(field, limit, `${field} ${limit} is below ${EMPTY_PST_BYTES} bytes, the size of an empty PST`);
  }
  return limit;
}

/** Passes bytes through and counts them. */
class Counter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}


class ExportRun {
  readonly handle: ExportHandle;
  private readonly out = new Counter({ highWaterMark: 1024 * 1024 });
  private readonly head = deferred<{ format: OutputFormat; fileName: string }>();
  private readonly summary = deferred<ExportSummary>();
  private readonly abort = new AbortController();
  private readonly warnings: ExportWarning[] = [];
  private scanned = 0;
  private matched = 0;
  private skipped = 0;
  private damaged = 0;
  /** Damaged items a source has reported and the producer has not yet handled (they precede its next message). */
  private readonly reported: DamagedItem[] = [];
  private dir: string | undefined;
  private splitter: PstSplitter | undefined;
  private packager: ZipPackager | undefined;
  /** Finished parts not yet streamed, and who waits for a change. */
  private readonly queue: FinishedPart[] = [];
  private producerDone = false;
  private wake: (() => void) | undefined;
  private lastProgress = 0;
  private readonly sourceReads: SourceReads;
  /** The largest `bytesWritten` reported (a part being closed is briefly in neither count). */
  private bytesWritten = 0;
  private failed: Error | undefined;
  private headSettled = false;
  private readonly selection: Selection;

  constructor(
    private readonly options: ExportOptions,
    private readonly name: string,
    private readonly limit: number,
    private readonly query: ReturnType<typeof compileQuery>,
    /** `exportToPstFile`'s path (its extension is replaced by the format's): the run writes the file itself. */
    private readonly target?: string,
  ) {
    this.handle = { head: this.head.promise, stream: this.out, summary: this.summary.promise };
    this.selection = new Selection(options.selection);
    if (target !== undefined) this.out.on('error', () => {}); // nobody reads it: the error goes to the summary
    this.warnings.push(...(options.warnings ?? []));
    this.sourceReads = new SourceReads(options.sources);
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) queueMicrotask(() => this.fail(abortReason(signal)));
      else signal.addEventListener('abort', () => this.fail(abortReason(signal)), { once: true });
    }
    // A consumer that destroys the stream aborts the export. With a file target the stream is internal: a failure
    // of the file reaches the export through the pipeline that writes it.
    this.out.on('close', () => {
      if (!this.out.readableEnded && target === undefined) this.fail(new Error('the output stream was closed before the export ended'));
    });
    void this.run();
  }

  /**
   * Runs the producer (filter → splitter) and the streamer side by side. The summary settles only once both have
   * stopped and the temporary directory is gone, so that a caller who awaits it finds nothing left on disk.
   */
  private async run(): Promise<void> {
    let summary: ExportSummary | undefined;
    try {
      this.dir = await createExportDirectory(this.options.tmpDir);
      this.checkAborted();
      this.splitter = new PstSplitter({
        limitBytes: this.limit,
        directory: this.dir,
        writerOptions: { encryption: this.options.encryption ?? 'permute' },
        displayName: (i) => (i === 1 ? this.name : `${this.name} (${i})`),
        onPart: (part) => this.enqueue(part),
      });
      // Either side failing stops the other at once (fail() wakes, destroys and aborts); both are then awaited.
      const failFast = (e: unknown): never => {
        this.fail(e instanceof Error ? e : new Error(String(e)));
        throw e;
      };
      // Reports also come from a timer: a single large message can take long to write.
      const ticker = this.options.onProgress ? setInterval(() => this.progress(false), PROGRESS_INTERVAL_MS) : undefined;
      const results = await Promise.allSettled([this.stream().catch(failFast), this.produce().catch(failFast)]);
      clearInterval(ticker);
      this.checkAborted();
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      summary = {
        format: this.format!,
        fileName: this.fileName!,
        bytes: this.out.bytes,
        parts: this.partSummaries,
        scanned: this.scanned,
        matched: this.matched,
        damaged: this.damaged,
        skipped: this.skipped,
        warnings: this.warnings,
      };
      // Everything is out (and a file target is in place): an abort from here on, the last progress report's
      // included, has nothing left to stop.
      this.complete = true;
      this.progress(true);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
    await this.cleanup();
    if (summary && !this.failed) this.summary.resolve(summary);
    else this.summary.reject(this.failed ?? new Error('the export failed'));
  }

  // ------------------------------------------------------------------------------------------------ producing

  private async produce(): Promise<readonly FinishedPart[]> {
    const splitter = this.splitter!;
    try {
      for (const given of this.options.sources) {
        const source = this.selection.wrap(typeof given === 'string' ? await this.open(given) : given);
        this.sourceReads.reading(source);
        try {
          // The source's folders first: their classes, and (without a keyword) the folders no message goes into.
          for await (const spec of untilAborted(source.folders(), this.abort.signal)) await splitter.folder(spec, this.query.selectsAll);
          // A source stuck in a read (a dead network mount) must not hold the export once it has failed.
          for await (const message of untilAborted(source.messages(), this.abort.signal)) {
            this.checkAborted();
            if (this.reported.length > 0) await this.handleReported();
            this.scanned++;
            try {
              if (await this.query.matches(message.record)) {
                this.matched++;
                try {
                  if (await this.writing(splitter.add(message.folder, message.record))) this.warnOversized(message.origin, splitter.currentPart);
                } catch (error) {
                  // A message the writer cannot store (a date out of range, an attachment whose source gives another
                  // size than it said) is a damaged item: the writer has undone it and goes on.
                  if (!isUnstorableMessage(error)) throw error;
                  if (this.options.onDamaged === 'stop') throw new SourceError('damaged', message.origin, (error as Error).message, { cause: error });
                  this.matched--;
                  await this.handleDamaged(refusedItem(message, (error as Error).message));
                }
              }
            } finally {
              await message.dispose?.();
            }
            this.progress(false);
          }
          await this.handleReported();
        } finally {
          if (typeof given === 'string') await source.close();
        }
      }
      this.checkAborted();
      let parts = await this.writing(splitter.finish());
      if (parts.length === 0) parts = [await this.emptyPart()];
      return parts;
    } catch (error) {
      // Failed before the streamer wakes up below: it must see the failure, not an empty queue of a finished run.
      this.fail(error instanceof Error ? error : new Error(String(error)));
      throw error;
    } finally {
      this.producerDone = true;
      this.wake?.();
    }
  }

  /** The splitter call in progress (settled when none), which cleanup waits for before it closes the part file. */
  private inFlight: Promise<unknown> = Promise.resolve();

  private writing<T>(call: Promise<T>): Promise<T> {
    this.inFlight = call.catch(() => undefined);
    return call;
  }

  /** Every damaged item the source has reported so far: each is an item read, then kept, skipped, or fatal. */
  private async handleReported(): Promise<void> {
    for (let item = this.reported.shift(); item !== undefined; item = this.reported.shift()) {
      this.scanned++;
      await this.handleDamaged(item);
    }
  }

  /** Applies `onDamaged` (`stop` has already thrown in the source or the writer): a placeholder, or a skip. */
  private async handleDamaged(item: DamagedItem): Promise<void> {
    this.damaged++;
    if (this.options.onDamaged === 'skip') {
      this.skipped++;
      this.warnings.push({ code: 'damaged-skipped', message: `skipped ${item.origin}: ${item.reason}`, origin: item.origin, reason: item.reason });
      return;
    }
    const splitter = this.splitter!;
    let record = placeholderRecord(item);
    let oversize: boolean;
    try {
      oversize = await this.writing(splitter.add(item.folder, record));
    } catch (error) {
      // The original bytes were refused (more than 4 GiB, or not the size they had when reported): keep the rest.
      if (!isUnstorableMessage(error) || item.bytes === undefined) throw error;
      record = placeholderRecord({ ...item, noBytes: `the writer refused them: ${(error as Error).message}` }, false);
      oversize = await this.writing(splitter.add(item.folder, record));
    }
    const message = `damaged ${item.origin}: ${item.reason}; kept as "${record.subject}" in ${item.folder.length ? item.folder.join('/') : 'the top folder'}`;
    this.warnings.push({ code: 'damaged-kept', message, origin: item.origin, reason: item.reason, folder: item.folder, subject: record.subject });
    if (oversize) this.warnOversized(item.origin, splitter.currentPart);
  }

  /** A message larger than the part limit went alone into `part`. */
  private warnOversized(origin: string, part: number): void {
    const message = `message ${origin} is larger than the part limit of ${this.limit} bytes; it was written alone to part ${part}`;
    this.warnings.push({ code: 'oversized-message', message, origin, part, limitBytes: this.limit });
  }

  private async open(path: string): Promise<MessageSource> {
    return openSource(path, {
      onDamaged: this.options.onDamaged === 'stop' ? 'stop' : 'skip',
      reportDamaged: (item: DamagedItem) => {
        if (this.selection.includesDamaged(item)) this.reported.push(item);
      },
      // A file not read, an item read other than as it is: said in the summary, never passed over in silence.
      reportWarning: (warning: SourceWarning) => this.warnings.push(warning),
      // Spooled attachments live in the export's own directory, so that a killed run leaves one directory, which
      // removeAbandoned deletes (a spool directory beside it would carry no owner and stay forever).
      tmpDir: this.dir ?? this.options.tmpDir,
      signal: this.abort.signal,
    });
  }

  /** An export that matched nothing is one valid, empty PST. */
  private async emptyPart(): Promise<FinishedPart> {
    const writer = await PstWriter.create(`${this.dir}/part-001.pst`, { displayName: this.name, encryption: this.options.encryption ?? 'permute' });
    const summary = await writer.finish();
    const part: FinishedPart = { index: 1, path: summary.path, bytes: summary.bytes, messages: 0, oversize: false, last: true };
    await this.enqueue(part);
    return part;
  }

  /** Hands a finished part to the streamer; waits while too many finished parts are on disk. */
  private async enqueue(part: FinishedPart): Promise<void> {
    this.queue.push(part);
    this.wake?.();
    while (this.queue.length >= MAX_WAITING_PARTS && !this.failed) await this.changed();
    this.checkAborted();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        this.wake = undefined;
        previous?.();
        resolve();
      };
    });
  }

  // ------------------------------------------------------------------------------------------------ streaming

  private format: OutputFormat | undefined;
  private fileName: string | undefined;
  private readonly partSummaries: PartSummary[] = [];

  private async stream(): Promise<void> {
    try {
      await this.streamParts();
    } catch (error) {
      throw this.named(this.sinkError ?? error);
    }
  }

  private async streamParts(): Promise<void> {
    // The format is known as soon as the first part is finished: it says whether another part follows.
    while (this.queue.length === 0 && !this.producerDone) {
      this.checkAborted();
      await this.changed();
    }
    this.checkAborted();
    const multi = this.queue.length > 1 || this.queue[0]?.last === false;
    this.format = multi ? 'zip' : 'pst';
    this.fileName = `${this.name}.${this.format}`;
    this.headSettled = true;
    this.head.resolve({ format: this.format, fileName: this.fileName });
    if (!multi) {
      const part = this.queue[0]!;
      this.partSummaries.push({ name: this.fileName, bytes: part.bytes, messages: part.messages });
      if (!(await this.movePart(part))) {
        await pipeline(Readable.from(readTemporaryFile(part.path), { objectMode: false }), this.progressTap(), this.out, ...(await this.fileSink()));
      }
      await this.commitFile();
      this.queue.shift();
      await rm(part.path, { force: true });
      this.wake?.();
      return;
    }
    const packager = new ZipPackager({ compression: this.options.zipCompression ?? 'store' });
    this.packager = packager;
    const piping = pipeline(packager.output, this.progressTap(), this.out, ...(await this.fileSink()));
    piping.catch(() => {});
    for (;;) {
      while (this.queue.length === 0 && !this.producerDone) {
        this.checkAborted();
        await this.changed();
      }
      const part = this.queue[0];
      if (!part) break;
      const entry = `${this.name}-${String(part.index).padStart(3, '0')}.pst`;
      await packager.addFile(part.path, entry, part.bytes, { releaseAsRead: true });
      this.partSummaries.push({ name: entry, bytes: part.bytes, messages: part.messages });
      this.queue.shift();
      await rm(part.path, { force: true });
      this.wake?.();
    }
    await packager.finish();
    await piping;
    await this.commitFile();
  }

  // ------------------------------------------------------------------------------------------------ file output

  /** `exportToPstFile`: the result's path, and the hidden file it is written to first (a ZIP, or a copied part). */
  private targetFile: string | undefined;
  private partialFile: string | undefined;

  /**
   * With a file target, moves a single PST part into place (no copy): true when done. False when there is no target,
   * or when the part's directory is on another file system (it is then copied through `fileSink`).
   */
  private async movePart(part: FinishedPart): Promise<boolean> {
    if (!this.target) return false;
    const file = withExtension(this.target, `.${this.format}`);
    try {
      await rename(part.path, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
      throw outputError(error, file);
    }
    this.targetFile = file;
    this.out.bytes += part.bytes;
    this.progress(false);
    this.out.end();
    this.out.resume();
    return true;
  }

  /** With a file target: the write stream of the hidden partial file, as the pipeline's last stage (none without). */
  private async fileSink(): Promise<Writable[]> {
    if (!this.target) return [];
    const file = withExtension(this.target, `.${this.format}`);
    await removeStalePartials(file);
    const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
    this.targetFile = file;
    const packager = this.packager;
    const sink = fileSink(partial, {
      opened: () => (this.partialFile = partial), // only a file this run created is removed on failure
      ...(packager ? { written: (chunk: Buffer) => packager.recycle(chunk) } : {}),
    });
    // The file's failure is the export's cause, whatever the stages it tears down report afterwards.
    sink.once('error', (error) => (this.sinkError ??= error));
    return [sink];
  }

  private sinkError: Error | undefined;

  /** An error of the partial file as a failure to write the target, naming it. */
  private named(error: unknown): unknown {
    return error !== undefined && error === this.sinkError && this.targetFile ? outputError(error, this.targetFile) : error;
  }

  /** Renames the partial file into place once everything is in it. */
  private async commitFile(): Promise<void> {
    const partial = this.partialFile;
    if (!partial || !this.targetFile) return;
    try {
      await rename(partial, this.targetFile);
    } catch (error) {
      throw outputError(error, this.targetFile);
    }
    this.partialFile = undefined;
  }

  /** Counts bytes for progress as they leave. */
  private progressTap(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _e, done) => {
        done(null, chunk);
        this.progress(false);
      },
    });
  }

  private progress(final: boolean): void {
    const report = this.options.onProgress;
    if (!report) return;
    const now = Date.now();
    if (!final && now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    const partBytes = this.splitter?.currentPartBytes ?? 0;
    const finishedBytes = this.splitter?.finished.reduce((n, p) => n + p.bytes, 0) ?? 0;
    this.bytesWritten = Math.max(this.bytesWritten, finishedBytes + partBytes);
    const progress: ExportProgress = {
      scanned: this.scanned,
      matched: this.matched,
      damaged: this.damaged,
      skipped: this.skipped,
      bytesOut: this.out.bytes,
      bytesWritten: this.bytesWritten,
      partBytes,
      part: Math.max(1, this.splitter?.currentPart || this.splitter?.finished.length || 1),
      ...this.sourceReads.progress(),
    };
    report(progress);
  }

  // ------------------------------------------------------------------------------------------------ failure

  private checkAborted(): void {
    if (this.failed) throw this.failed;
  }

  /** Set once the output is complete: later failures (a late abort) no longer change the outcome. */
  private complete = false;

  /** Stops everything at once: the stream ends with `error`; the summary rejects once the run has wound down. */
  private fail(error: Error): void {
    if (this.failed || this.complete) return;
    this.failed = error;
    this.abort.abort(error);
    this.wake?.();
    this.packager?.destroy(error);
    // Before the head, no byte could be read: a caller that saw head reject may never touch the stream, so its
    // error must not go unhandled (head and summary carry it).
    if (!this.headSettled) this.out.on('error', () => {});
    if (!this.out.destroyed) this.out.destroy(error);
    this.head.reject(error);
    // Delete what is on disk now (a run stuck in a source still leaves nothing); run() cleans up again at the end.
    void this.cleanup();
  }

  private cleaning: Promise<void> = Promise.resolve();

  /** Aborts the part being written and removes the temporary directory; calls run one after another. */
  private cleanup(): Promise<void> {
    this.cleaning = this.cleaning.then(async () => {
      // The directory goes at once (nothing in it is presented any more). The part file is closed only once the
      // splitter call in progress has returned: the writer writes through a raw descriptor, and closing it under a
      // write in flight would let that write land in whatever file reuses the number (another export's, under load).
      if (this.dir) await removeExportDirectory(this.dir).catch(() => {});
      for (let call = this.inFlight; ; call = this.inFlight) {
        await call;
        if (call === this.inFlight) break;
      }
      await this.splitter?.abort().catch(() => {});
      if (this.dir) await removeExportDirectory(this.dir).catch(() => {});
      if (this.partialFile) await unlink(this.partialFile).catch(() => {});
    });
    return this.cleaning;
  }
}

/**
 * Iterates `iterable` until `signal` aborts: a pending `next()` is then abandoned (its late result is ignored), the
 * iterator is told to stop through `return()` (not awaited after an abort: it may be stuck), and the abort reason
 * is thrown.
 *
 * One abort listener serves the whole iteration: it fails the step in progress, if any. A step costs one promise;
 * nothing is attached to a long-lived promise (a reaction per message on one would grow with the export).
 */
async function* untilAborted<T>(iterable: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  // Whether the iterator is finished (ended, or its next() threw), so that return() is not due.
  let finished = false;
  let abandon: ((reason: unknown) => void) | undefined;
  const onAbort = (): void => abandon?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const result = await new Promise<IteratorResult<T>>((resolve, reject) => {
        abandon = reject;
        iterator.next().then(resolve, (error: unknown) => {
          finished = true;
          reject(error);
        });
      });
      abandon = undefined;
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    abandon = undefined;
    signal.removeEventListener('abort', onAbort);
    // After an abort the source may be stuck: it is not waited for. Otherwise it finishes its cleanup first.
    if (!finished && signal.aborted) void Promise.resolve(iterator.return?.()).catch(() => undefined);
    else if (!finished) await iterator.return?.();
  }
}

function isUnstorableMessage(error: unknown): boolean {
  return error instanceof PstInputError || error instanceof AttachmentSizeError;
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error('the export was aborted');
}

function outputError(error: unknown, file: string): ExportFileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message =
    code === 'ENOSPC'
      ? `no space left on device (ENOSPC) while writing "${file}"; nothing was written there`
      : `cannot write "${file}" (${code ?? (error instanceof Error ? error.message : String(error))}); nothing was written there`;
  return new ExportFileError(file, code, message, { cause: error });
}

/** Removes `.<name>.<pid>.partial` files beside `file` whose process is gone (killed mid-export). */
async function removeStalePartials(file: string): Promise<void> {
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

/**
 * Reads a temporary part once, in 1 MiB chunks, releasing each range from the file system as soon as it is read
 * (`releaseFileRange`): the part's dirty pages then leave the page cache as the output's arrive, instead of pushing
 * both past the kernel's dirty threshold, where every write is throttled.
 */
async function* readTemporaryFile(path: string, chunkBytes = 1024 * 1024): AsyncGenerator<Buffer> {
  const file = await open(path, 'r+'); // releasing ranges needs a descriptor open for writing
  try {
    for (let at = 0; ; ) {
      const buffer = Buffer.allocUnsafeSlow(chunkBytes);
      const { bytesRead } = await file.read(buffer, 0, chunkBytes, at);
      if (bytesRead === 0) return;
      releaseFileRange(file.fd, at, bytesRead);
      at += bytesRead;
      yield bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
