/**
 * A directory tree of `.eml` files as a mailbox.
 *
 * Every directory is a mail folder with the same name and nesting; the directory passed in is the top of
 * the mailbox, and the files directly in it belong to a folder named `rootFolderName` (`Inbox` by
 * default). A subdirectory with that same name is the same folder. Hidden files and directories (names
 * starting with `.`) are ignored. Within a folder, files are read in file-name order (numbers compared as
 * numbers), the `.eml` files first, then the other items (see `item-files.ts`): `.msg` files (one item
 * each), `.ics` files (each VEVENT an appointment, each VTODO a task) and `.vcf` files (each VCARD a contact).
 * Any other file is named in a warning (`reportWarning`). A folder whose items are all appointments, all
 * contacts or all tasks gets that kind's container class.
 *
 * Files are read ahead and, in a large tree, parsed by a pool of threads (`MimeParsePool`) while the caller
 * handles the messages before them; messages are still yielded in the order above.
 */

import { stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve, sep } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import type { FolderSpec } from '@pstream/pst';
import fg from 'fast-glob';
import { handleDamaged, isItemDamage, reasonOf, SourceError, throwIfAborted } from './errors.js';
import { fileRangeBytes, wholeFileBytes } from './item-bytes.js';
import {
  folderClassOf,
  ITEM_FILE_TYPES,
  type ItemFile,
  type ItemKind,
  itemKindsOf,
  readItemFile,
} from './item-files.js';
import { parseMime, parseMimeFile, WHOLE_MESSAGE_BYTES } from './mime-message.js';
import { type Outcome, ParseAhead } from './parse-ahead.js';
import { defaultParseThreads, MimeParsePool, ParseDamage, ParseThreadLost } from './parse-pool.js';
import { fromPortable } from './portable-record.js';
import { ReadCounter } from './read-progress.js';
import { readWhole } from './read-whole.js';
import type { MessageSource, SourceMessage, SourceOptions, SourceReadProgress } from './source.js';
import { SpoolDirectory, SpoolGroup } from './spool.js';

export interface EmlTreeOptions extends SourceOptions {
  /** The folder of the `.eml` files directly in the top directory. Default `Inbox`. */
  readonly rootFolderName?: string;
  /**
   * Threads that parse the `.eml` files (the calling thread then only takes their answers in order, see
   * `ParseAhead`); 0: the calling thread parses them itself. `'auto'` (the default): `defaultParseThreads()`
   * (one a core but one, at least one, at most four) for a tree of at least `PARSE_POOL_MIN_FILES` files, none
   * for a smaller one.
   */
  readonly parseThreads?: number | 'auto';
  /**
   * A pool of parsing threads to use instead of starting one, owned by the caller (who closes it) and shared by
   * the sources it is given to, passes of several at once included: a server gives one to all its exports, so that
   * the threads' memory is paid once and their compiled parser stays warm. Used unless `parseThreads` is 0,
   * whatever the tree's size.
   */
  readonly parsePool?: MimeParsePool;
}

/** The smallest tree `parseThreads: 'auto'` parses with a thread pool of its own. */
export const PARSE_POOL_MIN_FILES = 64;
/** Files read ahead of the message being yielded when parsing on the calling thread, at most. */
const AHEAD_FILES = 32;
/** Bytes of files read or parsed ahead, at most (at least one file). */
const AHEAD_BYTES = 64 * 1024 * 1024;
/** Files up to this size are read ahead when parsing on the calling thread. */
const READ_AHEAD_FILE_BYTES = 1024 * 1024;
/** Files a parsing thread is given at most (parsing one, the others waiting; given in batches of half as many). */
const POOL_JOBS_PER_THREAD = 16;

/** One `.eml` file of the listing. */
interface EmlFile {
  readonly folder: readonly string[];
  /** Relative to the top directory, `/`-separated. */
  readonly rel: string;
  readonly origin: string;
  readonly size: number;
}

