/**
 * Folder objects — [MS-PST] §2.4.4: a PC, a hierarchy table of subfolders, a contents table of messages and an FAI
 * contents table, four nodes sharing one NID index. The contents table is written as messages arrive; the rest when
 * the file is finished, since counts and subfolders are known only then.
 */

import { putU32 } from '../io/bytes.js';
import type { PropertyList as Props } from '../ltp/property-value.js';
import { cleanText, PropertyList } from '../ltp/property-value.js';
import { type Cell, TableWriter } from '../ltp/table-context.js';
import { makeNid, NidType } from '../ndb/constants.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { isSubnodeValue } from './message.js';
import { CONTENTS_COPIED, HIERARCHY_COLUMNS, Prop } from './schema.js';
import {
  CONTENTS_LAYOUT,
  FAI_LAYOUT,
  finishTableNode,
  folderTableNids,
  HIERARCHY_LAYOUT,
  writePcNode,
  writeTableNode,
} from './store.js';

/**
 * The contents row being added, in CONTENTS_LAYOUT column order (copied into the table at once). Its variable cells
 * are all copied message properties but PidTagReplItemid and PidTagReplVersionHistory, which sort after them: storing
 * the cells in column order keeps the order of heap allocations of the copied properties, then the two.
 */
const contentsRow = new Array<Cell | undefined>(CONTENTS_LAYOUT.columns.length);
/** Column position of each copied property id in CONTENTS_LAYOUT, -1 for the others. */
const CONTENTS_SLOT = new Int8Array(0x10000).fill(-1);
for (const t of CONTENTS_COPIED) CONTENTS_SLOT[t >>> 16] = CONTENTS_LAYOUT.columnIndex(t);
const CONTENTS_EXTRA = {
  itemId: CONTENTS_LAYOUT.columnIndex(0x0e300102),
  changeNumber: CONTENTS_LAYOUT.columnIndex(0x0e330014),
  history: CONTENTS_LAYOUT.columnIndex(0x0e340102),
  flags: CONTENTS_LAYOUT.columnIndex(0x0e380003),
};
/** Scratch cells of the row being added: PidTagReplItemid (8 bytes), PidTagReplChangenum, PidTagReplVersionHistory. */
const itemId = new Uint8Array(8);
const changeNumber = new Uint8Array(8);
const history = new Uint8Array(24);
history[0] = 1;

export type FolderKind = 'root' | 'ipm-subtree' | 'search-root' | 'deleted-items' | 'user';

export class FolderNode {
  readonly children: FolderNode[] = [];
  contents: TableWriter;
  messages = 0;
  unread = 0;

  constructor(
    ndb: NdbWriter,
    readonly nid: number,
    readonly name: string,
    readonly kind: FolderKind,
    readonly parent: FolderNode | null,
    readonly containerClass: string | undefined,
    readonly comment?: string,
  ) {
    this.contents = new TableWriter(ndb, CONTENTS_LAYOUT);
  }

  /** The folder PC's properties — [MS-PST] §2.4.4.1.1. */
  properties(): PropertyList {
    const p = new PropertyList().string(Prop.DisplayName, this.name);
    if (this.comment) p.string(Prop.Comment, this.comment);
    p.int32(Prop.ContentCount, this.messages)
      .int32(Prop.ContentUnreadCount, this.unread)
      .bool(Prop.Subfolders, this.children.length > 0);
    if (this.containerClass) p.string(Prop.ContainerClass, this.containerClass);
    for (const [id, value] of this.defaultFolderIds()) p.binary(id, value);
    return p;
  }

