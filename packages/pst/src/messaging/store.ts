/**
 * The store's fixed objects — [MS-PST] §2.4.3 and §2.7.1, plus the nodes an Outlook-made store has beyond the spec's
 * minimum (receive-folder table, outgoing queue, index templates, hierarchy map, search objects): a store missing them
 * is re-provisioned by Outlook or repaired by ScanPST.
 */

import { putU32 } from '../io/bytes.js';
import { BthBuilder } from '../ltp/bth.js';
import { Heap } from '../ltp/heap.js';
import { writePropertyContext } from '../ltp/property-context.js';
import { PropertyList, utf16 } from '../ltp/property-value.js';
import { Subnodes } from '../ltp/subnodes.js';
import { type Cell, RowLayout, TableWriter } from '../ltp/table-context.js';
import { makeNid, NidType } from '../ndb/constants.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { entryId } from './entry-id.js';
import type { NamedPropertyMap } from './named-properties.js';
import {
  ATTACHMENT_COLUMNS,
  ATTACHMENT_INDEX_COLUMNS,
  CONTENTS_COLUMNS,
  CONTENTS_INDEX_COLUMNS,
  FAI_COLUMNS,
  HIERARCHY_COLUMNS,
  OUTGOING_QUEUE_COLUMNS,
  Prop,
  RECEIVE_FOLDER_COLUMNS,
  RECIPIENT_COLUMNS,
  SEARCH_CONTENTS_COLUMNS,
  SEARCH_INDEX_COLUMNS,
} from './schema.js';

/** Special NIDs — [MS-PST] §2.4.1. */
export const Nid = {
  MessageStore: 0x21,
  NameToIdMap: 0x61,
  RootFolder: 0x122,
  SearchManagementQueue: 0x1e1,
  SearchActivityList: 0x201,
  SearchDomainObject: 0x261,
  HierarchyTemplate: 0x60d,
  ContentsTemplate: 0x60e,
  FaiTemplate: 0x60f,
  SearchContentsTemplate: 0x610,
  ReceiveFolderTable: 0x62b,
  OutgoingQueueTable: 0x64c,
  AttachmentTemplate: 0x671,
  RecipientTemplate: 0x692,
  ContentsIndexTemplate: 0x6b6,
  SearchIndexTemplate: 0x6d7,
  AttachmentIndexTemplate: 0x6f8,
  HierarchyMap: 0xc01,
  SearchFolderTemplate: 0xec1,
  SpamSearchFolder: 0x2223,
  SpamSearchUpdateQueue: 0x2226,
  SpamSearchCriteria: 0x2227,
  SpamSearchContents: 0x2230,
  IpmSubtree: 0x8022,
  SearchRoot: 0x8042,
  DeletedItems: 0x8062,
} as const;

export const HIERARCHY_LAYOUT = new RowLayout(HIERARCHY_COLUMNS);
export const CONTENTS_LAYOUT = new RowLayout(CONTENTS_COLUMNS);
export const FAI_LAYOUT = new RowLayout(FAI_COLUMNS);
const SEARCH_CONTENTS_LAYOUT = new RowLayout(SEARCH_CONTENTS_COLUMNS);

/** Writes a PC node (no subnodes other than large values) and adds it to the NBT. */
export function writePcNode(ndb: NdbWriter, nid: number, parent: number, props: PropertyList): void {
  const subnodes = new Subnodes(ndb);
  const data = writePropertyContext(ndb, props.items, subnodes);
  ndb.addNode(nid, data.bid, subnodes.finish(), parent);
}

/** Writes a TC node with the given rows and adds it to the NBT. */
export function writeTableNode(
  ndb: NdbWriter,
  nid: number,
  layout: RowLayout,
  rows: readonly { id: number; cells: ReadonlyMap<number, Cell>; version?: number }[] = [],
): void {
  const table = new TableWriter(ndb, layout);
  for (const row of [...rows].sort((a, b) => a.id - b.id)) table.addRow(row.id, row.cells, row.version);
  finishTableNode(ndb, nid, table);
}

export function finishTableNode(ndb: NdbWriter, nid: number, table: TableWriter): void {
  const { data, bidSub } = table.finish();
  ndb.addNode(nid, data.bid, bidSub, 0);
}

/**
 * PidTagValidFolderMask: the store's folder EntryIDs that are valid — FOLDER_IPM_SUBTREE_VALID (0x1),
 * FOLDER_IPM_WASTEBASKET_VALID (0x8) and FOLDER_FINDER_VALID (0x80), i.e. 0x89 as Outlook writes for a store without
 * the common-views folder (FOLDER_COMMON_VIEWS_VALID is 0x40; we write no PidTagCommonViewsEntryId).
 */
const VALID_FOLDER_MASK = 0x1 | 0x8 | 0x80;

