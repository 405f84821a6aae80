/**
 * Parses the files of a pass ahead of the one being yielded, on the pool's threads and on the calling thread,
 * and hands the outcomes back in file order.
 *
 * The threads take the earliest files not yet started, several at a time. When the caller wants a file a thread is still parsing, it does not wait idle: it parses
 * the furthest file of the window no one has started, itself. So the calling thread parses only what its own
 * work (filter, writer) leaves it time for, and a pool of one thread plus the caller keeps two cores busy with
 * the memory of one extra parser.
 */
import type { MessageRecord } from '@pstream/pst';
import type { SpoolGroup } from './spool.js';

/** One file of the pass. */
export interface AheadFile {
  readonly size: number;
}

export interface Parsed {
  readonly record: MessageRecord;
  /** Bytes read: the message as stored. */
  readonly size: number;
  /** Its spooled attachments, released with the message. */
  readonly spool: SpoolGroup;
}

/** A file's outcome: its message, or the damage that made it unreadable (a failure of the read rejects instead). */
export type Outcome = { readonly ok: true; readonly parsed: Parsed } | { readonly ok: false; readonly damage: unknown };

export interface ParseAheadOptions<F extends AheadFile> {
  /** Parses on the calling thread. */
  readonly here: (file: F) => Promise<Outcome>;
  /** Parses on a thread of the pool. */
  readonly there: (file: F) => Promise<Outcome>;
  /** Jobs the pool may hold at once (started, not answered); it is given more once it holds half of them. */
  readonly poolJobs: number;
  /**
   * Bytes of files the pool may hold at once (at least one file): with large messages, the window must keep files
   * for the calling thread to parse too.
   */
  readonly poolBytes: number;
  /** Files started and not yet taken, at most: by count, and by bytes (at least one file). */
  readonly aheadFiles: number;
  readonly aheadBytes: number;
}

interface Entry<F> {
  readonly file: F;
  work?: Promise<Outcome>;
  done: boolean;
}

export class ParseAhead<F extends AheadFile> {
  readonly #files: readonly F[];
  readonly #options: ParseAheadOptions<F>;
  readonly #window: Entry<F>[] = [];
  #next = 0;
  #bytes = 0;
  #poolJobs = 0;
  #poolBytes = 0;
  #abandoned = false;

  constructor(files: readonly F[], options: ParseAheadOptions<F>) {
    this.#files = files;
    this.#options = options;
  }

  /** The next file in order and its outcome; undefined after the last. */
  async next(): Promise<{ file: F; outcome: Outcome } | undefined> {
    this.#fill();
    const head = this.#window[0];
    if (head === undefined) return undefined;
    while (!head.done) {
      if (head.work === undefined) {
        this.#start(head, 'here');
        break;
      }
      // The head is a thread's: parse the furthest file no one has started meanwhile, rather than wait.
      const spare = this.#window.findLast((e) => e.work === undefined);
      if (spare === undefined) break;
      await this.#start(spare, 'here').catch(() => undefined);
      this.#feedPool();
    }
    const outcome = await head.work!;
    this.#window.shift();
    this.#bytes -= head.file.size;
    return { file: head.file, outcome };
  }

  /** Stops starting work; what was started finishes (or fails) unobserved. */
  abandon(): void {
    this.#abandoned = true;
    this.#window.length = 0;
  }

  #fill(): void {
    const { aheadFiles, aheadBytes } = this.#options;
    while (!this.#abandoned && this.#next < this.#files.length) {
      const file = this.#files[this.#next]!;
      if (this.#window.length > 0 && (this.#window.length >= aheadFiles || this.#bytes + file.size > aheadBytes)) break;
      this.#next++;
      this.#window.push({ file, done: false });
      this.#bytes += file.size;
    }
    this.#feedPool();
  }

  /**
   * Gives the pool the earliest files not started, up to its job count, once it holds half of that or less: the
   * files given at once go to a thread in one message.
   */
  #feedPool(): void {
    if (this.#poolJobs > this.#options.poolJobs / 2) return;
    for (const entry of this.#window) {
      if (this.#poolJobs >= this.#options.poolJobs) return;
      if (entry.work !== undefined) continue;
      if (this.#poolJobs > 0 && this.#poolBytes + entry.file.size > this.#options.poolBytes) return;
      this.#start(entry, 'there');
    }
  }

  #start(entry: Entry<F>, where: 'here' | 'there'): Promise<Outcome> {
    const pooled = where === 'there';
    if (pooled) {
      this.#poolJobs++;
      this.#poolBytes += entry.file.size;
    }
    const work = (pooled ? this.#options.there : this.#options.here)(entry.file);
    entry.work = work;
    const settle = (): void => {
      entry.done = true;
      if (!pooled) return;
      this.#poolJobs--;
      this.#poolBytes -= entry.file.size;
      // The threads get more work as soon as they run low, not only when the caller comes back for a message.
      this.#feedPool();
    };
    // Taken, and its failure handled, in order; until then a failure must not count as unhandled.
    work.then(settle, settle);
    return work;
  }
}
