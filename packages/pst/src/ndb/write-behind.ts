/**
 * Write-behind for the NDB writer: the writer fills one slot (a buffer of `slotSize` bytes) while the slots it handed
 * over are written to the file by asynchronous positional writes (`fs.write` at a position, run on libuv's thread
 * pool), so neither the file system nor the page cache ever holds up the host's event loop.
 *
 * A later write to the same bytes always lands last: a write starts only once every write handed over before it that
 * overlaps it is done (a rolled-back message's range written again, an AMap page written over the zeros staged for it
 * earlier, [MS-PST] §2.2.2.7.2). Writes that overlap nothing before them run side by side, up to `MAX_IN_FLIGHT`:
 * the thread pool then always has the next one while this thread is busy filling a slot.
 *
 * Nothing here waits synchronously. Handing a slot over never blocks: when every slot is still queued, the writer is
 * given a new one. `ready()` is where the writer's asynchronous callers wait, for a slot to come back and for the
 * event loop to have had a turn; they call it often enough (per message, per mebibyte of an attachment, per folder and
 * per few hundred B-tree pages at finish) that the ring stays at `WRITE_SLOTS` slots and no synchronous stretch
 * outlasts `TURN_INTERVAL_MS` by much.
 *
 * A failed write (ENOSPC, EIO) drops the writes queued behind it. The error, as Node raised it (message, code,
 * errno, syscall), is thrown by the next `submit`, `enqueue`, `ready` or `drain`.
 */
import { close, ftruncate, write } from 'node:fs';

/**
 * Slots of the ring. With four, the writes can fall three slots behind (a page-cache stall) before the writer has to
 * wait for them.
 */
export const WRITE_SLOTS = 4;

/**
 * The longest the writer runs before `ready()` lets the event loop take a turn (`setImmediate`): other requests of
 * the host, and the completions of these writes, are served in between.
 */
export const TURN_INTERVAL_MS = 2;

/** Writes under way at once, at most (libuv's thread pool has four threads by default, shared with reads). */
const MAX_IN_FLIGHT = 3;

/** One positional write: `bytes[0, length)` at `position`. */
interface Job {
  readonly bytes: Uint8Array;
  readonly length: number;
  readonly position: number;
  /** Whether `bytes` is a slot, which goes back to the ring once written. */
  readonly slot: boolean;
  started: boolean;
}

export class WriteBehind {
  readonly slotSize: number;
  private readonly fd: number;
  /** The slot being filled. */
  private current: Uint8Array;
  /** Written slots, ready for reuse (at most `WRITE_SLOTS`). */
  private readonly free: Uint8Array[] = [];
  /** Jobs handed over and not written yet, in the order handed over; `inFlight` of them are under way. */
  private readonly queue: Job[] = [];
  private queuedSlots = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  /** Resolved at every completed or failed write: each waiter checks its own condition again. */
  private waiters: (() => void)[] = [];
  /** Milliseconds, monotonic; a parameter so that tests decide how much time passed instead of racing the clock. */
  private readonly now: () => number;
  private lastTurn: number;
  private closing: Promise<void> | undefined;

  constructor(fd: number, slotSize: number, now: () => number = () => performance.now()) {
    this.fd = fd;
    this.slotSize = slotSize;
    this.current = new Uint8Array(slotSize);
    this.now = now;
    this.lastTurn = now();
  }

  /**
   * The slot being filled. It is reused without being cleared: the writer writes every byte of the range it hands
   * over (gaps included), so that old bytes never reach a file.
   */
  get slot(): Uint8Array {
    return this.current;
  }

  /** Slots and other writes handed over and not written yet. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Hands the slot being filled over (its first `length` bytes, to be written at `position`) and makes a free slot
   * current (a new one when all of them are queued). Throws the error of a failed write.
   */
  submit(position: number, length: number): void {
    this.throwIfFailed();
    this.throwIfClosed();
    if (length === 0) return;
    this.queue.push({ bytes: this.current, length, position, slot: true, started: false });
    this.queuedSlots++;
    this.current = this.free.pop() ?? new Uint8Array(this.slotSize);
    this.pump();
  }

