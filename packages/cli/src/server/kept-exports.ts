/**
 * Finished exports kept for a while, so that a client can resume an interrupted download (v7, v8): it sends the same
 * request again with `Range: bytes=N-`, and is answered from the kept file instead of a new export.
 *
 * - An export is keyed by restore session, target and request (see `export-key.ts`). It runs into a file of the
 *   server's own temporary directory, whatever becomes of the client that started it: a cut download can only be
 *   resumed from an export that went on to its end.
 * - While it runs, the same request again follows it: without `Range` it gets the same bytes from the start as
 *   they are written (a 200 without `Content-Length`); with `Range` it waits for the end (at most `waitMs`, then a
 *   504 `Timeout`) and is answered as below. No second export of the same request is started.
 * - Once finished, the same request gets the file with `Content-Length` (200), or the range asked for (206 with
 *   `Content-Range`); a range that starts at or past the end is a 416.
 * - A finished export is kept for `keepMs`; the finished ones together take at most `maxBytes` (the oldest go first;
 *   one larger than that is not kept at all). A failed export is not kept. Everything is removed by `close()`.
 * - At most `maxRunning` of them run at once. They outlive their clients, so without a cap a client that asks and
 *   hangs up in a loop would start exports without end; past it a new request is refused (503, `Retry-After`).
 * - A running export's file is the whole output (a ZIP of every part) until it ends: resuming needs all of it, so
 *   the disk holds as much as the export writes, beside the budget of the finished ones.
 * Readers that have a file open when it is removed finish reading it (the file system keeps it until they close it).
 */
import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ExportOptions } from '@pstream/export';
import { messageOf } from '../errors.js';
import { HttpError } from './errors.js';

/** The limits of {@link KeptExports}. */
export interface KeptExportsOptions {
  /** Parent of the private directory the kept files go into (created on first use). */
  readonly directory: string;
  /** How long a finished export is kept. */
  readonly keepMs: number;
  /** Total size of the finished exports kept. */
  readonly maxBytes: number;
  /** How long a `Range` request waits for a running export to finish. */
  readonly waitMs: number;
  /** How many may run at once. */
  readonly maxRunning: number;
  readonly log: (line: string) => void;
}

/** One warning of an export, as `ExportOptions.warnings` holds them. */
export type ExportWarningLike = NonNullable<ExportOptions['warnings']>[number];

/** The text of a warning, for the `X-Pstream-Warnings` header. */
export function warningText(warning: ExportWarningLike): string {
  return warning.message;
}

/** What an export tells before its first byte. */
export interface ExportHead {
  readonly fileName: string;
  readonly warnings: readonly ExportWarningLike[];
}

/** A running export, as {@link KeptExports.start} takes it. */
export interface RunningExport {
  readonly head: Promise<ExportHead>;
  readonly stream: Readable;
  readonly summary: Promise<unknown>;
  /** Gives a chunk of `stream` back once it is written out (see `ExportHandle.recycle`). */
  readonly recycle: (chunk: Uint8Array) => void;
}

type State = 'running' | 'done' | 'failed';