/** The files of a tree: `.eml` files and other items by folder, the files not read, and the bytes to read. */
interface Listing {
  readonly groups: Array<{ folder: string[]; files: EmlFile[] }>;
  readonly itemGroups: Array<{ folder: string[]; files: ItemFile[] }>;
  readonly unread: string[];
  readonly bytes: number;
}

/** The default folder of `.eml` files found directly in the top directory. */
export const DEFAULT_ROOT_FOLDER = 'Inbox';

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Compares folder paths so that parents come before children and siblings are in name order. */
function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = collator.compare(a[i] ?? '', b[i] ?? '');
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Files in name order, then by path. Each name is taken once, not at each of the sort's comparisons: on a folder of
 * thousands of files those made one synchronous stretch long enough to delay a server's other requests.
 */
function sortedByName<T extends { readonly rel: string }>(files: readonly T[]): T[] {
  const named = files.map((file) => ({ file, name: basename(file.rel) }));
  named.sort((a, b) => collator.compare(a.name, b.name) || collator.compare(a.file.rel, b.file.rel));
  return named.map(({ file }) => file);
}

/**
 * Files of the listing grouped between two turns of the event loop (each folder's sort is a turn too): a tree of
 * thousands of files is otherwise one synchronous stretch that a server's other requests wait behind.
 */
const LISTING_STEP = 1024;

/** Files whose sizes are asked for at once, at most (see `fileSizes`). */
const STAT_BATCH = 64;

/**
 * The size of each of `files` (its path given by `pathOf`, called in order; symbolic links followed), `undefined`
 * for one that no longer exists. Asked in batches: thousands of `stat` calls in flight complete together, and their
 * callbacks then run in one turn of the event loop, which a server's other requests wait behind.
 */
async function fileSizes(
  files: readonly string[],
  pathOf: (file: string) => string,
): Promise<Array<number | undefined>> {
  const sizes: Array<number | undefined> = [];
  for (let at = 0; at < files.length; at += STAT_BATCH) {
    const batch = files.slice(at, at + STAT_BATCH).map((file) =>
      stat(pathOf(file)).then(
        (stats) => stats.size,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        },
      ),
    );
    sizes.push(...(await Promise.all(batch)));
  }
  return sizes;
}

/** Reads a directory of `.eml` files. */
export class EmlTreeSource implements MessageSource {
  readonly kind = 'eml' as const;
  readonly path: string;
  readonly name: string;
  readonly #options: EmlTreeOptions;
  readonly #spool: SpoolDirectory;
  readonly #read = new ReadCounter();
  /**
   * The listing `prepare()` or `folders()` started, for the `messages()` that follows (an export asks for both, one
   * after the other): the tree is walked and every file's size asked for once a pass, not twice.
   */
  #listed: Promise<Listing> | undefined;

  constructor(path: string, options: EmlTreeOptions = {}) {
    this.path = resolve(path);
    this.name = basename(this.path);
    this.#options = options;
    this.#spool = new SpoolDirectory(options.tmpDir);
  }

