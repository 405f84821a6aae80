/**
 * Write-behind for the NDB writer: the file writes of a flushed slot (and, without the native kernel, its block
 * CRCs) run on a second thread while the writer fills the next slot of its buffer.
 *
 * The writer's buffer is split in `WRITE_SLOTS` slots, used in turn. While it fills one, it records where each block
 * whose CRC is left to the job lies (with the native kernel the writer computes them itself and records none). A
 * flush hands the slot over as a job: compute each recorded block's `dwCRC` ([MS-PST] §2.2.2.8.1, BLOCKTRAILER) into
 * its trailer, write the slot to the file with positional writes, write the slot's patches (map pages of regions
 * that began in an earlier slot, §2.2.2.7.2). Jobs run in the order they were handed over, so a later write to the
 * same bytes always lands last. The writer's API stays synchronous: it waits (with
 * `Atomics.wait`) only when it needs a slot that is still being written.
 *
 * Small files never start the thread: the first jobs run on the caller's thread, through the same function. The
 * thread is started once a file has grown past `threadAfterJobs` flushes. If it does not start within a few seconds,
 * the writer takes the jobs back and runs them itself. A failed write (ENOSPC, EIO) is reported by the next flush,
 * or by `drain()`, with the error's message and code.
 *
 * A WriteBehind (buffer, tables and thread) outlives one file: `attach` gives it a file descriptor and `detach` takes
 * it back once every job is written. An export writes its parts one after the other, so `acquireWriteBuffer` keeps a
 * few detached ones for the next file instead of starting a thread and allocating a buffer per part.
 */
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { createPermuteBuffer, instantiateKernel, type PermuteBuffer, type PermuteKernel } from '../encode/permute-buffer.js';

/** Control words, in `JobTables.control`. */
const enum Control {
  /** Jobs handed over so far. */
  Submitted = 0,
  /** Jobs finished so far. */
  Completed = 1,
  /** 1 once a job failed; the error is in `errorText`. */
  Failed = 2,
  /** 1 when the thread should stop once the queue is empty. */
  Stop = 3,
  /** 0 until claimed: 1 by the thread when it starts, 2 by the writer when it gives up waiting for it. */
  Started = 4,
  /** 1 once the thread has left its loop (and will not touch the file again). */
  Stopped = 5,
  /** Bytes of JSON in `errorText`. */
  ErrorLength = 6,
  /** The file descriptor jobs are written to. */
  Fd = 7,
}

/** Everything the two threads share: typed arrays over shared memory. */
export interface JobTables {
  /** The writer's whole buffer (every slot). */
  readonly memory: Uint8Array;
  /** How many slots `memory` holds; job n uses slot n % slotCount. */
  readonly slotCount: number;
  readonly control: Int32Array;
  /** Per slot: start in `memory`, length, number of blocks, number of patches. */
  readonly slots: Int32Array;
  /** Per slot: the file offset of the slot's first byte. */
  readonly positions: Float64Array;
  /** Per slot, `maxBlocks` pairs: the block's data offset in `memory` and its `cb`. */
  readonly blocks: Int32Array;
  readonly maxBlocks: number;
  /** Per slot, `maxPatches` page images and their file offsets. */
  readonly patchBytes: Uint8Array;
  readonly patchPositions: Float64Array;
  readonly maxPatches: number;
  readonly patchSize: number;
  readonly errorText: Uint8Array;
  /** The permute kernel, for blocks whose encoding is left to the job (entered with a negative `cb`). */
  readonly kernel?: PermuteKernel;
}

