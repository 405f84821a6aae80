import { differences, messageValues, rowValues } from './contents-row.js';
import { type ContentChecker, type FolderCounts, nodeName } from './node-content.js';
import type { NodeIndex } from './node-index.js';
import { checkPropertyContext } from './property-context.js';
import { hex, type Reporter } from './report.js';
import { TableView } from './table-context.js';

const NID_TYPE_FOLDER = 0x02;
const NID_TYPE_SEARCH_FOLDER = 0x03;
const NID_TYPE_MESSAGE = 0x04;
const NID_TYPE_HIERARCHY_TABLE = 0x0d;
const NID_TYPE_CONTENTS_TABLE = 0x0e;
const TAG_MESSAGE_FLAGS = 0x0e070003;
const MSGFLAG_READ = 0x01;
const quiet = (): void => {};

/**
 * The cross-checks ScanPST makes between a folder and its tables ([MS-PST] §2.4.4): PidTagContentCount equals the
 * rows of the contents table and the messages whose nidParent is the folder, PidTagContentUnreadCount the rows
 * without MSGFLAG_READ, PidTagSubfolders whether the hierarchy table has rows; every contents row names a message of
 * this folder and agrees with it on class, subject, flags, size and dates; every hierarchy row names a child folder.
 * Tables are read a row at a time; their own structure was checked (and reported) with their node.
 */
export async function checkFolders(nodes: NodeIndex, content: ContentChecker, rep: Reporter): Promise<void> {
  const messagesIn = new Map<number, number>();
  for (let i = 0; i < nodes.length; i++) {
    if ((nodes.nid.at(i) & 0x1f) !== NID_TYPE_MESSAGE) continue;
    const p = nodes.parent.at(i);
    messagesIn.set(p, (messagesIn.get(p) ?? 0) + 1);
  }
  for (const [folder, counts] of content.folders) {
    await checkContents(nodes, content, rep, folder, counts, messagesIn.get(folder) ?? 0);
    await checkHierarchy(nodes, content, rep, folder, counts);
  }
}

/** Opens the table node of `type` beside `folder` without reporting (its own check did); undefined when absent. */
async function openTable(
  nodes: NodeIndex,
  content: ContentChecker,
  rep: Reporter,
  folder: number,
  type: number,
): Promise<TableView | undefined> {
  const nid = (((folder >>> 5) << 5) | type) >>> 0;
  const k = nodes.find(nid);
  if (k < 0) {
    rep.error('folder.tables', nodeName(folder), undefined, `its ${nodeName(nid)} is not in the NBT`);
    return undefined;
  }
  const node = await content.open(nodeName(nid), nodes.bidData.at(k), nodes.bidSub.at(k), quiet);
  return node && (node.heap.clientSig === 0x7c ? TableView.open(node) : undefined);
}

async function checkContents(
  nodes: NodeIndex,
  content: ContentChecker,
  rep: Reporter,
  folder: number,
  counts: FolderCounts,
  inNbt: number,
): Promise<void> {
  const table = await openTable(nodes, content, rep, folder, NID_TYPE_CONTENTS_TABLE);
  if (!table) return;
  const label = table.node.label;
  const flagsColumn = table.columns.find((c) => c.tag === TAG_MESSAGE_FLAGS && c.fits && c.cbData === 4);
  let rows = 0;
  let unread = 0;
  await table.walkRows(false, async (rowId, rowIndex) => {
    const row = await table.row(rowIndex);
    if (!row) return;
    rows++;
    if (
      flagsColumn &&
      (!table.hasCell(row, flagsColumn) || (row.readUInt32LE(flagsColumn.ibData) & MSGFLAG_READ) === 0)
    )
      unread++;
    const k = nodes.find(rowId);
    if (k < 0 || (rowId & 0x1f) !== NID_TYPE_MESSAGE) {
      rep.error(
        'contents.row',
        label,
        undefined,
        `row ${rowIndex} names ${nodeName(rowId)}, which is not a message in the NBT`,
      );
      return;
    }
    if (nodes.parent.at(k) !== folder)
      rep.error(
        'contents.row',
        label,
        undefined,
        `row ${rowIndex} names ${nodeName(rowId)}, whose nidParent is ${hex(nodes.parent.at(k))}, not ${nodeName(folder)}`,
      );
    const values = await rowValues(table, row);
    if (!values || !content.digests.mayDisagree(rowId, values, content.strict)) return;
    // The digests differ: read the message again to say which properties disagree.
    const message = await content.open(nodeName(rowId), nodes.bidData.at(k), nodes.bidSub.at(k), quiet);
    if (!message) return;
    for (const d of differences(
      values,
      await messageValues(message, await checkPropertyContext(message)),
      content.strict,
    )) {
      rep.error('contents.row', label, undefined, `row ${rowIndex} disagrees with ${nodeName(rowId)}: ${d}`);
    }
  });
  const name = nodeName(folder);
  if (counts.contentCount !== undefined && counts.contentCount !== rows) {
    rep.error(
      'folder.content-count',
      name,
      undefined,
      `PidTagContentCount (property 0x3602) is ${counts.contentCount}, its ${label} has ${rows} rows`,
    );
  }
  if (flagsColumn && counts.unreadCount !== undefined && counts.unreadCount !== unread) {
    rep.error(
      'folder.unread-count',
      name,
      undefined,
      `PidTagContentUnreadCount (property 0x3603) is ${counts.unreadCount}, its ${label} has ${unread} rows without MSGFLAG_READ`,
    );
  }
  if (inNbt !== rows)
    rep.error(
      'folder.messages',
      name,
      undefined,
      `${inNbt} messages in the NBT have it as nidParent, its ${label} has ${rows} rows`,
    );
}

async function checkHierarchy(
  nodes: NodeIndex,
  content: ContentChecker,
  rep: Reporter,
  folder: number,
  counts: FolderCounts,
): Promise<void> {
  const table = await openTable(nodes, content, rep, folder, NID_TYPE_HIERARCHY_TABLE);
  if (!table) return;
  const label = table.node.label;
  let rows = 0;
  await table.walkRows(false, async (rowId, rowIndex) => {
    rows++;
    const k = nodes.find(rowId);
    const type = rowId & 0x1f;
    if (k < 0 || (type !== NID_TYPE_FOLDER && type !== NID_TYPE_SEARCH_FOLDER)) {
      rep.error(
        'hierarchy.row',
        label,
        undefined,
        `row ${rowIndex} names ${nodeName(rowId)}, which is not a folder in the NBT`,
      );
    } else if (nodes.parent.at(k) !== folder) {
      rep.error(
        'hierarchy.row',
        label,
        undefined,
        `row ${rowIndex} names ${nodeName(rowId)}, whose nidParent is ${hex(nodes.parent.at(k))}, not ${nodeName(folder)}`,
      );
    }
  });
  if (counts.subfolders !== undefined && (counts.subfolders !== 0) !== rows > 0) {
    rep.error(
      'folder.subfolders',
      nodeName(folder),
      undefined,
      `PidTagSubfolders (property 0x360a) is ${counts.subfolders ? 'true' : 'false'}, its ${label} has ${rows} rows`,
    );
  }
}