  get #rootFolder(): string {
    return this.#options.rootFolderName ?? DEFAULT_ROOT_FOLDER;
  }

  #folderOf(relativeDir: string): string[] {
    if (relativeDir === '' || relativeDir === '.') return [this.#rootFolder];
    return relativeDir.split('/');
  }

  /**
   * Every `.eml` file, grouped by folder (folders in `folders()` order), files in name order, and their total size
   * (for the progress: the one listing gives the sizes, no second walk).
   */
  async #files(): Promise<Listing> {
    const found = await fg('**/*', { cwd: this.path, onlyFiles: true, dot: false });
    const origins: string[] = [];
    const sizes = await fileSizes(found, (rel) => {
      const origin = this.path + sep + rel.split('/').join(sep);
      origins.push(origin);
      return origin;
    });
    const byFolder = new Map<string, { folder: string[]; files: EmlFile[] }>();
    const itemsByFolder = new Map<string, { folder: string[]; files: ItemFile[] }>();
    const unread: string[] = [];
    let bytes = 0;
    for (const [i, rel] of found.entries()) {
      if (i % LISTING_STEP === LISTING_STEP - 1) await turn();
      const size = sizes[i];
      if (size === undefined) continue; // gone since the listing, as fast-glob skips it
      const origin = origins[i]!;
      const ext = extname(rel).toLowerCase();
      const itemType = ITEM_FILE_TYPES.get(ext);
      if (ext !== '.eml' && itemType === undefined) {
        unread.push(origin);
        continue;
      }
      bytes += size;
      const folder = this.#folderOf(dirname(rel));
      const key = folder.join('\u0000');
      if (itemType !== undefined) {
        let entry = itemsByFolder.get(key);
        if (entry === undefined) {
          entry = { folder, files: [] };
          itemsByFolder.set(key, entry);
        }
        entry.files.push({ folder, rel, origin, size, type: itemType });
        continue;
      }
      let entry = byFolder.get(key);
      if (entry === undefined) {
        entry = { folder, files: [] };
        byFolder.set(key, entry);
      }
      entry.files.push({ folder, rel, origin, size });
    }
    const groups = [...byFolder.values()].sort((a, b) => comparePaths(a.folder, b.folder));
    for (const g of groups) {
      g.files = sortedByName(g.files);
      await turn();
    }
    const itemGroups = [...itemsByFolder.values()].sort((a, b) => comparePaths(a.folder, b.folder));
    for (const g of itemGroups) {
      g.files = sortedByName(g.files);
      await turn();
    }
    return { groups, itemGroups, unread: unread.sort(collator.compare), bytes };
  }

  /** Lists the tree (for the `folders()` and `messages()` that follow) and starts a lent pool's threads. */
  prepare(): void {
    this.#warmPool();
    if (this.#listed === undefined) {
      this.#listed = this.#files();
      // Read (and its failure thrown) by folders() or messages(); until then it must not count as unhandled.
      this.#listed.catch(() => undefined);
    }
  }

  /** A pool lent to this tree loads its threads' modules while the tree is listed. */
  #warmPool(): void {
    if (this.#options.parseThreads !== 0) this.#options.parsePool?.warm();
  }

  async *folders(): AsyncIterable<FolderSpec> {
    this.#warmPool();
    const dirs = await fg('**', { cwd: this.path, onlyDirectories: true, dot: false });
    const paths = new Map<string, string[]>();
    const add = (folder: string[]): void => {
      for (let i = 1; i <= folder.length; i++) {
        const p = folder.slice(0, i);
        paths.set(p.join('\u0000'), p);
      }
    };
    for (const d of dirs) add(this.#folderOf(d));
    // After the walk of the directories, not beside it: two walks at once run their callbacks in one burst.
    const listed = this.#listed ?? this.#files();
    this.#listed = listed;
    const { groups, itemGroups } = await listed;
    for (const g of groups) add(g.folder);
    for (const g of itemGroups) add(g.folder);
    // The kinds of each folder's items: mail for .eml files, the others' from their files (see `itemFileKinds`).
    const kinds = new Map<string, Set<ItemKind>>();
    for (const g of groups) kinds.set(g.folder.join('\u0000'), new Set(['mail']));
    for (const g of itemGroups) {
      const key = g.folder.join('\u0000');
      const set = kinds.get(key) ?? new Set<ItemKind>();
      kinds.set(key, set);
      for (const file of g.files) for (const kind of await itemKindsOf(file)) set.add(kind);
    }
    for (const p of [...paths.values()].sort(comparePaths)) {
      const containerClass = folderClassOf(kinds.get(p.join('\u0000')));
      yield containerClass === undefined ? { path: p } : { path: p, containerClass };
    }
  }

  async *messages(): AsyncIterable<SourceMessage> {
    const listed = this.#listed ?? this.#files();
    this.#listed = undefined;
    const { groups, itemGroups, unread, bytes: total } = await listed;
    for (const origin of unread) {
      this.#options.reportWarning?.({
        code: 'file-not-read',
        message: `${origin}: not read: an .eml tree holds .eml, .msg, .ics and .vcf files`,
        origin,
      });
    }
    this.#read.start(total);
    const files = groups.flatMap((g) => g.files);
    const asked = this.#options.parseThreads ?? 'auto';
    if (asked !== 'auto' && (!Number.isSafeInteger(asked) || asked < 0))
      throw new RangeError(`parseThreads must be an integer ≥ 0 or 'auto', got ${String(asked)}`);
    const given = asked === 0 ? undefined : this.#options.parsePool;
    const threads =
      given?.threads ?? (asked === 'auto' ? (files.length >= PARSE_POOL_MIN_FILES ? defaultParseThreads() : 0) : asked);
    const emls =
      threads === 0 || files.length === 0
        ? this.#parsedHere(files)
        : this.#parsedByPool(files, given ?? new MimeParsePool(Math.min(threads, files.length)), given === undefined);
    // A folder's other items come after its .eml files and before the next folder's: messages stay grouped by folder.
    const pending = [...itemGroups];
    for await (const message of emls) {
      while (pending.length > 0 && comparePaths(pending[0]!.folder, message.folder) < 0)
        yield* this.#items(pending.shift()!.files);
      yield message;
    }
    for (const group of pending) yield* this.#items(group.files);
    this.#read.end();
  }

  /** The items of `.msg`, `.ics` and `.vcf` files, in order. */
  async *#items(files: readonly ItemFile[]): AsyncGenerator<SourceMessage> {
    for (const file of files) {
      throwIfAborted(this.#options, this.path);
      yield* readItemFile(file, this.#options);
      this.#read.add(file.size);
    }
  }

  /**
   * Parses on this thread, small files read ahead (several reads in flight while a message is parsed); a larger
   * file is read when its turn comes, so that only one is held at a time.
   */
  async *#parsedHere(files: readonly EmlFile[]): AsyncGenerator<SourceMessage> {
    const ahead = new ReadAhead(files, (file) =>
      file.size <= READ_AHEAD_FILE_BYTES ? readWhole(file.origin) : undefined,
    );
    try {
      for (let file = ahead.next(); file !== undefined; file = ahead.next()) {
        throwIfAborted(this.#options, this.path);
        const outcome = await this.#parseHere(file.item, file.value);
        if (!outcome.ok) {
          await this.#damaged(file.item, outcome.damage);
          continue;
        }
        yield this.#message(file.item, outcome.parsed.record, outcome.parsed.size, outcome.parsed.spool);
      }
    } finally {
      ahead.abandon();
    }
  }

  /** Parses `file` on this thread: from its bytes when they were `read` whole, else streamed from the file. */
  async #parseHere(file: EmlFile, read?: Promise<Buffer> | undefined): Promise<Outcome> {
    const spool = new SpoolGroup(this.#spool);
    try {
      const whole = await (read ?? (file.size <= WHOLE_MESSAGE_BYTES ? readWhole(file.origin) : undefined));
      const parsed = whole ? await parseMime(whole, { spool }) : await parseMimeFile(file.origin, { spool });
      return { ok: true, parsed: { record: parsed.record, size: parsed.size, spool } };
    } catch (error) {
      await spool.dispose();
      if (!isItemDamage(error)) throw error;
      return { ok: false, damage: error };
    }
  }

  /**
   * Parses in `pool`'s threads (see `ParseAhead`), which this pass closes when it `owns` it. A pass that ends
   * before its last file (an abort, a failure, a consumer that stops) cancels its jobs in a pool it was lent, which
   * other passes may be using.
   */
  async *#parsedByPool(files: readonly EmlFile[], pool: MimeParsePool, owns: boolean): AsyncGenerator<SourceMessage> {
    throwIfAborted(this.#options, this.path);
    const spoolDir = await this.#spool.path();
    const signal = this.#options.signal;
    // This pass's jobs, for `cancel` in a pool that is lent.
    const group = {};
    const stop = async (reason: Error): Promise<void> => {
      if (owns) await pool.close(reason);
      else pool.cancel(group, reason);
    };
    // An abort ends the threads' work at once: a pass waiting for an answer fails with it.
    const onAbort = (): void =>
      void stop(new SourceError('aborted', this.path, 'the read was aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const ahead = new ParseAhead(files, {
      parse: async (file): Promise<Outcome> => {
        try {
          const answer = await pool.parse(file.origin, file.size, spoolDir, group);
          const spool = new SpoolGroup(this.#spool);
          return { ok: true, parsed: { record: fromPortable(answer.record, spool), size: answer.size, spool } };
        } catch (error) {
          if (error instanceof ParseDamage) return { ok: false, damage: error };
          // A thread that failed took the file with it: this thread parses it instead.
          if (error instanceof ParseThreadLost) return this.#parseHere(file);
          throw error;
        }
      },
      maxJobs: POOL_JOBS_PER_THREAD * pool.threads,
      maxBytes: AHEAD_BYTES,
    });
    let complete = false;
    try {
      for (let next = await ahead.next(); next !== undefined; next = await ahead.next()) {
        throwIfAborted(this.#options, this.path);
        const { file, outcome } = next;
        if (!outcome.ok) {
          await this.#damaged(file, outcome.damage);
          continue;
        }
        yield this.#message(file, outcome.parsed.record, outcome.parsed.size, outcome.parsed.spool);
      }
      complete = true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      ahead.abandon();
      // Answers not taken leave their spooled files in the spool directory, which close() removes.
      if (owns || !complete) await stop(new SourceError('aborted', this.path, 'the pass ended'));
    }
  }

  #message(file: EmlFile, record: SourceMessage['record'], size: number, spool: SpoolGroup): SourceMessage {
    this.#read.add(size);
    const bytes = fileRangeBytes(file.origin, basename(file.rel), 'message/rfc822', 0, size);
    return { folder: file.folder, record, origin: file.origin, bytes, dispose: () => spool.dispose() };
  }

  async #damaged(file: EmlFile, error: unknown): Promise<void> {
    const bytes = await wholeFileBytes(file.origin, basename(file.rel), 'message/rfc822');
    this.#read.add(bytes.bytes?.size ?? 0);
    handleDamaged(
      this.#options,
      { origin: file.origin, reason: reasonOf(error), folder: file.folder, label: file.rel, ...bytes },
      error,
    );
  }

  readProgress(): SourceReadProgress | undefined {
    return this.#read.progress;
  }

  async close(): Promise<void> {
    await this.#spool.close();
  }
}