  /** Queues `bytes` to be written at `position` after everything handed over so far; they must not change until then. */
  enqueue(position: number, bytes: Uint8Array): void {
    this.throwIfFailed();
    this.throwIfClosed();
    if (bytes.length === 0) return;
    this.queue.push({ bytes, length: bytes.length, position, slot: false, started: false });
    this.pump();
  }

  /**
   * Where the writer waits between synchronous stretches: resolves at once (`undefined`) unless every other slot is
   * still being written, or `TURN_INTERVAL_MS` passed since the event loop last had a turn. Throws (or rejects with)
   * the error of a failed write.
   */
  ready(): Promise<void> | undefined {
    this.throwIfFailed();
    if (this.queuedSlots >= WRITE_SLOTS - 1) return this.until(() => this.queuedSlots < WRITE_SLOTS - 1);
    if (this.now() - this.lastTurn >= TURN_INTERVAL_MS) return this.nextTurn();
    return undefined;
  }

  /** Resolves once everything handed over is in the file; rejects with the error of a failed write. */
  drain(): Promise<void> {
    return this.until(() => this.queue.length === 0);
  }

  /** Drains, then sets the file's size (`ftruncate`). */
  async truncate(length: number): Promise<void> {
    await this.drain();
    this.throwIfClosed(); // closed meanwhile: the descriptor's number may already name another file
    await new Promise<void>((resolve, reject) =>
      ftruncate(this.fd, length, (error) => (error ? reject(error) : resolve())),
    );
  }

  /**
   * Drops the writes not started yet and closes the file descriptor once those under way are done: the writer
   * drains a file it means to keep before closing it, and an abandoned one is deleted. Never rejects: a write error
   * is for `drain`.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (let j = this.queue.length - 1; j >= 0; j--) {
        const job = this.queue[j]!;
        if (job.started) continue;
        this.queue.splice(j, 1);
        if (job.slot) this.recycle(job.bytes);
      }
      this.wake();
      while (this.inFlight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
      await new Promise<void>((resolve) => close(this.fd, () => resolve()));
    })();
    return this.closing;
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done() && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.throwIfFailed();
  }

  private nextTurn(): Promise<void> {
    return new Promise((resolve) =>
      setImmediate(() => {
        this.lastTurn = this.now();
        resolve();
      }),
    );
  }

  /** Starts the jobs that overlap no job handed over before them, up to `MAX_IN_FLIGHT` under way. */
  private pump(): void {
    const queue = this.queue;
    for (let j = 0; j < queue.length && this.inFlight < MAX_IN_FLIGHT && !this.failure; j++) {
      const job = queue[j]!;
      if (job.started) continue;
      let free = true;
      for (let i = 0; i < j && free; i++) {
        const before = queue[i]!;
        free = before.position >= job.position + job.length || job.position >= before.position + before.length;
      }
      if (!free) continue;
      job.started = true;
      this.inFlight++;
      this.writeFrom(job, 0);
    }
  }

  private writeFrom(job: Job, done: number): void {
    write(this.fd, job.bytes, done, job.length - done, job.position + done, (error, written) => {
      if (error) return this.fail(error);
      if (written === 0)
        return this.fail(Object.assign(new Error('writing the PST file made no progress'), { code: 'EIO' }));
      if (done + written < job.length) return this.writeFrom(job, done + written);
      this.inFlight--;
      if (this.failure) return this.wake(); // the queue was dropped, this job's slot with it
      this.queue.splice(this.queue.indexOf(job), 1);
      if (job.slot) this.recycle(job.bytes);
      // A write's callback runs in a turn of the event loop.
      this.lastTurn = this.now();
      this.pump();
      this.wake();
    });
  }

  private recycle(slot: Uint8Array): void {
    this.queuedSlots--;
    if (this.free.length < WRITE_SLOTS - 1) this.free.push(slot);
  }

  private fail(error: Error): void {
    this.inFlight--;
    if (!this.failure) {
      this.failure = error;
      // Slots still being written are not reused: they are dropped with the queue.
      for (const job of this.queue.splice(0)) if (job.slot) this.queuedSlots--;
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private throwIfClosed(): void {
    if (this.closing) throw new Error('the PST file was closed (the writer was aborted)');
  }
}
