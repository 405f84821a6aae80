/**
 * The files of an `.eml` tree that are not `.eml` files but items of their folder: `.msg` files (one Outlook item
 * each, read by `MsgSource`), `.ics` files (appointments and tasks, `icsItems`) and `.vcf` files (contacts,
 * `vcardItems`).
 */
import { basename } from 'node:path';
import { handleDamaged, reasonOf } from './errors.js';
import { icsItemKinds, icsItems } from './ics-items.js';
import { wholeFileBytes } from './item-bytes.js';
import { MsgSource } from './msg.js';
import { readWhole } from './read-whole.js';
import type { SourceMessage, SourceOptions, SourceWarning } from './source.js';
import { bytesSource } from './spool.js';
import { type TextItem, utf8Bytes } from './text-item.js';
import { vcardItems } from './vcard-items.js';

export type ItemFileType = 'msg' | 'ics' | 'vcf';

/** The item file types by extension (lower case, with the dot). */
export const ITEM_FILE_TYPES: ReadonlyMap<string, ItemFileType> = new Map([
  ['.msg', 'msg'],
  ['.ics', 'ics'],
  ['.vcf', 'vcf'],
]);

/** One item file of the listing. */
export interface ItemFile {
  readonly folder: readonly string[];
  /** Relative to the top directory, `/`-separated. */
  readonly rel: string;
  readonly origin: string;
  readonly size: number;
  readonly type: ItemFileType;
}

/** What a folder holds, for its container class. */
export type ItemKind = 'mail' | 'appointment' | 'contact' | 'task' | 'other';

/**
 * A calendar or address book text file larger than this is not read (reported as damaged): it is held whole, as
 * bytes and as text, while its items are read one by one.
 */
export const MAX_TEXT_ITEM_FILE_BYTES = 64 * 1024 * 1024;

const CONTENT_TYPES: Record<ItemFileType, string> = {
  msg: 'application/vnd.ms-outlook',
  ics: 'text/calendar',
  vcf: 'text/vcard',
};

/** The kinds of items in a file: a .vcf holds contacts; an .ics is looked into (without parsing it); a .msg is mail. */
export async function itemKindsOf(file: ItemFile): Promise<Set<ItemKind>> {
  if (file.type === 'vcf') return new Set(['contact']);
  if (file.type === 'msg') return new Set(['mail']);
  // Too large to read: its placeholder is no calendar item.
  if (file.size > MAX_TEXT_ITEM_FILE_BYTES) return new Set(['other']);
  const text = await readWhole(file.origin).then(
    (b) => utf8Bytes(b).toString('utf8'),
    () => '',
  );
  const { appointments, tasks, others } = icsItemKinds(text);
  const kinds = new Set<ItemKind>();
  if (appointments > 0) kinds.add('appointment');
  if (tasks > 0) kinds.add('task');
  if (others > 0 || kinds.size === 0) kinds.add('other');
  return kinds;
}

const FOLDER_CLASSES: Partial<Record<ItemKind, string>> = {
  appointment: 'IPF.Appointment',
  contact: 'IPF.Contact',
  task: 'IPF.Task',
};

/** The container class of a folder whose items are all of one kind with a class of its own; undefined otherwise. */
export function folderClassOf(kinds: ReadonlySet<ItemKind> | undefined): string | undefined {
  if (kinds === undefined || kinds.size !== 1) return undefined;
  return FOLDER_CLASSES[[...kinds][0]!];
}

/** The items of one file, in order; a file that cannot be read is reported as damaged (`handleDamaged`). */
export async function* readItemFile(file: ItemFile, options: SourceOptions): AsyncGenerator<SourceMessage> {
  const name = basename(file.rel);
  if (file.type === 'msg') {
    const source = new MsgSource(file.origin, { ...options, folderName: file.folder });
    try {
      yield* source.messages();
    } finally {
      await source.close();
    }
    return;
  }
  const damaged = async (reason: string, error?: unknown): Promise<void> => {
    const bytes = await wholeFileBytes(file.origin, name, CONTENT_TYPES[file.type]);
    handleDamaged(options, { origin: file.origin, reason, folder: file.folder, label: file.rel, ...bytes }, error);
  };
  if (file.size > MAX_TEXT_ITEM_FILE_BYTES) {
    await damaged(
      `the file is larger than ${MAX_TEXT_ITEM_FILE_BYTES} bytes, the most a calendar or address book file is read`,
    );
    return;
  }
  let bytes: Buffer;
  try {
    bytes = await readWhole(file.origin);
  } catch (error) {
    await damaged(`cannot read the file: ${reasonOf(error)}`, error);
    return;
  }
  const warn = (code: SourceWarning['code'], origin: string, what: string): void =>
    options.reportWarning?.({ code, message: `${origin}: ${what}`, origin });
  let items: Iterable<TextItem>;
  if (file.type === 'ics') items = icsItems(utf8Bytes(bytes).toString('utf8'), name);
  else {
    const read = vcardItems(bytes, name);
    items = read.items;
    if (read.stray > 0)
      warn('file-not-read', file.origin, `${read.stray} line(s) outside BEGIN:VCARD…END:VCARD not read`);
    if (read.cards === 0) warn('file-not-read', file.origin, 'not read: the file holds no BEGIN:VCARD');
  }
  let index = 0;
  // One item parsed at a time (an .ics is read component by component): the writer's work comes in between.
  for (const item of items) {
    index++;
    const origin = `${file.origin}#${item.label}`;
    for (const w of item.warnings) warn('item-changed', origin, w);
    if (item.keptAsText !== undefined)
      warn('item-kept-as-text', origin, `kept as a plain item holding its text: ${item.keptAsText}`);
    const text = Buffer.from(item.text, 'utf8');
    const itemName = `${name.replace(/\.[^.]+$/, '')}-${index}.${file.type}`;
    yield {
      folder: file.folder,
      record: item.record,
      origin,
      bytes: { name: itemName, contentType: CONTENT_TYPES[file.type], size: text.length, open: bytesSource(text) },
    };
  }
  if (file.type === 'ics' && index === 0)
    warn('file-not-read', file.origin, 'not read: the file holds no VEVENT or VTODO');
}
