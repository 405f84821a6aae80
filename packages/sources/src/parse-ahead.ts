/**
 * Hands the files of a pass to a pool of parsing threads ahead of the one being yielded, and hands the outcomes
 * back in file order.
 *
 * The calling thread parses nothing: it filters and writes what the threads give it, and stays free for its host's
 * other work (a server's requests). Files go to the pool in batches (the jobs asked for in one tick travel to a
 * thread as one message) once no more than half of `maxJobs` are out; a file that settles makes room at once, so
 * that a thread whose batch is done does not wait for the caller to take the head.
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
  /** Parses on a thread of the pool. */
  readonly parse: (file: F) => Promise<Outcome>;
  /** Files handed to the pool and not yet taken, at most: by count, and by bytes (at least one file). */
  readonly maxJobs: number;
  readonly maxBytes: number;
}

interface Entry<F> {
  readonly file: F;
  readonly work: Promise<Outcome>;
}

export class ParseAhead<F extends AheadFile> {
  readonly #files: readonly F[];
  readonly #options: ParseAheadOptions<F>;
  readonly #window: Entry<F>[] = [];
  #next = 0;
  #bytes = 0;
  #unsettled = 0;
  #abandoned = false;

  constructor(files: readonly F[], options: ParseAheadOptions<F>) {
    this.#files = files;
    this.#options = options;
  }

  /** Files handed to the pool whose outcome has not come back yet. */
  get unsettled(): number {
    return this.#unsettled;
  }

  /** The next file in order and its outcome; undefined after the last. */
  async next(): Promise<{ file: F; outcome: Outcome } | undefined> {
    this.#fill(this.#window.length === 0);
    const head = this.#window[0];
    if (head === undefined) return undefined;
    const outcome = await head.work;
    this.#window.shift();
    this.#bytes -= head.file.size;
    return { file: head.file, outcome };
  }

  /** Stops handing out files; what was handed out finishes (or fails) unobserved. */
  abandon(): void {
    this.#abandoned = true;
    this.#window.length = 0;
  }

  /** Hands out the next files if at most half of `maxJobs` are out, or if `force`d (nothing is out). */
  #fill(force: boolean): void {
    const { maxJobs, maxBytes } = this.#options;
    if (!force && this.#window.length > maxJobs / 2) return;
    while (!this.#abandoned && this.#next < this.#files.length) {
      const file = this.#files[this.#next]!;
      if (this.#window.length > 0 && (this.#window.length >= maxJobs || this.#bytes + file.size > maxBytes)) break;
      this.#next++;
      this.#bytes += file.size;
      this.#unsettled++;
      const entry: Entry<F> = { file, work: this.#options.parse(file) };
      this.#window.push(entry);
      const settle = (): void => {
        this.#unsettled--;
        this.#fill(false);
      };
      // Taken, and its failure handled, in order; until then a failure must not count as unhandled.
      entry.work.then(settle, settle);
    }
  }
}
