/**
 * Folder objects — [MS-PST] §2.4.4: a PC, a hierarchy table of subfolders, a contents table of messages and an FAI
 * contents table, four nodes sharing one NID index. The contents table is written as messages arrive; the rest when
 * the file is finished, since counts and subfolders are known only then.
 */
import { NidType, makeNid } from '../ndb/constants.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { PropertyList, cleanText, int64 } from '../ltp/property-value.js';
import { TableWriter, type Cell } from '../ltp/table-context.js';
import { CONTENTS_COPIED, Prop } from './schema.js';
import { CONTENTS_LAYOUT, FAI_LAYOUT, HIERARCHY_LAYOUT, finishTableNode, folderTableNids, writePcNode, writeTableNode } from './store.js';
import type { PropertyList as Props } from '../ltp/property-value.js';
import { isSubnodeValue } from './message.js';
import { HIERARCHY_COLUMNS } from './schema.js';

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
    p.int32(Prop.ContentCount, this.messages).int32(Prop.ContentUnreadCount, this.unread).bool(Prop.Subfolders, this.children.length > 0);
    if (this.containerClass) p.string(Prop.ContainerClass, this.containerClass);
    return p;
  }

  /** Appends a message's row to the contents table: the copied columns equal the message PC ([MS-PST] §2.4.4.5). */
  addMessageRow(nid: number, props: Props, replicaKey: Uint8Array): void {
    const cells = new Map<number, Cell>();
    for (const column of CONTENTS_COPIED) {
      const p = props.get(column >>> 16);
      if (p && p.tag === column && !isSubnodeValue(p.value)) cells.set(column, p.value as Cell);
    }
    const itemId = new Uint8Array(8);
    new DataView(itemId.buffer).setUint32(0, nid, true);
    const history = new Uint8Array(24);
    history[0] = 1;
    history.set(replicaKey, 4);
    new DataView(history.buffer).setUint32(20, nid, true);
    cells.set(0x0e300102, itemId); // PidTagReplItemid
    cells.set(0x0e330014, int64(nid)); // PidTagReplChangenum
    cells.set(0x0e340102, history); // PidTagReplVersionHistory
    cells.set(0x0e380003, 0); // PidTagReplFlags
    this.contents.addRow(nid, cells);
    this.messages++;
    const flags = props.get(Prop.MessageFlags)?.value;
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
