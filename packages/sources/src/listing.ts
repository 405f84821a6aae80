/**
 * Listing a mailbox without exporting it: its folders, and the items of a folder, a page at a time, each with the
 * stable id (see `item-ids.ts`) that the export's selection options take.
 *
 * A mailbox is one or more sources (paths, or sources already opened) merged as the export merges them: folders with
 * the same path are one folder. Listing items reads the messages in source order up to the end of the page asked
 * for, so a later page costs more than an earlier one; nothing is kept between calls.
 */
import type { FolderSpec, MailAddress, MessageRecord } from '@pstream/pst';
import { folderId, ItemIds } from './item-ids.js';
import { openSource } from './open-source.js';
import type { DamagedItem, MessageSource, SourceMessage } from './source.js';

/** What a folder holds, from its container class [PidTagContainerClass]: the REST API's folder `type`. */
export type FolderType = 'Appointment' | 'Contact' | 'Task' | 'StickyNote' | 'Journal' | 'None';

/** One folder of a mailbox. */
export interface FolderEntry {
  readonly id: string;
  readonly name: string;
  /** From the top of the mailbox, one name per level. */
  readonly path: readonly string[];
  /** The id of the folder above; undefined for the top of the mailbox (path `[]`). */
  readonly parentId: string | undefined;
  readonly type: FolderType;
  /** [PidTagContainerClass]; `IPF.Note` when the source gives none. */
  readonly containerClass: string;
}

/** One item of a mailbox, as a listing shows it. */
export interface ItemEntry {
  readonly id: string;
  /** The id of the folder holding it. */
  readonly folderId: string;
  readonly folder: readonly string[];
  /** [PidTagMessageClass]; `IPM.Note` when absent. */
  readonly itemClass: string;
  readonly subject: string;
  readonly from: MailAddress | undefined;
  /** The `to` recipients. */
  readonly to: readonly MailAddress[];
  readonly received: Date | undefined;
  readonly sent: Date | undefined;
  /**
   * The record without its bodies, headers and attachments (a page holds no content), for the fields of its kind
   * (appointment, contact, task) a caller wants to show.
   */
  readonly record: ItemFields | undefined;
  /** Set for an item the source could not read: why. The export keeps such an item as a placeholder. */
  readonly damaged: string | undefined;
}

/** What a listing keeps of a record. */
export type ItemFields = Omit<MessageRecord, 'body' | 'html' | 'rtf' | 'attachments' | 'transportHeaders'>;

function fieldsOf(record: MessageRecord): ItemFields {
  const fields: Record<string, unknown> = { ...record };
  for (const key of ['body', 'html', 'rtf', 'attachments', 'transportHeaders']) delete fields[key];
  return fields as unknown as ItemFields;
}

/** A page of a listing. */
export interface Page<T> {
  readonly offset: number;
  readonly limit: number;
  readonly results: readonly T[];
}

/** Paging and cancelling, common to the listings. */
export interface ListOptions {
  /** Entries to pass over first; 0 by default. */
  readonly offset?: number;
  /** Most entries returned; 100 by default. */
  readonly limit?: number;
  readonly signal?: AbortSignal;
  /** Where sources opened from paths spool attachment bytes; the OS temporary directory by default. */
  readonly tmpDir?: string;
}

export interface ListFoldersOptions extends ListOptions {
  /** Only the folders directly below this folder id. */
  readonly parentId?: string;
  /** Only the folders whose name contains this text, compared without regard to case. */
  readonly name?: string;
}

export interface ListItemsOptions extends ListOptions {
  /** Only the items directly in this folder id. */
  readonly parentId?: string;
}

const DEFAULT_LIMIT = 100;

const FOLDER_TYPES: readonly (readonly [string, FolderType])[] = [
  ['ipf.appointment', 'Appointment'],
  ['ipf.contact', 'Contact'],
  ['ipf.task', 'Task'],
  ['ipf.stickynote', 'StickyNote'],
  ['ipf.journal', 'Journal'],
];