type Crc32 = (data: Uint8Array, value: number) => number;
type WriteSync = (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => number;
/** Permute-encodes `length` bytes at `at` of `JobTables.memory`, in place. */
type Encode = (at: number, length: number) => void;

/**
 * Runs the job of `slot`. Its source is also the thread's code, so it refers to nothing outside its parameters.
 */
function runJob(t: JobTables, slot: number, crc: Crc32, write: WriteSync, encode: Encode): void {
  const memory = t.memory;
  const start = t.slots[slot * 4]!;
  const length = t.slots[slot * 4 + 1]!;
  const blockCount = t.slots[slot * 4 + 2]!;
  const patchCount = t.slots[slot * 4 + 3]!;
  const list = slot * t.maxBlocks * 2;
  for (let i = 0; i < blockCount; i++) {
    const at = t.blocks[list + 2 * i]!;
    let cb = t.blocks[list + 2 * i + 1]!;
    if (cb < 0) {
      cb = -cb;
      encode(at, cb);
    }
    // BLOCKTRAILER: the block's bytes are padded to a multiple of 64 with the 16-byte trailer last; dwCRC is at +4.
    const crcAt = at + ((cb + 16 + 63) & ~63) - 12;
    const value = ~crc(memory.subarray(at, at + cb), 0xffffffff) >>> 0;
    memory[crcAt] = value & 0xff;
    memory[crcAt + 1] = (value >>> 8) & 0xff;
    memory[crcAt + 2] = (value >>> 16) & 0xff;
    memory[crcAt + 3] = value >>> 24;
  }
  const position = t.positions[slot]!;
  const fd = t.control[7 /* Fd */]!;
  for (let done = 0; done < length; ) done += write(fd, memory, start + done, length - done, position + done);
  for (let p = 0; p < patchCount; p++) {
    const from = (slot * t.maxPatches + p) * t.patchSize;
    const at = t.patchPositions[slot * t.maxPatches + p]!;
    for (let done = 0; done < t.patchSize; ) done += write(fd, t.patchBytes, from + done, t.patchSize - done, at + done);
  }
}

/** The thread's loop. Like `runJob`, it refers to nothing outside its parameters (control words are literals). */
function serveJobs(t: JobTables, run: typeof runJob, crc: Crc32, write: WriteSync, encode: Encode): void {
  const c = t.control;
  if (Atomics.compareExchange(c, 4 /* Started */, 0, 1) !== 0) return; // the writer gave up on this thread
  Atomics.notify(c, 1 /* Completed */);
  let completed = Atomics.load(c, 1 /* Completed */);
  try {
    for (;;) {
      const submitted = Atomics.load(c, 0 /* Submitted */);
      if (submitted === completed) {
        if (Atomics.load(c, 3 /* Stop */)) break;
        Atomics.wait(c, 0 /* Submitted */, submitted, 1000);
        continue;
      }
      if (!Atomics.load(c, 2 /* Failed */)) {
        try {
          run(t, completed % t.slotCount, crc, write, encode);
        } catch (err) {
          const e = err as { message?: unknown; code?: unknown; errno?: unknown; syscall?: unknown };
          const text = new TextEncoder().encode(
            JSON.stringify({ message: String(e.message ?? err), code: e.code, errno: e.errno, syscall: e.syscall }),
          );
          const n = Math.min(text.length, t.errorText.length);
          t.errorText.set(text.subarray(0, n));
          Atomics.store(c, 6 /* ErrorLength */, n);
          Atomics.store(c, 2 /* Failed */, 1);
        }
      }
      completed++;
      Atomics.store(c, 1 /* Completed */, completed);
      Atomics.notify(c, 1 /* Completed */);
    }
  } finally {
    Atomics.store(c, 5 /* Stopped */, 1);
    Atomics.notify(c, 1 /* Completed */);
  }
}

const THREAD_SOURCE = `'use strict';
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { crc32 } = require('node:zlib');
const runJob = ${runJob.toString()};
const serveJobs = ${serveJobs.toString()};
const instantiateKernel = ${instantiateKernel.toString()};
const kernel = workerData.kernel;
let encode = () => { throw new Error('internal: no permute kernel in the write thread'); };
if (kernel) {
  const { encodeAt } = instantiateKernel(kernel.module, kernel.memory);
  encode = (at, length) => encodeAt(kernel.dataOffset + at, kernel.dataOffset + at, length);
}
serveJobs(workerData, runJob, crc32, writeSync, encode);
`;

/**
 * Slots of the write buffer. With four, the write thread can fall behind by three slots (a page-cache stall) before
 * the writer has to wait for it; with two, the writer waited for it about 15 % of the time on attachment-heavy mail.
 */
export const WRITE_SLOTS = 4;

/** How long the writer waits for the thread to start before running the jobs itself. */
const START_TIMEOUT_MS = 5000;

export interface WriteBehindOptions {
  /** Jobs run on the caller's thread before the write thread starts; `Infinity` never starts it. */
  readonly threadAfterJobs?: number;
  /** The permute buffer the memory belongs to: with its SIMD kernel, jobs can encode blocks too. */
  readonly staging?: PermuteBuffer;
}

/** The writer's side of the job queue. */
export class WriteBehind {
  readonly tables: JobTables;
  readonly slotSize: number;
  private readonly threadAfterJobs: number;
  private submitted = 0;
  private blockCount = 0;
  private patchCount = 0;
  private worker: Worker | undefined;
  private workerStartedAt = 0;
  private attached = false;
  private readonly encodeHere: Encode;
  /** Whether `noteBlock` takes blocks left to encode (a negative `cb`). */
  readonly encodesBlocks: boolean;

  /** `memory` is the writer's buffer, on shared memory: as many whole slots of `slotSize` bytes as it holds (two or more). */
  constructor(memory: Uint8Array, slotSize: number, patchSize: number, options: WriteBehindOptions = {}) {
    if (!(memory.buffer instanceof SharedArrayBuffer)) throw new TypeError('internal: the write buffer must be shared');
    if (memory.length < 2 * slotSize) throw new RangeError('internal: the write buffer holds less than two slots');
    this.slotSize = slotSize;
    const slotCount = Math.floor(memory.length / slotSize);
    this.threadAfterJobs = options.threadAfterJobs ?? 2;
    const maxBlocks = Math.ceil(slotSize / 64);
    const maxPatches = 16;
    const shared = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(bytes);
    this.tables = {
      memory,
      control: new Int32Array(shared(8 * 4)),
      slotCount,
      slots: new Int32Array(shared(slotCount * 4 * 4)),
      positions: new Float64Array(shared(slotCount * 8)),
      blocks: new Int32Array(shared(slotCount * maxBlocks * 2 * 4)),
      maxBlocks,
      patchBytes: new Uint8Array(shared(slotCount * maxPatches * patchSize)),
      patchPositions: new Float64Array(shared(slotCount * maxPatches * 8)),
      maxPatches,
      patchSize,
      errorText: new Uint8Array(shared(4096)),
      ...(options.staging?.kernel ? { kernel: options.staging.kernel } : {}),
    };
    const staging = options.staging;
    this.encodesBlocks = staging?.kernel !== undefined && staging.bytes === memory;
    this.encodeHere = staging ? (at, length) => staging.encode(at, at + length) : () => {
      throw new Error('internal: no permute encoder');
    };
  }

  /** Starts writing to `fd`: the jobs handed over from now on go there. */
  attach(fd: number): void {
    if (this.attached) throw new Error('internal: the write buffer is in use');
    if (Atomics.load(this.tables.control, Control.Failed)) throw new Error('internal: a failed write buffer is reused');
    Atomics.store(this.tables.control, Control.Fd, fd);
    this.blockCount = 0;
    this.patchCount = 0;
    this.failed = undefined;
    this.attached = true;
  }

  /**
   * Waits until every job handed over is written; the file descriptor is not used afterwards. Never throws. Returns
   * whether the WriteBehind can serve another file (no write failed). The slots keep whatever bytes they held: the
   * writer writes every byte of the range it hands over (gaps included), so old bytes never reach a file.
   */
  detach(): boolean {
    if (!this.attached) return false;
    this.attached = false;
    this.waitCompleted(this.submitted);
    this.blockCount = 0;
    this.patchCount = 0;
    return !Atomics.load(this.tables.control, Control.Failed);
  }

  /** Stops the write thread for good. */
  dispose(): void {
    this.attached = false;
    const c = this.tables.control;
    this.waitCompleted(this.submitted);
    if (!this.worker) return;
    Atomics.store(c, Control.Stop, 1);
    Atomics.notify(c, Control.Submitted);
    if (Atomics.load(c, Control.Started) === 1) {
      while (Atomics.load(c, Control.Stopped) === 0) Atomics.wait(c, Control.Completed, Atomics.load(c, Control.Completed), 100);
    }
    void this.worker.terminate();
    this.worker = undefined;
  }

  /** Where the slot being filled starts in the buffer. */
  get base(): number {
    return (this.submitted % this.tables.slotCount) * this.slotSize;
  }

  /** Whether the write thread runs (for tests and the benchmarks' notes). */
  get threaded(): boolean {
    return this.worker !== undefined && Atomics.load(this.tables.control, Control.Started) === 1;
  }

  /** Whether page images wait for the slot being filled to be handed over. */
  get hasPatches(): boolean {
    return this.patchCount > 0;
  }

  /**
   * Records a block of the slot being filled, whose `dwCRC` the job computes. A negative `cb` (when `encodesBlocks`)
   * asks the job to permute-encode the block's `-cb` data bytes first.
   */
  noteBlock(at: number, cb: number): void {
    const i = ((this.submitted % this.tables.slotCount) * this.tables.maxBlocks + this.blockCount++) * 2;
    this.tables.blocks[i] = at;
    this.tables.blocks[i + 1] = cb;
  }

  /**
   * Queues a page image to be written at `position` after the slot being filled. Only for bytes that no later write
   * of this slot covers (they lie before it). Returns false when the slot's patch list is full.
   */
  addPatch(position: number, page: Uint8Array): boolean {
    const t = this.tables;
    if (this.patchCount === t.maxPatches || page.length !== t.patchSize) return false;
    const i = (this.submitted % t.slotCount) * t.maxPatches + this.patchCount++;
    t.patchBytes.set(page, i * t.patchSize);
    t.patchPositions[i] = position;
    return true;
  }

  /** Hands the slot being filled over (`length` bytes, to be written at `position`) and makes the next one current. */
  submit(position: number, length: number): void {
    if (!this.attached) throw new Error('internal: the write buffer has no file');
    this.throwIfFailed();
    const t = this.tables;
    const slot = this.submitted % t.slotCount;
    t.slots[slot * 4] = slot * this.slotSize;
    t.slots[slot * 4 + 1] = length;
    t.slots[slot * 4 + 2] = this.blockCount;
    t.slots[slot * 4 + 3] = this.patchCount;
    t.positions[slot] = position;
    this.blockCount = 0;
    this.patchCount = 0;
    this.submitted++;
    // A thread is started once, and never again after the writer gave up waiting for one to start (Started = 2).
    if (!this.worker && this.submitted > this.threadAfterJobs && Atomics.load(t.control, Control.Started) === 0) this.startThread();
    if (this.worker) {
      Atomics.store(t.control, Control.Submitted, this.submitted);
      // Waking the thread costs tens of microseconds on a VM, so an idle thread is woken once two jobs wait, or when
      // the writer itself has to wait for it (`waitCompleted`).
      if (this.submitted - Atomics.load(t.control, Control.Completed) >= 2) Atomics.notify(t.control, Control.Submitted);
    } else {
      this.runHere();
    }
    // The next slot is the one handed over `slotCount` jobs ago: wait until it is written.
    this.waitCompleted(this.submitted - t.slotCount + 1);
  }

  /** Waits until every job handed over is written; throws the first write error. */
  drain(): void {
    this.waitCompleted(this.submitted);
    this.throwIfFailed();
  }

  private startThread(): void {
    this.worker = new Worker(THREAD_SOURCE, { eval: true, workerData: this.tables, stdout: false, stderr: false });
    this.worker.unref();
    this.worker.on('error', () => {}); // a failure to start is handled by the start timeout
    this.workerStartedAt = Date.now();
    // Jobs already run here are complete: the thread starts counting from there.
  }

  /** Runs the queued jobs on this thread (no write thread, or it never started). */
  private runHere(): void {
    const c = this.tables.control;
    let completed = Atomics.load(c, Control.Completed);
    while (completed < this.submitted) {
      if (!Atomics.load(c, Control.Failed)) {
        try {
          runJob(this.tables, completed % this.tables.slotCount, crc32, writeSync, this.encodeHere);
        } catch (err) {
          this.failed = err as Error;
          Atomics.store(c, Control.Failed, 1);
        }
      }
      completed++;
      Atomics.store(c, Control.Completed, completed);
    }
    Atomics.store(c, Control.Submitted, this.submitted);
  }

  private failed: Error | undefined;

  private waitCompleted(target: number): void {
    const c = this.tables.control;
    for (;;) {
      const completed = Atomics.load(c, Control.Completed);
      if (completed >= target) return;
      if (!this.worker) {
        this.runHere();
        continue;
      }
      if (Atomics.load(c, Control.Started) === 0 && Date.now() - this.workerStartedAt > START_TIMEOUT_MS) {
        if (Atomics.compareExchange(c, Control.Started, 0, 2) === 0) {
          void this.worker.terminate();
          this.worker = undefined;
          continue;
        }
      }
      Atomics.notify(c, Control.Submitted);
      Atomics.wait(c, Control.Completed, completed, 50);
    }
  }

  private throwIfFailed(): void {
    const c = this.tables.control;
    if (!Atomics.load(c, Control.Failed)) return;
    if (this.failed) throw this.failed;
    const text = new TextDecoder().decode(this.tables.errorText.slice(0, Atomics.load(c, Control.ErrorLength)));
    let info: { message: string; code?: string; errno?: number; syscall?: string };
    try {
      info = JSON.parse(text) as typeof info;
    } catch {
      info = { message: `writing the PST file failed: ${text}` }; // cut at the error area's 4 KiB
    }
    const err = Object.assign(new Error(info.message), { code: info.code, errno: info.errno, syscall: info.syscall });
    this.failed = err;
    throw err;
  }
}

// ------------------------------------------------------------------------------------------------ the pool

/** A write buffer, permute-encodable, with its WriteBehind. */
export interface WriteBuffer {
  readonly staging: PermuteBuffer;
  readonly writeBehind: WriteBehind;
}

/**
 * Detached write buffers kept for the next file (one per file being written at once is enough for an export), each
 * with the time it was released. One idle for `IDLE_MS` is disposed, so that a server does not keep threads (and
 * their descriptors) after a burst of exports.
 */
const idle: { buffer: WriteBuffer; since: number }[] = [];
const MAX_IDLE = 2;
const IDLE_MS = 5000;
let sweep: NodeJS.Timeout | undefined;

/** A write buffer of `WRITE_SLOTS` slots of `slotSize` bytes, attached to `fd`: a pooled one when there is one. */
export function acquireWriteBuffer(fd: number, slotSize: number, patchSize: number, options: WriteBehindOptions = {}): WriteBuffer {
  const pooled = options.threadAfterJobs === undefined ? idle.pop()?.buffer : undefined;
  const buffer = pooled ?? newWriteBuffer(slotSize, patchSize, options);
  if (buffer.writeBehind.slotSize !== slotSize) throw new Error('internal: write buffers of another size in the pool');
  buffer.writeBehind.attach(fd);
  return buffer;
}

/** Takes the buffer back from its file (after every write is done); keeps it for the next file when it is sound. */
export function releaseWriteBuffer(buffer: WriteBuffer): void {
  const reusable = buffer.writeBehind.detach();
  if (!reusable || idle.length >= MAX_IDLE) {
    buffer.writeBehind.dispose();
    return;
  }
  idle.push({ buffer, since: Date.now() });
  sweep ??= setTimeout(disposeIdle, IDLE_MS + 50).unref();
}

function disposeIdle(): void {
  sweep = undefined;
  const now = Date.now();
  for (let i = idle.length - 1; i >= 0; i--) {
    if (now - idle[i]!.since >= IDLE_MS) idle.splice(i, 1)[0]!.buffer.writeBehind.dispose();
  }
  if (idle.length > 0) sweep = setTimeout(disposeIdle, IDLE_MS + 50).unref();
}

function newWriteBuffer(slotSize: number, patchSize: number, options: WriteBehindOptions): WriteBuffer {
  const staging = createPermuteBuffer(WRITE_SLOTS * slotSize, { shared: true });
  return { staging, writeBehind: new WriteBehind(staging.bytes, slotSize, patchSize, { ...options, staging }) };
}
