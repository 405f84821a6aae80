/**
 * Test helper: reads a PST written by the splitter back with pst-extractor (an independent, in-process reader)
 * and reports what a test checks: the store's name and identity, and the subjects of each folder in order.
 */
import { readFile } from 'node:fs/promises';
import { PSTFile, type PSTFolder, type PSTMessage } from 'pst-extractor';

export interface PstContents {
  /** PidTagDisplayName of the message store. */
  readonly storeName: string;
  /** PidTagRecordKey of the message store, hex. */
  readonly recordKey: string;
  /** Folder path under the IPM subtree ('Inbox/Support') → subjects in contents-table order. Empty folders included. */
  readonly folders: ReadonlyMap<string, readonly string[]>;
  /** Number of messages in the IPM subtree. */
  readonly messages: number;
}

interface TableItems {
  pstTableItems?: Map<number, { data: Buffer }>;
}

const PID_TAG_RECORD_KEY = 0x0ff9;
const PID_TAG_IPM_SUBTREE_ENTRY_ID = 0x35e0;

/** Reads `path` with pst-extractor. */
export async function readPst(path: string): Promise<PstContents> {
  const pst = new PSTFile(await readFile(path));
  const store = pst.getMessageStore();
  const items = (store as unknown as TableItems).pstTableItems;
  const recordKey = items?.get(PID_TAG_RECORD_KEY)?.data.toString('hex') ?? '';
  const ipmNid = items?.get(PID_TAG_IPM_SUBTREE_ENTRY_ID)?.data.readUInt32LE(20);
  const folders = new Map<string, string[]>();
  let messages = 0;
  const walk = (folder: PSTFolder, path: string, inside: boolean): void => {
    if (!inside && folder.descriptorNodeId.toNumber() === ipmNid) {
      inside = true;
      path = '';
    }
    if (inside) {
      const subjects: string[] = [];
      if (folder.contentCount > 0) {
        for (
          let child = folder.getNextChild() as PSTMessage | null;
          child;
          child = folder.getNextChild() as PSTMessage | null
        )
          subjects.push(child.subject);
      }
      messages += subjects.length;
      folders.set(path, subjects);
    }
    if (folder.hasSubfolders)
      for (const sub of folder.getSubFolders())
        walk(sub, path ? `${path}/${sub.displayName}` : sub.displayName, inside);
  };
  walk(pst.getRootFolder(), '', false);
  return { storeName: store.displayName, recordKey, folders, messages };
}