/** The folder type of a container class: its class or a subclass of it (`IPF.Contact.X` is a `Contact`). */
export function folderTypeOf(containerClass: string | undefined): FolderType {
  const lower = (containerClass ?? '').toLowerCase();
  for (const [prefix, type] of FOLDER_TYPES) if (lower === prefix || lower.startsWith(`${prefix}.`)) return type;
  return 'None';
}

function paging(options: ListOptions): { offset: number; limit: number } {
  const offset = options.offset ?? 0;
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError(`offset must be a whole number of 0 or more, not ${String(offset)}`);
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`limit must be a whole number of 0 or more, not ${String(limit)}`);
  return { offset, limit };
}

/** Runs `use` on each source in turn, opening (and closing) the ones given as paths; damaged items go to `onDamaged`. */
async function eachSource(
  sources: readonly (MessageSource | string)[],
  options: ListOptions,
  onDamaged: ((item: DamagedItem, ids: ItemIds) => void) | undefined,
  use: (source: MessageSource, ids: ItemIds) => Promise<boolean>,
): Promise<void> {
  for (const given of sources) {
    options.signal?.throwIfAborted();
    let ids: ItemIds | undefined;
    const source =
      typeof given === 'string'
        ? await openSource(given, {
            onDamaged: 'skip',
            reportDamaged: (item) => onDamaged?.(item, ids!),
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}),
          })
        : given;
    ids = new ItemIds(source);
    try {
      if (!(await use(source, ids))) return;
    } finally {
      if (typeof given === 'string') await source.close();
    }
  }
}

/**
 * Every folder of the mailbox made of `sources` (parents first), merged by path as the export merges them (names equal
 * but for case or Unicode normalisation are one folder), with the folders above them. The first is the top of the
 * mailbox (path `[]`, named after the first source, no parent): the parent of the top-level folders, and of the items
 * a source keeps outside any folder (a PST's root); selecting it selects the whole mailbox.
 */
