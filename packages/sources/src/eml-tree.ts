/**
 * A directory tree of `.eml` files as a mailbox.
 *
 * Every directory is a mail folder with the same name and nesting; the directory passed in is the top of
 * the mailbox, and the `.eml` files directly in it belong to a folder named `rootFolderName` (`Inbox` by
 * default). A subdirectory with that same name is the same folder. Hidden files and directories (names
 * starting with `.`) are ignored. Within a folder, files are read in file-name order (numbers compared as
 * numbers).
 */
import { basename, dirname, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import type { FolderSpec } from '@pstream/pst';
import type { MessageSource, SourceMessage, SourceOptions, SourceReadProgress } from './source.js';
import { handleDamaged, isItemDamage, reasonOf, throwIfAborted } from './errors.js';
import { parseMimeFile, type ParsedMime } from './mime-message.js';
import { fileRangeBytes, wholeFileBytes } from './item-bytes.js';
import { SpoolDirectory, SpoolGroup } from './spool.js';
import { ReadCounter } from './read-progress.js';

export interface EmlTreeOptions extends SourceOptions {
  /** The folder of the `.eml` files directly in the top directory. Default `Inbox`. */
  readonly rootFolderName?: string;
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

/** Reads a directory of `.eml` files. */
export class EmlTreeSource implements MessageSource {
  readonly kind = 'eml' as const;
  readonly path: string;
  readonly name: string;
  readonly #options: EmlTreeOptions;
  readonly #spool: SpoolDirectory;
  readonly #read = new ReadCounter();

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
  async #files(): Promise<{ groups: Array<{ folder: string[]; files: string[] }>; bytes: number }> {
    const found = await fg('**/*.eml', { cwd: this.path, caseSensitiveMatch: false, onlyFiles: true, dot: false, stats: true });
    const byFolder = new Map<string, { folder: string[]; files: string[] }>();
    let bytes = 0;
    for (const { path: rel, stats } of found) {
      bytes += stats?.size ?? 0;
      const folder = this.#folderOf(dirname(rel));
      const key = folder.join('\u0000');
      let entry = byFolder.get(key);
      if (entry === undefined) byFolder.set(key, (entry = { folder, files: [] }));
      entry.files.push(rel);
    }
    const groups = [...byFolder.values()].sort((a, b) => comparePaths(a.folder, b.folder));
    for (const g of groups) g.files.sort((a, b) => collator.compare(basename(a), basename(b)) || collator.compare(a, b));
    return { groups, bytes };
  }

  async *folders(): AsyncIterable<FolderSpec> {
    const dirs = await fg('**', { cwd: this.path, onlyDirectories: true, dot: false });
    const paths = new Map<string, string[]>();
    const add = (folder: string[]): void => {
      for (let i = 1; i <= folder.length; i++) {
        const p = folder.slice(0, i);
        paths.set(p.join('\u0000'), p);
      }
    };
    for (const d of dirs) add(this.#folderOf(d));
    for (const g of (await this.#files()).groups) add(g.folder);
    for (const p of [...paths.values()].sort(comparePaths)) yield { path: p };
  }

  async *messages(): AsyncIterable<SourceMessage> {
    const { groups, bytes: total } = await this.#files();
    this.#read.start(total);
    for (const group of groups) {
      for (const rel of group.files) {
        throwIfAborted(this.#options, this.path);
        const origin = this.path + sep + rel.split('/').join(sep);
        const spool = new SpoolGroup(this.#spool);
        let parsed: ParsedMime;
        try {
          parsed = await parseMimeFile(origin, { spool });
        } catch (error) {
          await spool.dispose();
          if (!isItemDamage(error)) throw error;
          const bytes = await wholeFileBytes(origin, basename(rel), 'message/rfc822');
          this.#read.add(bytes.bytes?.size ?? 0);
          handleDamaged(this.#options, { origin, reason: reasonOf(error), folder: group.folder, label: rel, ...bytes }, error);
          continue;
        }
        const bytes = fileRangeBytes(origin, basename(rel), 'message/rfc822', 0, parsed.size);
        this.#read.add(parsed.size);
        yield { folder: group.folder, record: parsed.record, origin, bytes, dispose: () => spool.dispose() };
      }
    }
    this.#read.end();
  }

  readProgress(): SourceReadProgress | undefined {
    return this.#read.progress;
  }

  async close(): Promise<void> {
    await this.#spool.close();
  }
}
