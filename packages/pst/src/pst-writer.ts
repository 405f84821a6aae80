/**
 * `PstWriter`: streams messages into a new Unicode PST file ([MS-PST], 512-byte pages, wVer 23).
 *
 * Messages are written as they are added; folders, tables of contents and the B-trees are completed by `finish()`,
 * which then renames the file into place. Until then the file lives beside its final path with a `.partial` suffix;
 * `abort()` deletes it.
 *
 * The writer always knows the exact size the file would have if finished now (`projectedSize()`), and what it would
 * have with one more message (`projectedSizeWith()`), without writing anything: a splitter rolls over to a new file
 * before a message would take the file past its limit.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PstError } from './errors.js';
import type { TableWriter } from './ltp/table-context.js';
import { entryId } from './messaging/entry-id.js';
import { FolderNode, folderName, folderNid, hierarchyCells, siblingKey } from './messaging/folder.js';
import { type Identity, randomIdentity, seededIdentity } from './messaging/identity.js';
import { writeMessage } from './messaging/message.js';
import { NamedPropertyMap } from './messaging/named-properties.js';
import type { FolderSpec, MessageRecord } from './messaging/record.js';
import { messageUpperBound, rowUpperBound } from './messaging/size-bound.js';
import {
  Nid,
  spamSearchFolderProperties,
  writeFixedNodes,
  writeMessageStore,
  writeSearchObjects,
} from './messaging/store.js';
import type { ZoneCache } from './messaging/time-zone.js';
import { DLIST_OFFSET, makeNid, NidType } from './ndb/constants.js';
import { buildHeader, emptyDensityList } from './ndb/header.js';
import { fileEofFor } from './ndb/layout.js';
import { type CryptMethod, type NdbRoot, NdbWriter } from './ndb/ndb-writer.js';

export interface PstWriterOptions {
  /** The store's display name (PidTagDisplayName of the message store); the file name without extension by default. */
  readonly displayName?: string;
  /**
   * Fixes record keys, GUIDs and the clock, so that the same input gives a byte-identical file. `true` uses seed
   * "pstream" and clock 2000-01-01T00:00:00Z.
   */
  readonly deterministic?: boolean | { readonly seed?: string; readonly clock?: Date };
  /** `bCryptMethod`: `permute` (NDB_CRYPT_PERMUTE, Outlook's default) or `none`. */
  readonly encryption?: CryptMethod;
  /**
   * The container class (PidTagContainerClass) of a folder the writer creates for a message, by its path; `IPF.Note`
   * when it returns undefined. A source that knows its folders' classes (a PST's Calendar is `IPF.Appointment`) says
   * so here, so that a folder made on the way to a message, and the size projection of it, get the class at once.
   */
  readonly folderClass?: (path: readonly string[]) => string | undefined;
}

export interface PstFileSummary {
  readonly path: string;
  readonly bytes: number;
  readonly messages: number;
  readonly folders: number;
}

/** Folder NID indexes of the special folders; user folders take the next ones. */
const FIRST_USER_FOLDER_INDEX = 0x404;
const FIRST_MESSAGE_INDEX = 0x10000;
/** A top-level source folder with this key is the store's own Deleted Items. */
const DELETED_ITEMS_KEY = `${siblingKey('Deleted Items')}\u0000`;

/** The default-folder EntryIDs of the root folder and the Inbox, by container class (lower case). */
const DEFAULT_FOLDER_CLASSES: readonly (readonly [string, number])[] = [
  ['ipf.appointment', 0x36d0],
  ['ipf.contact', 0x36d1],
  ['ipf.journal', 0x36d2],
  ['ipf.stickynote', 0x36d3],
  ['ipf.task', 0x36d4],
];

interface SavedState {
  names: number;
  inbox: FolderNode | undefined;
  plans: Map<FolderNode, number[]>;
  lastMessageIndex: number;
  lastFolderIndex: number;
  folderCount: number;
  folders: { folder: FolderNode; contents: TableWriter; messages: number; unread: number; children: number }[];
}

