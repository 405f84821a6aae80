/**
 * The MIME parsing thread of `MimeParsePool` (a module of its own, so that bundlers see a worker entry, and
 * nothing is evaluated from strings). It parses the `.eml` files it is sent, one after another in the order
 * received, and answers each batch of jobs with one message of `WorkerAnswer`s. Files up to `WHOLE_MESSAGE_BYTES`
 * are read whole with blocking reads: this thread has nothing else to do meanwhile, and a read from the page cache
 * costs far less than the round trips of an asynchronous one. Attachments are spooled by this thread into the source's
 * spool directory (file names prefixed with the thread's id and the job's); the files then belong to the main
 * thread, which deletes them with the message. A job cancelled before it started is skipped, unanswered.
 */

import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, threadId } from 'node:worker_threads';
import { isItemDamage } from './errors.js';
import { loadMimeParser, parseMime, WHOLE_MESSAGE_BYTES } from './mime-message.js';
import type { WorkerAnswer, WorkerCancel, WorkerJob } from './parse-pool.js';
import { toPortable } from './portable-record.js';
import { SpoolDirectory, SpoolGroup } from './spool.js';

const port = parentPort;
if (port === null) throw new Error('mime-worker.js runs as a worker thread (see MimeParsePool)');

/**
 * The nice value of this thread: parsing is background work, and when the cores are short, the process' own thread
 * (its host's requests, the export's writer) and other processes come first. Only on Linux, where the nice value
 * is a thread's own (setpriority(2), "Bugs"): elsewhere it would lower the whole process.
 */
export const PARSE_THREAD_NICE = 10;
if (process.platform === 'linux') {
  try {
    setPriority(PARSE_THREAD_NICE);
  } catch {
    // A sandbox that forbids it: the thread runs at the process' priority.
  }
}

/**
 * The jobs, one after another. The first waits for mailparser's modules, loaded as soon as the thread starts: this
 * thread exists to parse MIME, and a pool started ahead (`MimeParsePool.warm`) then has them compiled while its
 * caller still lists the files, instead of at the first file. A failed load fails each parse in its turn.
 */
let queue: Promise<void> = loadMimeParser().catch(() => undefined);

/** Jobs cancelled before they were started: skipped, unanswered (their caller has moved on). */
const cancelled = new Set<number>();

port.on('message', (message: readonly WorkerJob[] | WorkerCancel) => {
  if (!Array.isArray(message)) {
    for (const id of (message as WorkerCancel).cancel) cancelled.add(id);
    return;
  }
  const jobs = message as readonly WorkerJob[];
  // A batch waits for the ones before it: answers keep the order they were asked in.
  queue = queue.then(async () => {
    const answers: WorkerAnswer[] = [];
    for (const job of jobs) {
      if (cancelled.delete(job.id)) continue;
      // A thread's jobs come in the order of their ids: a cancelled id below this one was answered before its
      // cancellation arrived, and will never come.
      for (const id of cancelled) if (id < job.id) cancelled.delete(id);
      answers.push(await run(job));
    }
    if (answers.length > 0) port.postMessage(answers);
  });
});

/** Files up to this size get a buffer of their own; a larger one is read into `large`. */
const SMALL_FILE_BYTES = 1024 * 1024;

/**
 * The buffer large messages are read into, one after another: nothing of a message is kept once it is parsed (the
 * record's texts are strings, its attachments decoded or copied out), and a new buffer of several MB per message
 * would pile up between the collections that free them.
 */
let large = Buffer.alloc(0);

/**
 * The file at `path` whole; a view of `large` when it is larger than `SMALL_FILE_BYTES`; undefined when it has grown
 * past `WHOLE_MESSAGE_BYTES` since it was listed (it is streamed then).
 */
function readMessage(path: string): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > WHOLE_MESSAGE_BYTES) return undefined;
    let buffer: Buffer;
    if (size <= SMALL_FILE_BYTES) {
      buffer = Buffer.allocUnsafe(size);
    } else {
      if (large.length < size) large = Buffer.allocUnsafeSlow(size);
      buffer = large;
    }
    let filled = 0;
    for (let n = 1; n > 0 && filled < size; filled += n) n = readSync(fd, buffer, filled, size - filled, filled);
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

async function run(job: WorkerJob): Promise<WorkerAnswer> {
  // The job's id (unique in its pool) in its files' names: the sources sharing a pool spool side by side, and
  // nothing is kept per directory in a thread that may outlive thousands of them.
  const directory = new SpoolDirectory(undefined, { dir: job.spoolDir, prefix: `t${threadId}-j${job.id}-` });
  const spool = new SpoolGroup(directory);
  let answer: WorkerAnswer;
  try {
    const input = (job.size <= WHOLE_MESSAGE_BYTES ? readMessage(job.path) : undefined) ?? createReadStream(job.path);
    const parsed = await parseMime(input, { spool });
    answer = { id: job.id, ok: true, record: toPortable(parsed.record, spool), size: parsed.size };
    spool.handOver();
  } catch (error) {
    await spool.dispose();
    const e = error instanceof Error ? error : new Error(String(error));
    const code = (e as NodeJS.ErrnoException).code;
    answer = {
      id: job.id,
      ok: false,
      damage: isItemDamage(e),
      name: e.name,
      message: e.message,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return answer;
}
