/**
 * A small pool of MIME parsing threads (`mime-worker.ts`): the `.eml` tree source hands it the next files while
 * it yields the current message, so that files are read ahead and parsed on every core, and takes the answers
 * back in its own order.
 *
 * A pool belongs to its creator, who lends it: a source makes one for a pass, an export one for all its sources (a
 * thread's compiled parser stays warm from one source to the next), a server one for all its exports. Its jobs are
 * tagged by pass, so that a pass that ends early cancels its own (`cancel`) and nobody else's. The threads start at
 * the first parse; each holds a reference on the event loop only while it has work; `close()` terminates them and
 * fails what is still pending.
 *
 * Jobs asked for in one go (the same tick) travel to a thread as one message, and the thread answers a batch with
 * one message: waking a thread costs tens of microseconds here, more than a small message's share of a parse.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MimeDamageError } from './errors.js';
import type { PortableRecord } from './portable-record.js';
import { SpoolError } from './spool.js';

/** One file to parse. */
export interface WorkerJob {
  readonly id: number;
  readonly path: string;
  /** The file's size from the listing: small files are read whole. */
  readonly size: number;
  /** Where the thread spools attachments (the source's spool directory). */
  readonly spoolDir: string;
}

/** Jobs a thread is to skip if it has not started them (`MimeParsePool.cancel`). */
export interface WorkerCancel {
  readonly cancel: readonly number[];
}

/** A thread's answer: the parsed record, or why there is none. */
export type WorkerAnswer =
  | { readonly id: number; readonly ok: true; readonly record: PortableRecord; readonly size: number }
  | {
      readonly id: number;
      readonly ok: false;
      /** The message's own damage (kept as a damaged item) rather than a failure of the read (the disk). */
      readonly damage: boolean;
      readonly name: string;
      readonly message: string;
      readonly code?: string;
    };

export type ParseAnswer = Extract<WorkerAnswer, { ok: true }>;

/** The message could not be parsed in a thread (its own damage, code `malformed-message`); the reason is the message. */
export class ParseDamage extends MimeDamageError {
  override readonly name: string = 'ParseDamage';
}

/**
 * Threads a pool starts by default: one a core but one, at least one, at most four. The core left over is for the
 * caller's own thread (the filter and the writer of an export, its host's requests) and the threads' garbage
 * collection; on 2 cores a second thread bought little speed for a second parser's heap (benchmarks/README.md).
 */
export function defaultParseThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

interface Pending {
  readonly resolve: (answer: ParseAnswer) => void;
  readonly reject: (error: Error) => void;
  readonly bytes: number;
  /** The caller's tag for its jobs, by which `cancel` finds them. */
  readonly group: object | undefined;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Bytes of the files it has yet to answer for: new work goes to the least loaded thread. */
  load: number;
  /** Jobs asked for in this tick, sent together at its end. */
  batch: WorkerJob[];
  /** Why the thread can take no more work. */
  failed?: Error;
}

/**
 * The thread's module beside this one. Run from the TypeScript sources (the tests, under tsx), a plain module
 * starts it, which registers the loader first (see `mime-worker-source.mjs`).
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./mime-worker-source.mjs', import.meta.url)
  : new URL('./mime-worker.js', import.meta.url);

/** Each thread's young generation, in MB (V8's default is several times larger). */
const YOUNG_GENERATION_MB = 8;
/**
 * A parsing thread stopped before it answered (it failed, or was terminated from outside): the file is not known to
 * be at fault, and its caller parses it on its own thread instead. The pool starts a new thread for the next file.
 */
export class ParseThreadLost extends Error {
  override readonly name: string = 'ParseThreadLost';
}

export class MimeParsePool {
  readonly #threads: number;
  /** The running threads; none until the first parse, and none again after `close`. */
  #slots: Slot[] = [];
  #nextId = 0;
  #closed: Error | undefined;
  /** Threads being terminated: `close` resolves once every one is done. */
  #terminating: Promise<unknown> = Promise.resolve();

  constructor(threads = defaultParseThreads()) {
    if (!Number.isSafeInteger(threads) || threads < 1)
      throw new RangeError(`threads must be a positive integer, got ${String(threads)}`);
    this.#threads = threads;
  }

  get threads(): number {
    return this.#threads;
  }

  /** Threads running now: none before the first parse and after `close`, up to `threads` in between. */
  get running(): number {
    return this.#slots.length;
  }

  /** Jobs asked for and not answered yet. */
  get pending(): number {
    return this.#slots.reduce((n, slot) => n + slot.pending.size, 0);
  }