export async function allFolders(
  sources: readonly (MessageSource | string)[],
  options: ListOptions = {},
): Promise<FolderEntry[]> {
  const byPath = new Map<string, FolderEntry>();
  const add = (spec: FolderSpec): void => {
    for (let depth = 1; depth <= spec.path.length; depth++) {
      const path = spec.path.slice(0, depth);
      // One folder whatever the spelling of its names' case or normalisation (the first spelling met is shown).
      const key = folderId(path);
      const own = depth === spec.path.length;
      const known = byPath.get(key);
      // The first source to give a container class wins; a folder only implied by a deeper one has none yet.
      if (known !== undefined && (!own || spec.containerClass === undefined || known.containerClass !== 'IPF.Note'))
        continue;
      const containerClass = own && spec.containerClass !== undefined ? spec.containerClass : 'IPF.Note';
      byPath.set(key, {
        id: key,
        name: path[path.length - 1]!,
        path,
        parentId: folderId(path.slice(0, -1)),
        type: folderTypeOf(containerClass),
        containerClass,
      });
    }
  };
  let top: FolderEntry | undefined;
  await eachSource(sources, options, undefined, async (source) => {
    top ??= {
      id: folderId([]),
      name: source.name,
      path: [],
      parentId: undefined,
      type: 'None',
      containerClass: 'IPF.Note',
    };
    for await (const spec of source.folders()) {
      options.signal?.throwIfAborted();
      add(spec);
    }
    return true;
  });
  const folders = [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
  return top === undefined ? folders : [top, ...folders];
}

function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** A page of the folders of the mailbox made of `sources`, parents first. */
export async function listFolders(
  sources: readonly (MessageSource | string)[],
  options: ListFoldersOptions = {},
): Promise<Page<FolderEntry>> {
  const { offset, limit } = paging(options);
  const needle = options.name?.toLowerCase();
  const matching = (await allFolders(sources, options)).filter(
    (f) =>
      (options.parentId === undefined || f.parentId === options.parentId) &&
      (needle === undefined || f.name.toLowerCase().includes(needle)),
  );
  return { offset, limit, results: matching.slice(offset, offset + limit) };
}

function itemOf(id: string, folder: readonly string[], record: MessageRecord): ItemEntry {
  return {
    id,
    folderId: folderId(folder),
    folder,
    itemClass: record.messageClass ?? 'IPM.Note',
    subject: record.subject,
    from: record.from,
    to: (record.recipients ?? [])
      .filter((r) => r.kind === 'to')
      .map((r) => ({
        ...(r.name !== undefined ? { name: r.name } : {}),
        ...(r.address !== undefined ? { address: r.address } : {}),
      })),
    received: record.receivedAt,
    sent: record.sentAt,
    record: fieldsOf(record),
    damaged: undefined,
  };
}

function damagedOf(id: string, item: DamagedItem): ItemEntry {
  return {
    id,
    folderId: folderId(item.folder),
    folder: item.folder,
    itemClass: 'IPM.Note',
    subject: `Damaged item: ${item.label}`,
    from: undefined,
    to: [],
    received: undefined,
    sent: undefined,
    record: undefined,
    damaged: item.reason,
  };
}

/** One item as a pass over the sources meets it: a message, or a damaged item a source reported. */
type MetItem =
  | { readonly message: SourceMessage; readonly damaged?: undefined }
  | { readonly message?: undefined; readonly damaged: DamagedItem };

/**
 * Gives every item of `sources` its id, in source order (damaged items where the source reports them), to `visit`,
 * until `visit` returns true. Each message is disposed of once visited.
 */
async function eachItem(
  sources: readonly (MessageSource | string)[],
  options: ListOptions,
  visit: (id: string, item: MetItem) => boolean,
): Promise<void> {
  let done = false;
  await eachSource(
    sources,
    options,
    (damaged, ids) => {
      const id = ids.next(damaged.origin, damaged.folder);
      if (!done) done = visit(id, { damaged });
    },
    async (source, ids) => {
      if (done) return false;
      for await (const message of source.messages()) {
        try {
          options.signal?.throwIfAborted();
          const id = ids.next(message.origin, message.folder);
          if (!done) done = visit(id, { message });
        } finally {
          await message.dispose?.();
        }
        if (done) return false;
      }
      return !done;
    },
  );
}

/**
 * A page of the items of the mailbox made of `sources` (of one folder with `parentId`), in source order. Items a source
 * reports damaged are listed too (with `damaged`), where they were found, as the export keeps them. Damaged items of a
 * source given already opened are not seen here: they are reported to whoever opened it.
 */
export async function listItems(
  sources: readonly (MessageSource | string)[],
  options: ListItemsOptions = {},
): Promise<Page<ItemEntry>> {
  const { offset, limit } = paging(options);
  const results: ItemEntry[] = [];
  if (limit === 0) return { offset, limit, results };
  let passed = 0;
  await eachItem(sources, options, (id, item) => {
    const entry = item.message ? itemOf(id, item.message.folder, item.message.record) : damagedOf(id, item.damaged);
    if (options.parentId !== undefined && entry.folderId !== options.parentId) return false;
    if (passed < offset) passed++;
    else results.push(entry);
    return results.length >= limit;
  });
  return { offset, limit, results };
}

/**
 * Which of `ids` are ids of items of the mailbox made of `sources` (damaged ones included). Reads the messages until
 * every id is found, holding nothing but the ids.
 */
export async function findItems(
  sources: readonly (MessageSource | string)[],
  ids: ReadonlySet<string>,
  options: Omit<ListOptions, 'offset' | 'limit'> = {},
): Promise<Set<string>> {
  const found = new Set<string>();
  if (ids.size === 0) return found;
  await eachItem(sources, options, (id) => {
    if (ids.has(id)) found.add(id);
    return found.size === ids.size;
  });
  return found;
}