export class PstWriter {
  readonly path: string;
  private readonly partialPath: string;
  private readonly ndb: NdbWriter;
  private readonly identity: Identity;
  private readonly recordKey: Uint8Array;
  private readonly displayName: string;
  private readonly folderClass: PstWriterOptions['folderClass'];
  private readonly byPath = new Map<string, FolderNode>();
  private readonly folders: FolderNode[] = [];
  private readonly root: FolderNode;
  private readonly ipm: FolderNode;
  private readonly deleted: FolderNode;
  private lastMessageIndex = FIRST_MESSAGE_INDEX;
  /** For projections: what finishing each folder, and the fixed objects, writes (see `NdbWriter.record`). */
  private plans = new Map<FolderNode, number[]>();
  private fixedPlan: number[] | undefined;
  /** The generation of `names` the fixed objects' plan was recorded with (the map is one of them). */
  private fixedPlanNames = -1;
  /** The file's named properties: item kinds and carried properties add to them (rolled back with a message). */
  private readonly names = new NamedPropertyMap();
  /** Time-zone rules derived from IANA ids, by id and year. */
  private readonly zones: ZoneCache = new Map();
  private inbox: FolderNode | undefined;
  private lastFolderIndex = FIRST_USER_FOLDER_INDEX - 1;
  private state: 'open' | 'busy' | 'finished' | 'aborted' | 'failed' = 'open';
  private messages = 0;
  /** For `fits`: the structure bytes finishing added at the last exact projection, and an upper bound of growth since. */
  private structureBytes: number | undefined;
  private structureGrowth = 0;
  private pendingStructure: number | undefined;
  private pendingGrowth: number | undefined;