  #start(): Slot {
    // A parse's garbage is short-lived: a small young generation keeps each thread's heap (and the export's RSS)
    // small at no measurable cost in time. The old generation is not limited: a thread that reaches a limit while
    // it allocates a large body at once takes the whole process down with it, not only itself.
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const slot: Slot = { worker, pending: new Map(), load: 0, batch: [] };
    worker.unref();
    worker.on('message', (answers: readonly WorkerAnswer[]) => {
      for (const answer of answers) {
        const job = slot.pending.get(answer.id);
        if (job === undefined) continue;
        slot.pending.delete(answer.id);
        slot.load -= job.bytes;
        if (answer.ok) job.resolve(answer);
        else job.reject(answerError(answer));
      }
      // A thread being terminated keeps its reference until it is gone (see `close`): an answer that crossed the
      // termination must not drop it, or `close` would wait on a loop that has nothing left to run.
      if (slot.pending.size === 0 && !slot.failed) worker.unref();
    });
    worker.on('error', (error) =>
      this.#lose(slot, new ParseThreadLost(`a MIME parsing thread failed: ${error.message}`, { cause: error })),
    );
    worker.on('exit', (code) =>
      this.#lose(slot, new ParseThreadLost(`a MIME parsing thread stopped (exit code ${code})`)),
    );
    return slot;
  }

  /** `slot`'s thread is gone on its own: what it had to do fails with `error`, and a new thread takes its place. */
  #lose(slot: Slot, error: Error): void {
    if (slot.failed) return; // terminated by close, which failed its work with its reason
    this.#fail(slot, error);
    const at = this.#slots.indexOf(slot);
    if (at >= 0) this.#slots.splice(at, 1);
  }

  /** Fails everything `slot` still had to do. */
  #fail(slot: Slot, error: Error): void {
    slot.failed ??= error;
    slot.batch = [];
    for (const job of slot.pending.values()) job.reject(slot.failed);
    slot.pending.clear();
    slot.load = 0;
  }

  /**
   * Starts the threads now rather than at the first parse: each loads its modules (tens of milliseconds of a
   * thread's time) while its caller is still busy with other things, such as listing the files to parse. Does
   * nothing on a closed pool.
   */
  warm(): void {
    if (this.#closed) return;
    while (this.#slots.length < this.#threads) this.#slots.push(this.#start());
  }

  /**
   * Parses the file at `path`. Rejects with a `ParseDamage` when the message is damaged, with the thread's error
   * (a `SpoolError` for the temporary directory) when the read failed, with `ParseThreadLost` when the thread
   * stopped before it answered, and when the pool is closed or the job cancelled. `group` tags the job for
   * `cancel`.
   */
  parse(path: string, size: number, spoolDir: string, group?: object): Promise<ParseAnswer> {
    if (this.#closed) return Promise.reject(this.#closed);
    this.warm();
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (!s.failed && (slot.failed || s.load < slot.load)) slot = s;
    if (slot.failed) return Promise.reject(slot.failed);
    const id = this.#nextId++;
    const job: WorkerJob = { id, path, size, spoolDir };
    return new Promise<ParseAnswer>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject, bytes: size, group });
      slot.load += size;
      if (slot.batch.push(job) === 1) queueMicrotask(() => this.#send(slot));
    });
  }

  #send(slot: Slot): void {
    const jobs = slot.batch;
    slot.batch = [];
    if (slot.failed || jobs.length === 0) return;
    slot.worker.postMessage(jobs);
  }

  /**
   * Fails the jobs of `group` not answered yet with `reason`, at once; a thread skips those it has not started. A
   * pass that ends early (an abort, a failure, a consumer that stops) leaves no work behind in a pool others share.
   */
  cancel(group: object, reason: Error): void {
    for (const slot of this.#slots) {
      const ids: number[] = [];
      for (const [id, job] of slot.pending) {
        if (job.group !== group) continue;
        slot.pending.delete(id);
        slot.load -= job.bytes;
        ids.push(id);
        job.reject(reason);
      }
      if (ids.length === 0) continue;
      const unsent = new Set(ids);
      slot.batch = slot.batch.filter((job) => !unsent.has(job.id));
      if (!slot.failed) slot.worker.postMessage({ cancel: ids });
      if (slot.pending.size === 0 && !slot.failed) slot.worker.unref();
    }
  }

  /** Terminates every thread; what is pending fails with `reason`. */
  async close(reason: Error = new Error('the MIME parsing pool is closed')): Promise<void> {
    this.#closed ??= reason;
    const slots = this.#slots;
    this.#slots = [];
    for (const slot of slots) this.#fail(slot, this.#closed);
    // An idle thread holds no reference on the event loop (see `#start`): one is taken back for the termination, or
    // a caller awaiting `close` with nothing else pending would see the loop end before the thread does.
    this.#terminating = Promise.all([
      this.#terminating,
      ...slots.map((s) => {
        s.worker.ref();
        return s.worker.terminate();
      }),
    ]);
    await this.#terminating;
  }
}

/** A thread's failure as an error of the main thread, of the class it had where one is known here. */
function answerError(answer: Extract<WorkerAnswer, { ok: false }>): Error {
  if (answer.damage) return new ParseDamage(answer.message);
  if (answer.name === 'SpoolError') return new SpoolError(answer.message);
  const error = new Error(answer.message) as NodeJS.ErrnoException;
  error.name = answer.name;
  if (answer.code !== undefined) error.code = answer.code;
  return error;
}