/**
 * The files in order, each with work started for it ahead of time (a read, a parse): at most `AHEAD_FILES` files,
 * and `AHEAD_BYTES` of them (at least one file), are started and not yet taken.
 */
class ReadAhead<T> {
  readonly #files: readonly EmlFile[];
  readonly #start: (file: EmlFile) => Promise<T> | undefined;
  readonly #started: Array<{ item: EmlFile; value: Promise<T> | undefined }> = [];
  #next = 0;
  #bytes = 0;

  constructor(files: readonly EmlFile[], start: (file: EmlFile) => Promise<T> | undefined) {
    this.#files = files;
    this.#start = start;
  }

  /** The next file and its work; undefined after the last. */
  next(): { item: EmlFile; value: Promise<T> | undefined } | undefined {
    while (this.#next < this.#files.length) {
      const item = this.#files[this.#next]!;
      if (this.#started.length > 0 && (this.#started.length >= AHEAD_FILES || this.#bytes + item.size > AHEAD_BYTES))
        break;
      this.#next++;
      const value = this.#start(item);
      // Taken (and its failure handled) in order; until then a failure must not count as unhandled.
      value?.catch(() => undefined);
      this.#started.push({ item, value });
      this.#bytes += item.size;
    }
    const taken = this.#started.shift();
    if (taken) this.#bytes -= taken.item.size;
    return taken;
  }

  /** Stops starting work; what was started is left to finish or fail unobserved. */
  abandon(): void {
    this.#next = this.#files.length;
    this.#started.length = 0;
  }
}