  private constructor(path: string, options: PstWriterOptions) {
    this.path = path;
    this.partialPath = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`);
    const d = options.deterministic;
    this.identity = d
      ? seededIdentity((d !== true && d.seed) || 'pstream', (d !== true && d.clock) || new Date(Date.UTC(2000, 0, 1)))
      : randomIdentity();
    this.recordKey = this.identity.guid();
    this.displayName = options.displayName ?? basename(path).replace(/\.pst$/i, '');
    this.folderClass = options.folderClass;
    this.ndb = new NdbWriter(this.partialPath, options.encryption ?? 'permute');
    this.root = this.addFolderNode(Nid.RootFolder, '', 'root', null, undefined);
    this.ipm = this.addFolderNode(Nid.IpmSubtree, 'Top of Personal Folders', 'ipm-subtree', this.root, undefined);
    this.addFolderNode(Nid.SearchRoot, 'Search Root', 'search-root', this.root, undefined);
    this.deleted = this.addFolderNode(
      Nid.DeletedItems,
      'Deleted Items',
      'deleted-items',
      this.ipm,
      'IPF.Note',
      'Deleted Items folder',
    );
    this.root.extraRootRows = () => [{ id: Nid.SpamSearchFolder, cells: hierarchyCells(spamSearchFolderProperties()) }];
    this.root.defaultFolderIds = () => this.defaultFolderIds();
  }

  /** Creates the file (as `.<name>.<random>.partial` beside `path` until `finish()`). */
  static async create(path: string, options: PstWriterOptions = {}): Promise<PstWriter> {
    checkWriterOptions(path, options);
    return new PstWriter(path, options);
  }

  get messageCount(): number {
    return this.messages;
  }

  get folderCount(): number {
    return this.folders.length - 4;
  }

  /**
   * Bytes of the file written so far: its data (the tables and B-trees come with `finish()`), for progress displays.
   * Cheap: no projection. While a size projection is under way it stays at the value from before it.
   */
  get writtenBytes(): number {
    return this.ndb.writtenEnd;
  }

  /** Makes sure a folder exists (with its parents). A top-level "Deleted Items" is the store's own. */
  ensureFolder(spec: FolderSpec | readonly string[]): void {
    this.assertOpen();
    const before = this.folders.length;
    this.folderFor(
      Array.isArray(spec) ? (spec as readonly string[]) : (spec as FolderSpec).path,
      Array.isArray(spec) ? undefined : (spec as FolderSpec).containerClass,
    );
    // A new folder adds structure that the fast bound of `fits` does not count: the next `fits` projects exactly.
    if (this.folders.length > before) this.structureBytes = undefined;
  }

  /** Writes a message into the folder at `folderPath` (created when needed). */
  async addMessage(folderPath: readonly string[], record: MessageRecord): Promise<void> {
    this.enter();
    try {
      // A free write buffer, and a turn of the event loop now and then (see `NdbWriter.ready`).
      await this.ndb.ready();
    } catch (error) {
      if (this.state === 'busy') this.state = 'open';
      throw error;
    }
    if (this.state !== 'busy')
      throw new PstError('writer-state', `PstWriter: ${this.state} while the message was being written`);
    const checkpoint = this.ndb.checkpoint();
    const saved = this.saveState();
    try {
      const folder = this.folderFor(folderPath);
      await this.writeInto(folder, record, this.identity);
      if (this.state !== 'busy')
        throw new PstError('writer-state', `PstWriter: ${this.state} while the message was being written`);
      this.ndb.release(checkpoint);
      this.messages++;
      this.state = 'open';
      // Keep the bound of `fits` current: an exact projection resets it, a bound-only answer adds to its growth.
      if (this.pendingStructure !== undefined) {
        this.structureBytes = this.pendingStructure;
        this.structureGrowth = 0;
      } else if (this.structureBytes !== undefined) {
        this.structureGrowth += this.pendingGrowth ?? rowUpperBound(record);
      }
      this.pendingStructure = undefined;
      this.pendingGrowth = undefined;
    } catch (error) {
      // Aborted meanwhile: the file is gone, there is nothing to undo.
      if (this.state !== 'busy') throw error;
      // Undo the partial message so that the writer stays usable.
      this.restoreState(saved);
      this.ndb.rollback(checkpoint);
      this.state = 'open';
      this.pendingStructure = undefined;
      this.pendingGrowth = undefined;
      throw error;
    }
  }

  /** The exact size of the file if it were finished now. */
  projectedSize(): number {
    this.assertOpen();
    const snapshot = this.ndb.beginProjection();
    const saved = this.saveState();
    try {
      return this.replayStructure().fileEof;
    } finally {
      this.restoreState(saved);
      this.ndb.endProjection(snapshot);
    }
  }

  /** The exact size of the file if `record` were added to `folderPath` and the file finished. Reads no attachment. */
  async projectedSizeWith(folderPath: readonly string[], record: MessageRecord): Promise<number> {
    return (await this.projectWith(folderPath, record)).fileEof;
  }

  /**
   * Whether the file, finished after adding `record`, would be at most `limit` bytes. Far from the limit a safe
   * upper bound answers at once; near it the exact projection does. Reads no attachment.
   */
  async fits(limit: number, folderPath: readonly string[], record: MessageRecord): Promise<boolean> {
    this.assertOpen();
    if (this.structureBytes !== undefined) {
      const bound = fileEofFor(
        this.ndb.position +
          messageUpperBound(record) +
          (this.structureBytes + this.structureGrowth + rowUpperBound(record)) * 1.05 +
          65536,
      );
      if (bound <= limit) {
        this.pendingGrowth = rowUpperBound(record);
        return true;
      }
    }
    const { fileEof, structureBytes } = await this.projectWith(folderPath, record);
    if (fileEof <= limit) {
      this.pendingStructure = structureBytes;
      return true;
    }
    return false;
  }

  private async projectWith(
    folderPath: readonly string[],
    record: MessageRecord,
  ): Promise<{ fileEof: number; structureBytes: number }> {
    this.enter();
    const snapshot = this.ndb.beginProjection();
    const saved = this.saveState();
    try {
      const folder = this.folderFor(folderPath);
      folder.contents = folder.contents.clone();
      await this.writeInto(folder, record, seededIdentity('projection', this.identity.now()));
      const before = this.ndb.position;
      const root = this.replayStructure();
      return { fileEof: root.fileEof, structureBytes: root.usedEnd - before };
    } finally {
      this.restoreState(saved);
      this.ndb.endProjection(snapshot);
      if (this.state === 'busy') this.state = 'open';
    }
  }

  /** Completes the file and moves it to its final path. */
  async finish(): Promise<PstFileSummary> {
    this.enter();
    try {
      const fileEof = await this.writeFile();
      if (this.state !== 'busy')
        throw new PstError('writer-state', `PstWriter: ${this.state} while the file was being finished`);
      this.state = 'finished';
      await rename(this.partialPath, this.path);
      return { path: this.path, bytes: fileEof, messages: this.messages, folders: this.folderCount };
    } catch (error) {
      if (this.state !== 'aborted') {
        this.state = 'failed';
        await this.discard();
      }
      throw error;
    }
  }

  /**
   * Stops and deletes the partial file. Safe to call at any time, and more than once; a call in progress (waiting
   * for attachment bytes) then fails without writing anything more.
   */
  async abort(): Promise<void> {
    if (this.state === 'finished' || this.state === 'aborted') return;
    this.state = 'aborted';
    await this.discard();
  }

  // ------------------------------------------------------------------------------------------------ internals

  /** Deletes the file, and closes it once the writes under way are done. */
  private async discard(): Promise<void> {
    const closed = this.ndb.close();
    await rm(this.partialPath, { force: true });
    await closed;
  }

  private enter(): void {
    this.assertOpen();
    this.state = 'busy';
  }

  private assertOpen(): void {
    if (this.state === 'busy')
      throw new PstError('writer-state', 'PstWriter: one call at a time (await the previous one)');
    if (this.state !== 'open') throw new PstError('writer-state', `PstWriter: the writer is ${this.state}`);
  }

  private async writeInto(folder: FolderNode, record: MessageRecord, identity: Identity): Promise<void> {
    const nid = makeNid(NidType.NORMAL_MESSAGE, this.lastMessageIndex + 1);
    const written = await writeMessage({ ndb: this.ndb, identity, names: this.names, zones: this.zones }, record);
    this.lastMessageIndex++;
    this.ndb.addNode(nid, written.bidData, written.bidSub, folder.nid);
    folder.addMessageRow(nid, written.properties, this.recordKey);
    this.plans.delete(folder);
  }

  /**
   * The folder at `path` under the IPM subtree, created with its parents when needed. Names that Outlook holds equal
   * between siblings (see `siblingKey`) resolve to one folder, which keeps the first spelling seen.
   */
  private folderFor(path: readonly string[], containerClass?: string): FolderNode {
    let parent = this.ipm;
    let key = '';
    path.forEach((raw, depth) => {
      const name = folderName(String(raw));
      key += `${siblingKey(name)}\u0000`;
      let folder = this.byPath.get(key);
      if (!folder && depth === 0 && key === DELETED_ITEMS_KEY) folder = this.deleted;
      if (!folder) {
        if (this.lastFolderIndex + 1 >= 0x10000)
          throw new RangeError('a PST written here holds at most 64,500 folders');
        const cls =
          (depth === path.length - 1 ? containerClass : undefined) ??
          this.folderClass?.(path.slice(0, depth + 1)) ??
          'IPF.Note';
        folder = this.addFolderNode(folderNid(++this.lastFolderIndex), name, 'user', parent, cls);
      }
      this.byPath.set(key, folder);
      parent = folder;
    });
    return parent;
  }

  /**
   * PidTagIpmAppointmentEntryId, …ContactEntryId, …JournalEntryId, …NoteEntryId, …TaskEntryId ([MS-OXOSFLD] §2.2.3):
   * the first top-level folder of each class is the store's default one, by which Outlook finds its Calendar,
   * Contacts, Journal, Notes and Tasks.
   */
  private defaultFolderIds(): [number, Uint8Array][] {
    const ids: [number, Uint8Array][] = [];
    for (const [cls, id] of DEFAULT_FOLDER_CLASSES) {
      const folder = this.ipm.children.find((f) => f.containerClass?.toLowerCase() === cls);
      if (folder) ids.push([id, entryId(this.recordKey, folder.nid)]);
    }
    return ids;
  }

  private addFolderNode(
    nid: number,
    name: string,
    kind: FolderNode['kind'],
    parent: FolderNode | null,
    cls: string | undefined,
    comment?: string,
  ): FolderNode {
    const folder = new FolderNode(this.ndb, nid, name, kind, parent, cls, comment);
    if (parent && parent === this.ipm && kind === 'user') {
      // A new top-level folder may be a default one: the root and the Inbox list them.
      this.plans.delete(this.root);
      if (this.inbox) this.plans.delete(this.inbox);
      if (!this.inbox && siblingKey(name) === 'INBOX') {
        this.inbox = folder;
        folder.defaultFolderIds = () => this.defaultFolderIds();
      }
    }
    parent?.children.push(folder);
    if (parent) this.plans.delete(parent);
    this.folders.push(folder);
    return folder;
  }

  /** During a projection: what finishing would write, for the root of the file it would make. */
  private replayStructure(): NdbRoot {
    const { ndb } = this;
    // Replay what finishing each folder writes, recorded once and kept until the folder changes.
    for (const folder of this.folders) {
      const plan = this.plans.get(folder);
      if (plan) ndb.replay(plan);
      else
        this.plans.set(
          folder,
          ndb.record(() => folder.write(ndb, folder.contents.clone())),
        );
    }
    if (this.fixedPlan && this.fixedPlanNames === this.names.generation) {
      ndb.replay(this.fixedPlan);
    } else {
      this.fixedPlanNames = this.names.generation;
      this.fixedPlan = ndb.record(() => this.writeFixedObjects());
    }
    return ndb.finishTrees();
  }

  /**
   * Writes folders, store and fixed nodes, the B-trees and the header, and closes the file; returns its size. Awaits
   * `ready()` between folders and within the B-trees, so that a large file's finish does not hold the event loop.
   */
  private async writeFile(): Promise<number> {
    const { ndb } = this;
    for (const folder of this.folders) {
      folder.write(ndb, folder.contents);
      await ndb.ready();
    }
    this.writeFixedObjects();
    const root = await ndb.finishTreesYielding();
    const marks = new Array<number>(32).fill(0x400);
    marks[NidType.SEARCH_FOLDER] = 0x4000;
    marks[NidType.NORMAL_MESSAGE] = this.lastMessageIndex;
    marks[NidType.ASSOC_MESSAGE] = 0x8000;
    for (const t of [
      NidType.NORMAL_FOLDER,
      NidType.HIERARCHY_TABLE,
      NidType.CONTENTS_TABLE,
      NidType.ASSOC_CONTENTS_TABLE,
    ]) {
      marks[t] = Math.max(0x400, this.lastFolderIndex);
    }
    const dlist = emptyDensityList();
    ndb.sealDensityList(dlist, DLIST_OFFSET, root.nextPageBid);
    await ndb.complete(buildHeader(root, marks, ndb.crypt), dlist, DLIST_OFFSET);
    return root.fileEof;
  }

  private writeFixedObjects(): void {
    writeSearchObjects(this.ndb);
    writeMessageStore(this.ndb, this.recordKey, this.displayName);
    writeFixedNodes(this.ndb, this.names);
  }

  private saveState(): SavedState {
    return {
      names: this.names.mark(),
      inbox: this.inbox,
      plans: new Map(this.plans),
      lastMessageIndex: this.lastMessageIndex,
      lastFolderIndex: this.lastFolderIndex,
      folderCount: this.folders.length,
      folders: this.folders.map((folder) => ({
        folder,
        contents: folder.contents,
        messages: folder.messages,
        unread: folder.unread,
        children: folder.children.length,
      })),
    };
  }

  private restoreState(s: SavedState): void {
    this.names.truncate(s.names);
    this.inbox = s.inbox;
    this.plans = s.plans;
    this.lastMessageIndex = s.lastMessageIndex;
    this.lastFolderIndex = s.lastFolderIndex;
    for (const added of this.folders.splice(s.folderCount)) {
      for (const [key, folder] of this.byPath) if (folder === added) this.byPath.delete(key);
    }
    for (const f of s.folders) {
      f.folder.contents = f.contents;
      f.folder.messages = f.messages;
      f.folder.unread = f.unread;
      f.folder.children.length = f.children;
    }
  }
}

/** Bad arguments of `PstWriter.create`: a `TypeError` or `RangeError` naming the option and the value. */
function checkWriterOptions(path: unknown, options: PstWriterOptions): void {
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`path must be a non-empty string, got ${JSON.stringify(path)}`);
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`options must be an object, got ${String(options)}`);
  const { displayName, encryption } = options;
  if (displayName !== undefined && typeof displayName !== 'string')
    throw new TypeError(`displayName must be a string, got ${typeof displayName}`);
  if (encryption !== undefined && encryption !== 'permute' && encryption !== 'none') {
    throw new RangeError(`encryption must be "permute" or "none", got ${JSON.stringify(encryption)}`);
  }
}
