/**
 * The MIME parsing thread of `MimeParsePool` (a module of its own, so that bundlers see a worker entry, and
 * nothing is evaluated from strings). It parses the `.eml` files it is sent, one after another in the order
 * received, and answers each with a `WorkerAnswer`. Attachments are spooled by this thread into the source's
 * spool directory (file names prefixed with the thread's id); the files then belong to the main thread, which
 * deletes them with the message.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isItemDamage } from './errors.js';
import { parseMime } from './mime-message.js';
import { toPortable } from './portable-record.js';
import { SpoolDirectory, SpoolGroup } from './spool.js';
import type { WorkerAnswer, WorkerJob } from './parse-pool.js';

/** Files up to this size are read whole, as soon as they are received (while the thread parses the one before). */
export const WHOLE_FILE_BYTES = 1024 * 1024;

const port = parentPort;
if (port === null) throw new Error('mime-worker.js runs as a worker thread (see MimeParsePool)');

const directories = new Map<string, SpoolDirectory>();
let queue: Promise<void> = Promise.resolve();

port.on('message', (job: WorkerJob) => {
  // The read starts now; the parse waits for the jobs before it (answers keep the order they were asked in).
  const bytes = job.size <= WHOLE_FILE_BYTES ? readFile(job.path) : undefined;
  bytes?.catch(() => undefined);
  queue = queue.then(() => run(job, bytes));
});

async function run(job: WorkerJob, whole: Promise<Buffer> | undefined): Promise<void> {
  let directory = directories.get(job.spoolDir);
  if (directory === undefined) directories.set(job.spoolDir, (directory = new SpoolDirectory(undefined, { dir: job.spoolDir, prefix: `t${threadId}-` })));
  const spool = new SpoolGroup(directory);
  let answer: WorkerAnswer;
  try {
    const input = whole ? await whole : createReadStream(job.path);
    const parsed = await parseMime(input, { spool });
    answer = { id: job.id, ok: true, record: toPortable(parsed.record, spool), size: parsed.size };
    spool.handOver();
  } catch (error) {
    await spool.dispose();
    const e = error instanceof Error ? error : new Error(String(error));
    const code = (e as NodeJS.ErrnoException).code;
    answer = { id: job.id, ok: false, damage: isItemDamage(e), name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  port!.postMessage(answer);
}