  /** Appends a message's row to the contents table: the copied columns equal the message PC ([MS-PST] §2.4.4.5). */
  addMessageRow(nid: number, props: Props, replicaKey: Uint8Array): void {
    const cells = contentsRow;
    cells.fill(undefined);
    let flags: Cell | undefined;
    for (const p of props.items) {
      const id = p.tag >>> 16;
      const slot = CONTENTS_SLOT[id]!;
      if (id === Prop.MessageFlags && flags === undefined) flags = p.value as Cell;
      if (slot < 0 || cells[slot] !== undefined) continue; // the first property of an id counts
      if (CONTENTS_LAYOUT.columns[slot]!.tag === p.tag && !isSubnodeValue(p.value)) cells[slot] = p.value as Cell;
    }
    putU32(itemId, 0, nid);
    history.set(replicaKey, 4);
    putU32(history, 20, nid);
    putU32(changeNumber, 0, nid);
    cells[CONTENTS_EXTRA.itemId] = itemId; // PidTagReplItemid
    cells[CONTENTS_EXTRA.changeNumber] = changeNumber; // PidTagReplChangenum
    cells[CONTENTS_EXTRA.history] = history; // PidTagReplVersionHistory
    cells[CONTENTS_EXTRA.flags] = 0; // PidTagReplFlags
    this.contents.addRowValues(nid, cells);
    this.messages++;
    if (typeof flags === 'number' && (flags & 1) === 0) this.unread++;
  }

  /** Writes the folder's PC and three tables; `contents` may be a copy (size projection). */
  write(ndb: NdbWriter, contents: TableWriter): void {
    const tables = folderTableNids(this.nid);
    writePcNode(ndb, this.nid, this.parent ? this.parent.nid : this.nid, this.properties());
    const rows = this.children.map((child) => ({ id: child.nid, cells: hierarchyCells(child.properties()) }));
    if (this.kind === 'root') rows.push(...this.extraRootRows());
    writeTableNode(ndb, tables.hierarchy, HIERARCHY_LAYOUT, rows);
    finishTableNode(ndb, tables.contents, contents);
    writeTableNode(ndb, tables.fai, FAI_LAYOUT);
  }

  /**
   * The EntryIDs of the store's default folders (PidTagIpmAppointmentEntryId and the others, [MS-OXOSFLD] §2.2.3),
   * which Outlook keeps on the root folder and the Inbox.
   */
  defaultFolderIds: () => readonly (readonly [number, Uint8Array])[] = () => [];

  /** Rows the root's hierarchy table has beyond its folder children (the spam search folder). */
  extraRootRows: () => { id: number; cells: Map<number, Cell> }[] = () => [];
}

/** A hierarchy row: the child's PC values for the template's columns. */
export function hierarchyCells(props: Props): Map<number, Cell> {
  const cells = new Map<number, Cell>();
  for (const column of HIERARCHY_COLUMNS) {
    const p = props.get(column >>> 16);
    if (p && p.tag === column && !isSubnodeValue(p.value)) cells.set(column, p.value as Cell);
  }
  return cells;
}

export function folderNid(index: number): number {
  return makeNid(NidType.NORMAL_FOLDER, index);
}

/** Folder display names: cleaned text; an empty name becomes "(no name)". */
export function folderName(name: string): string {
  const clean = cleanText(name).trim();
  return clean === '' ? '(no name)' : clean;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The key under which two sibling folder names are the same name. Sibling folders MUST have distinct display names
 * ([MS-OXCFOLD] §2.2.2.2.2.5, PidTagDisplayName; IMAPIFolder::CreateFolder fails with MAPI_E_COLLISION), and Outlook's
 * PST provider holds names that differ only in case equal: it will not create "inbox" beside "Inbox". Two spellings
 * of one text — "é" precomposed (NFC) and "e" + U+0301 (NFD), as macOS file systems return directory names — show
 * alike and are equal to Windows' linguistic comparison. The key is therefore the name in NFC with each code point
 * replaced by its upper-case form when that is a single code point (the simple case mapping Windows applies: "ß"
 * stays "ß", it does not become "SS").
 */
export function siblingKey(name: string): string {
  if (PRINTABLE_ASCII.test(name)) return name.toUpperCase();
  let key = '';
  for (const ch of name.normalize('NFC')) {
    const upper = ch.toUpperCase();
    key += isOneCodePoint(upper) ? upper : ch;
  }
  return key;
}

function isOneCodePoint(s: string): boolean {
  return s.length === 1 || (s.length === 2 && s.codePointAt(0)! > 0xffff);
}