/** The message store PC (NID 0x21) — [MS-PST] §2.4.3.1. */
export function writeMessageStore(ndb: NdbWriter, recordKey: Uint8Array, displayName: string): void {
  const history = new Uint8Array(24);
  history[0] = 1;
  history.set(recordKey, 4);
  history[20] = 1;
  const props = new PropertyList()
    .binary(Prop.ReplVersionHistory, history)
    .int32(Prop.ReplFlags, 0)
    .binary(Prop.RecordKey, recordKey)
    .string(Prop.DisplayName, displayName)
    .int32(Prop.ValidFolderMask, VALID_FOLDER_MASK)
    .binary(Prop.IpmSubTreeEntryId, entryId(recordKey, Nid.IpmSubtree))
    .binary(Prop.IpmWastebasketEntryId, entryId(recordKey, Nid.DeletedItems))
    .binary(Prop.FinderEntryId, entryId(recordKey, Nid.SearchRoot))
    .bool(0x6633, true)
    .int32(Prop.PstPassword, 0);
  writePcNode(ndb, Nid.MessageStore, 0, props);
}

/** The spam search folder and its update queue, criteria and contents — [MS-PST] §2.4.8. */
export function spamSearchFolderProperties(): PropertyList {
  return new PropertyList()
    .string(Prop.DisplayName, 'SPAM Search Folder 2')
    .int32(Prop.ContentCount, 0)
    .int32(Prop.ContentUnreadCount, 0)
    .bool(Prop.Subfolders, false);
}

export function writeSearchObjects(ndb: NdbWriter): void {
  writePcNode(ndb, Nid.SpamSearchFolder, Nid.RootFolder, spamSearchFolderProperties());
  ndb.addNode(Nid.SpamSearchUpdateQueue, 0, 0, 0);
  writePcNode(ndb, Nid.SpamSearchCriteria, 0, new PropertyList().int32(Prop.SearchCriteria, 0));
  writeTableNode(ndb, Nid.SpamSearchContents, SEARCH_CONTENTS_LAYOUT);
}

/** Everything else a new store has: templates, queues, the name map, the hierarchy map. */
export function writeFixedNodes(ndb: NdbWriter, names: NamedPropertyMap): void {
  writePcNode(ndb, Nid.NameToIdMap, 0, names.properties());
  ndb.addNode(Nid.SearchManagementQueue, 0, 0, 0);
  // The search activity list: the NIDs of the search folders, as a raw array (§2.4.8.4.2).
  const sal = new Uint8Array(4);
  new DataView(sal.buffer).setUint32(0, Nid.SpamSearchFolder, true);
  ndb.addNode(Nid.SearchActivityList, ndb.writeBlock(sal, 4, false), 0, 0);
  ndb.addNode(Nid.SearchDomainObject, 0, 0, 0);
  writeTableNode(ndb, Nid.HierarchyTemplate, HIERARCHY_LAYOUT);
  writeTableNode(ndb, Nid.ContentsTemplate, CONTENTS_LAYOUT);
  writeTableNode(ndb, Nid.FaiTemplate, FAI_LAYOUT);
  writeTableNode(ndb, Nid.SearchContentsTemplate, SEARCH_CONTENTS_LAYOUT);
  writeTableNode(ndb, Nid.AttachmentTemplate, new RowLayout(ATTACHMENT_COLUMNS));
  writeTableNode(ndb, Nid.RecipientTemplate, new RowLayout(RECIPIENT_COLUMNS));
  const receiveRow = new Map<number, Cell>([
    [RECEIVE_FOLDER_COLUMNS[0]!, utf16('')],
    [RECEIVE_FOLDER_COLUMNS[1]!, Nid.RootFolder],
  ]);
  writeTableNode(ndb, Nid.ReceiveFolderTable, new RowLayout(RECEIVE_FOLDER_COLUMNS), [
    { id: 1, cells: receiveRow, version: 2 },
  ]);
  writeTableNode(ndb, Nid.OutgoingQueueTable, new RowLayout(OUTGOING_QUEUE_COLUMNS));
  writeTableNode(ndb, Nid.ContentsIndexTemplate, new RowLayout(CONTENTS_INDEX_COLUMNS));
  writeTableNode(ndb, Nid.SearchIndexTemplate, new RowLayout(SEARCH_INDEX_COLUMNS));
  writeTableNode(ndb, Nid.AttachmentIndexTemplate, new RowLayout(ATTACHMENT_INDEX_COLUMNS));
  writeHierarchyMap(ndb);
  ndb.addNode(Nid.SearchFolderTemplate, 0, 0, 0);
}

/**
 * The hierarchy map (NID 0xC01; not in [MS-PST]): a heap with client signature 0x9C whose user root is a 4-byte
 * allocation holding the HID of a BTH {16-byte folder GUID → 4-byte NID}. Every Outlook-made store has this layout
 * (root HID 0x20 → 0x40, the BTH header); a new store's BTH is empty. Outlook and ScanPST maintain the records.
 */
function writeHierarchyMap(ndb: NdbWriter): void {
  const heap = new Heap(ndb, 0x9c);
  const root = heap.allocate(4).hid;
  const bth = new BthBuilder(heap, 16, 4);
  bth.finish();
  putU32(heap.bytesOf(root), 0, bth.headerHid);
  ndb.addNode(Nid.HierarchyMap, heap.finish(root).bid, 0, 0);
}

/** The NIDs of a folder's four nodes share its index — [MS-PST] §2.4.4. */
export function folderTableNids(folderNid: number): { hierarchy: number; contents: number; fai: number } {
  const index = folderNid >>> 5;
  return {
    hierarchy: makeNid(NidType.HIERARCHY_TABLE, index),
    contents: makeNid(NidType.CONTENTS_TABLE, index),
    fai: makeNid(NidType.ASSOC_CONTENTS_TABLE, index),
  };
}