/** One export, running or finished. */
export class KeptExport {
  state: State = 'running';
  /** Bytes in the file so far. */
  bytes = 0;
  finishedAt = 0;
  failure: Error | undefined;
  head: ExportHead | undefined;
  readonly #waiters = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    readonly path: string,
    /** Stops the export (when the server shuts down). */
    readonly abort: AbortController,
    /** Resolves with the head, or rejects when the export fails before its first byte. */
    readonly headReady: Promise<ExportHead>,
  ) {}

  /** Resolves on the next change: more bytes, the end, or a failure. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.add(resolve));
  }

  notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves once the export is finished, false when it failed; undefined after `ms` without an end. */
  async finished(ms: number): Promise<boolean | undefined> {
    const deadline = Date.now() + ms;
    while (this.state === 'running') {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.changed(), new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    return this.state === 'done';
  }

  expireAfter(ms: number, expire: () => void): void {
    this.#timer = setTimeout(expire, ms);
    this.#timer.unref();
  }

  clearTimer(): void {
    clearTimeout(this.#timer);
  }
}

/** The kept exports of one server. */
export class KeptExports {
  readonly #entries = new Map<string, KeptExport>();
  readonly #options: KeptExportsOptions;
  #directory: Promise<string> | undefined;
  #closed = false;

  constructor(options: KeptExportsOptions) {
    this.#options = options;
  }

  /** Whether `close()` has been called: no new export starts. */
  get closed(): boolean {
    return this.#closed;
  }

  get waitMs(): number {
    return this.#options.waitMs;
  }

  /** The export of `key`, running or finished and not expired. */
  get(key: string): KeptExport | undefined {
    return this.#entries.get(key);
  }

  #dir(): Promise<string> {
    this.#directory ??= (async () => {
      const dir = join(this.#options.directory, `pstream-kept-${process.pid}-${randomUUID()}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return dir;
    })();
    return this.#directory;
  }

  /** Starts `run` (given the signal that stops it) into a kept file under `key`. */
  async start(key: string, run: (signal: AbortSignal) => RunningExport): Promise<KeptExport> {
    if (this.#closed) throw new Error('the server is shutting down');
    const busy = [...this.#entries.values()].filter((e) => e.state === 'running').length;
    if (busy >= this.#options.maxRunning) {
      throw new HttpError(503, `${busy} exports are running, the most this server runs at once; ask again later`, {
        'Retry-After': '30',
      });
    }
    const path = join(await this.#dir(), `${key}.part`);
    const file = await open(path, 'w', 0o600);
    const abort = new AbortController();
    let running: RunningExport;
    try {
      running = run(abort.signal);
    } catch (error) {
      await file.close();
      await unlink(path).catch(() => undefined);
      throw error;
    }
    running.summary.catch(() => undefined);
    const entry = new KeptExport(key, path, abort, running.head);
    running.head.catch(() => undefined);
    this.#entries.set(key, entry);
    void this.#write(entry, running, file);
    return entry;
  }

  async #write(entry: KeptExport, running: RunningExport, file: FileHandle): Promise<void> {
    try {
      entry.head = await running.head;
      entry.notify();
      for await (const chunk of running.stream as AsyncIterable<Buffer>) {
        let written = 0;
        while (written < chunk.length)
          written += (await file.write(chunk, written, chunk.length - written, entry.bytes + written)).bytesWritten;
        entry.bytes += chunk.length;
        running.recycle(chunk);
        entry.notify();
      }
      await running.summary;
      await file.close();
      entry.state = 'done';
      entry.finishedAt = Date.now();
      entry.notify();
      entry.expireAfter(this.#options.keepMs, () => void this.#remove(entry, 'its time is up'));
      this.#enforceBudget();
    } catch (error) {
      running.stream.destroy();
      await file.close().catch(() => undefined);
      entry.state = 'failed';
      entry.failure = error instanceof Error ? error : new Error(String(error));
      entry.notify();
      this.#options.log(`kept export ${entry.key} failed: ${messageOf(error)}`);
      await this.#remove(entry, 'it failed');
    }
  }

  /** Removes the oldest finished exports until the finished ones fit in `maxBytes`. */
  #enforceBudget(): void {
    const finished = [...this.#entries.values()]
      .filter((e) => e.state === 'done')
      .sort((a, b) => a.finishedAt - b.finishedAt);
    let total = finished.reduce((sum, e) => sum + e.bytes, 0);
    for (const entry of finished) {
      if (total <= this.#options.maxBytes) break;
      total -= entry.bytes;
      void this.#remove(entry, 'the kept exports are over their size budget');
    }
  }

  async #remove(entry: KeptExport, why: string): Promise<void> {
    entry.clearTimer();
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    if (entry.state === 'done') this.#options.log(`kept export ${entry.key} removed: ${why}`);
    await unlink(entry.path).catch(() => undefined);
  }

  /** Stops the running exports and removes every kept file and the directory. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of entries) {
      entry.clearTimer();
      if (entry.state === 'running') entry.abort.abort(new Error('the server is shutting down'));
    }
    // A running export's writer unlinks its file once it has stopped; the directory goes regardless.
    await Promise.all(entries.map((e) => (e.state === 'running' ? e.finished(60_000) : undefined)));
    if (this.#directory !== undefined) await rm(await this.#directory, { recursive: true, force: true });
  }
}
