/**
 * A Unicode PST (or OST) file as a message source, read with `pst-extractor`.
 *
 * Folders are those under the IPM subtree (the "Top of Personal Folders"), by display name; the hidden
 * folders beside it (search root, views, …) are not mail folders and are skipped. When the file has no IPM
 * subtree entry, the root folder's children are used instead. Items kept in the IPM subtree folder itself
 * (some files have them) are yielded with the folder path `[]`, the top of the mailbox; `folders()` does
 * not list `[]`.
 *
 * Limits of the reader: ANSI PSTs (Outlook 97–2002, header `wVer` 14 or 15) cannot be opened and are
 * refused with `SourceError` code `ansi-pst`. pst-extractor keeps its named-property map in a static
 * field, which its accessors of named properties read (the categories, PidNameKeywords, come through one), so two
 * PstSources should not be read at the same time; the named properties carried in `extraProperties` are named from
 * each file's own map (`pst-named-map.ts`). Files up to `loadIntoMemoryBelow` bytes are read into memory first,
 * because pst-extractor's file-descriptor mode does many tiny reads.
 *
 * Every item is read whatever its class, with its kind's section and every other property (see `item-kinds.ts`,
 * `pst-properties.ts`); `folders()` lists every folder, empty ones included, with its container class.
 */

import { readFileSync } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type {
  Attachment,
  FolderSpec,
  Importance,
  MailAddress,
  MessageRecord,
  Recipient,
  Sensitivity,
} from '@pstream/pst';
import type { PSTAttachment, PSTFile, PSTFolder, PSTMessage } from 'pst-extractor';
import type { MessageSource, SourceMessage, SourceOptions, SourceReadProgress } from './source.js';

/** pst-extractor, loaded when a PST is first opened (about 12 MB of RSS that a process reading no PST never holds). */
let extractor: typeof import('pst-extractor') | undefined;
async function loadPstExtractor(): Promise<typeof import('pst-extractor')> {
  extractor ??= await import('pst-extractor');
  return extractor;
}

import { decompressRtf } from './compressed-rtf.js';
import { handleDamaged, reasonOf, SourceError, throwIfAborted } from './errors.js';
import { kindSections, type RecipientMeetingInfo } from './item-kinds.js';
import { type PropertyName, readNamedMap } from './pst-named-map.js';
import {
  ATTACHMENT_NOT_CARRIED,
  besideRecord,
  type ExtraProperty,
  extraProperties,
  MESSAGE_NOT_CARRIED,
  type PstObjectInternals,
  type PstTableItem,
  valueBytes,
} from './pst-properties.js';
import { ReadCounter } from './read-progress.js';

export interface PstOptions extends SourceOptions {
  /** Files smaller than this are read into memory before parsing. Default 256 MiB; 0 never does. */
  readonly loadIntoMemoryBelow?: number;
}

/** PST header `wVer` values: 14/15 ANSI, 23 Unicode, 36 Unicode with 4 KiB pages. */
export interface PstHeaderInfo {
  readonly magicClient: 'SM' | 'SO' | string;
  readonly version: number;
}

/** Reads the first bytes of a PST header; throws a `SourceError` when the file is no PST or an ANSI one. */
export async function checkPstHeader(path: string): Promise<PstHeaderInfo> {
  const fh = await openFile(path, 'r').catch((e: unknown) => {
    throw new SourceError('source-not-found', path, `cannot open the file: ${reasonOf(e)}`, { cause: e });
  });
  try {
    const buf = Buffer.alloc(12);
    const { bytesRead } = await fh.read(buf, 0, 12, 0);
    if (bytesRead < 12 || buf.toString('latin1', 0, 4) !== '!BDN') {
      throw new SourceError('bad-format', path, 'not a PST file: the header does not start with the magic "!BDN"');
    }
    const magicClient = buf.toString('latin1', 8, 10);
    const version = buf.readUInt16LE(10);
    if (version < 23) {
      throw new SourceError(
        'ansi-pst',
        path,
        `ANSI (Outlook 97-2002) PST files are not supported: header wVer is ${version} (14 or 15 means ANSI, 23 or more Unicode); ` +
          'open it in Outlook and export to a Unicode PST first',
      );
    }
    return { magicClient, version };
  } finally {
    await fh.close();
  }
}

/** pst-extractor's protected string getter, for properties it has no accessor for. */
interface StringItemReader {
  getStringItem(identifier: number): string;
}

const PR_INTERNET_REFERENCES = 0x1039;
const PR_IPM_SUBTREE_ENTRYID = 0x35e0;
const PR_ATTACHMENT_HIDDEN = 0x7ffe;
/** PidTagAttachDataBinary and PidTagAttachDataObject share the tag; the type tells them apart. */
const PR_ATTACH_DATA_OBJ = 0x3701;
const PT_OBJECT = 0x000d;
/** A folder's hierarchy table NID: the folder's NID index with type NID_TYPE_HIERARCHY_TABLE (0x0D) instead of 0x02. */
const NID_HIERARCHY_TABLE_OFFSET = 0x0d - 0x02;
const PR_RTF_COMPRESSED = 0x1009;
const PR_RECIPIENT_FLAGS = 0x5ffd;
const PR_RECIPIENT_TRACK_STATUS = 0x5fff;

const IMPORTANCE: readonly Importance[] = ['low', 'normal', 'high'];
const SENSITIVITY: readonly Sensitivity[] = ['normal', 'personal', 'private', 'confidential'];
const READ_CHUNK = 64 * 1024;
/** Why a damaged PST item comes without its bytes: pst-extractor reads items as properties, not as a byte range. */
const NO_ITEM_BYTES =
  'a PST item is read as properties through pst-extractor, which gives no raw bytes of an item it cannot read';

function nonEmpty(s: string | null | undefined): string | undefined {
  if (s === null || s === undefined) return undefined;
  const t = s.replace(/\0+$/, '').trim();
  return t === '' ? undefined : t;
}

function address(name: string, email: string, type: string): MailAddress | undefined {
  const n = nonEmpty(name);
  const a = nonEmpty(email);
  const t = nonEmpty(type);
  if (!n && !a) return undefined;
  return { ...(n ? { name: n } : {}), ...(a ? { address: a } : {}), ...(t && t !== 'SMTP' ? { addressType: t } : {}) };
}

function date(d: Date | null): Date | undefined {
  return d !== null && !Number.isNaN(d.getTime()) ? d : undefined;
}

/** Reads one PST file. */
export class PstSource implements MessageSource {
  readonly kind = 'pst' as const;
  readonly path: string;
  readonly name: string;
  readonly #options: PstOptions;
  #file: Promise<PSTFile> | undefined;
  /** The file's Name-to-ID map, read with the file. */
  #names: ReadonlyMap<number, PropertyName> = new Map();
  readonly #read = new ReadCounter();

  constructor(path: string, options: PstOptions = {}) {
    this.path = resolve(path);
    this.name = basename(this.path, extname(this.path));
    this.#options = options;
  }

  /** Opens the file (once): checks the header, then hands it to pst-extractor. */
  #open(): Promise<PSTFile> {
    this.#file ??= (async () => {
      await checkPstHeader(this.path);
      const limit = this.#options.loadIntoMemoryBelow ?? 256 * 1024 * 1024;
      const { size } = await stat(this.path);
      try {
        const { PSTFile } = await loadPstExtractor();
        const pst = size < limit ? new PSTFile(readFileSync(this.path)) : new PSTFile(this.path);
        this.#names = readNamedMap(pst, pst.getRootFolder());
        return pst;
      } catch (error) {
        throw new SourceError('bad-format', this.path, `pst-extractor cannot open the file: ${reasonOf(error)}`, {
          cause: error,
        });
      }
    })();
    return this.#file;
  }

  /** The folders under the IPM subtree, parents first, each with its path; `report`: report unreadable subfolders. */
  async *#walk(report = true): AsyncGenerator<{ folder: PSTFolder; path: string[] }> {
    const pst = await this.#open();
    const root = pst.getRootFolder();
    const ipm = this.#ipmSubtreeNid(pst);
    const top = ipm === undefined ? root : (this.#find(root, ipm) ?? root);
    // Items kept directly in the top folder belong to the folder path [] (the top of the mailbox).
    yield { folder: top, path: [] };
    const stack: Array<{ folder: PSTFolder; path: string[] }> = this.#children(top, [], report).reverse();
    while (stack.length > 0) {
      const entry = stack.pop();
      if (entry === undefined) break;
      yield entry;
      stack.push(...this.#children(entry.folder, entry.path, report).reverse());
    }
  }

  #children(folder: PSTFolder, path: string[], report: boolean): Array<{ folder: PSTFolder; path: string[] }> {
    let subs: PSTFolder[] = [];
    try {
      subs = folder.hasSubfolders || hasHierarchyTable(folder) ? folder.getSubFolders() : [];
    } catch (error) {
      if (report) this.#damaged(path, this.#origin(path), `cannot read the subfolders: ${reasonOf(error)}`, error);
    }
    return subs.map((f) => ({ folder: f, path: [...path, f.displayName] }));
  }

  #ipmSubtreeNid(pst: PSTFile): number | undefined {
    try {
      const store = pst.getMessageStore() as unknown as { pstTableItems?: Map<number, { data: Buffer }> | null };
      const item = store.pstTableItems?.get(PR_IPM_SUBTREE_ENTRYID);
      if (item && item.data.length >= 24) return item.data.readUInt32LE(20);
    } catch {
      // no IPM subtree entry: use the root folder
    }
    return undefined;
  }

  #find(folder: PSTFolder, nid: number, depth = 0): PSTFolder | undefined {
    if (folder.descriptorNodeId.toNumber() === nid) return folder;
    if (depth > 2 || !folder.hasSubfolders) return undefined;
    for (const sub of folder.getSubFolders()) {
      const hit = this.#find(sub, nid, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }

  #origin(path: readonly string[], item?: string): string {
    return `pst:${this.path}:/${path.join('/')}${item === undefined ? '' : `/${item}`}`;
  }

  /** Reports a damaged item of the folder at `path`; `origin` is one of `#origin`, its label the part after the file. */
  #damaged(path: readonly string[], origin: string, reason: string, cause?: unknown): void {
    const label = origin.slice(`pst:${this.path}:`.length);
    handleDamaged(this.#options, { origin, reason, folder: path, label, noBytes: NO_ITEM_BYTES }, cause);
  }

  /** Every folder, empty ones included, with its class; a silent walk (`messages()` reports unreadable subfolders). */
  async *folders(): AsyncIterable<FolderSpec> {
    for await (const { folder, path } of this.#walk(false)) {
      if (path.length === 0) continue;
      const containerClass = nonEmpty(folder.containerClass);
      yield { path, ...(containerClass ? { containerClass } : {}) };
    }
  }

  /** The items the folders say they hold, for the progress estimate (a silent walk: `messages()` reports damage). */
  async #itemCount(): Promise<number> {
    let items = 0;
    for await (const { folder } of this.#walk(false)) {
      try {
        items += folder.contentCount;
      } catch {
        // reported when messages() reaches the folder
      }
    }
    return items;
  }

  async *messages(): AsyncIterable<SourceMessage> {
    // A PST is not read in file order: how far is estimated from the items behind, in proportion to the file size.
    const items = await this.#itemCount();
    const size = (await stat(this.path)).size;
    this.#read.start(size);
    let itemsBefore = 0;
    for await (const { folder, path } of this.#walk()) {
      let expected = 0;
      try {
        expected = folder.contentCount;
      } catch (error) {
        this.#damaged(path, this.#origin(path), `cannot read the contents table: ${reasonOf(error)}`, error);
        continue;
      }
      if (expected === 0) continue;
      const cursor = folder as unknown as { currentEmailIndex: number };
      let index = 0;
      for (;;) {
        throwIfAborted(this.#options, this.path);
        const before = cursor.currentEmailIndex;
        let child: unknown;
        try {
          child = folder.getNextChild();
        } catch (error) {
          this.#damaged(path, this.#origin(path, `#${before + 1}`), `cannot read the item: ${reasonOf(error)}`, error);
          cursor.currentEmailIndex = before + 1;
          if (before + 1 >= expected) break;
          continue;
        }
        // pst-extractor skips an item it cannot load (it only logs it): its cursor then moves by more than one.
        for (let skipped = before; skipped < cursor.currentEmailIndex - 1; skipped++) {
          this.#damaged(path, this.#origin(path, `#${skipped + 1}`), 'pst-extractor could not load the item');
        }
        if (child === null || child === undefined) break;
        index = cursor.currentEmailIndex;
        if (items > 0) this.#read.at(Math.floor((size * (itemsBefore + index)) / items));
        const message = child as PSTMessage;
        const origin = this.#origin(path, `#${index}`);
        let record: MessageRecord;
        try {
          record = this.#record(message, path, origin, 0);
        } catch (error) {
          this.#damaged(path, origin, reasonOf(error), error);
          continue;
        }
        yield { folder: path, record, origin };
      }
      if (cursor.currentEmailIndex < expected) {
        const reason = `the folder says it holds ${expected} items, but only ${cursor.currentEmailIndex} could be listed`;
        this.#damaged(path, this.#origin(path), reason);
      }
      itemsBefore += expected;
    }
    this.#read.end();
  }

  readProgress(): SourceReadProgress | undefined {
    return this.#read.progress;
  }

  #record(m: PSTMessage, folder: readonly string[], origin: string, depth: number): MessageRecord {
    const from = address(m.sentRepresentingName, m.sentRepresentingEmailAddress, m.sentRepresentingAddressType);
    const senderAddress = address(m.senderName, m.senderEmailAddress, m.senderAddrtype);
    const sender =
      senderAddress && (senderAddress.address !== from?.address || senderAddress.name !== from?.name)
        ? senderAddress
        : undefined;
    const { recipients, meeting } = this.#recipients(m);
    const html = m.bodyHTML ? m.bodyHTML : undefined;
    const attachments = this.#attachments(m, folder, origin, depth, html);
    const messageClass = nonEmpty(m.messageClass);
    const references = nonEmpty((m as unknown as StringItemReader).getStringItem(PR_INTERNET_REFERENCES));
    let categories: string[] = [];
    try {
      categories = m.colorCategories;
    } catch {
      categories = [];
    }
    const fields = {
      sentAt: date(m.clientSubmitTime),
      receivedAt: date(m.messageDeliveryTime),
      createdAt: date(m.creationTime),
      modifiedAt: date(m.modificationTime),
      internetMessageId: nonEmpty(m.internetMessageId),
      inReplyTo: nonEmpty(m.inReplyToId),
      references,
      transportHeaders: nonEmpty(m.transportMessageHeaders) ? m.transportMessageHeaders : undefined,
      body: m.body ? m.body : undefined,
      html,
      rtf: rtfOf(m),
    };
    const defined = Object.fromEntries(
      Object.entries(fields).filter(([, v]) => v !== undefined),
    ) as Partial<MessageRecord>;
    const properties = this.#properties(m, MESSAGE_NOT_CARRIED);
    const extras = besideRecord(properties);
    return {
      ...kindSections(messageClass, properties, recipients, meeting),
      ...(extras.length ? { extraProperties: extras } : {}),
      ...(messageClass ? { messageClass } : {}),
      subject: m.subject ?? '',
      ...(from ? { from } : {}),
      ...(sender ? { sender } : {}),
      ...(recipients.length ? { recipients } : {}),
      ...defined,
      importance: IMPORTANCE[m.importance] ?? 'normal',
      sensitivity: SENSITIVITY[m.sensitivity] ?? 'normal',
      isRead: m.isRead,
      isDraft: m.isUnsent,
      ...(categories.length ? { categories } : {}),
      ...(attachments.length ? { attachments } : {}),
    };
  }

  /** Every property of a message or attachment that is carried (see `MESSAGE_NOT_CARRIED`). */
  #properties(object: PSTMessage | PSTAttachment, skip: ReadonlySet<number>): ExtraProperty[] {
    const codePage = (object as unknown as { stringCodepage: string }).stringCodepage;
    return extraProperties(object, this.#names, skip, codePage);
  }

  /** The recipients, and for each its row's meeting properties (for an appointment's attendees). */
  #recipients(m: PSTMessage): { recipients: Recipient[]; meeting: RecipientMeetingInfo[] } {
    const recipients: Recipient[] = [];
    const meeting: RecipientMeetingInfo[] = [];
    if (m.numberOfRecipients === 0) return { recipients, meeting };
    const table = (m as unknown as { recipientTable: { getItems(): Array<Map<number, PstTableItem>> } | null })
      .recipientTable;
    const rows = table ? table.getItems() : [];
    for (const row of rows) {
      const r = new extractor!.PSTRecipient((m as unknown as { pstFile: PSTFile }).pstFile, row as Map<number, never>);
      const kind = r.recipientType === 2 ? 'cc' : r.recipientType === 3 ? 'bcc' : 'to';
      const a = address(
        r.displayName,
        nonEmpty(r.smtpAddress) ?? r.emailAddress,
        nonEmpty(r.smtpAddress) ? 'SMTP' : r.addrType,
      );
      if (!a) continue;
      recipients.push({ kind, ...a });
      const flags = row.get(PR_RECIPIENT_FLAGS)?.entryValueReference;
      const trackStatus = row.get(PR_RECIPIENT_TRACK_STATUS)?.entryValueReference;
      meeting.push({
        ...(flags !== undefined ? { flags } : {}),
        ...(trackStatus !== undefined ? { trackStatus } : {}),
      });
    }
    return { recipients, meeting };
  }

  #attachments(
    m: PSTMessage,
    folder: readonly string[],
    origin: string,
    depth: number,
    html: string | undefined,
  ): Attachment[] {
    const count = m.numberOfAttachments;
    const out: Attachment[] = [];
    for (let i = 0; i < count; i++) {
      const where = `${origin}/attachment ${i + 1}`;
      try {
        const a = m.getAttachment(i);
        // pst-extractor creates attachments without the message's descriptor node, and then cannot open an
        // embedded message (it returns null); give it the node of the message that holds the attachment.
        const holder = a as unknown as { descriptorIndexNode: unknown };
        holder.descriptorIndexNode ??= (m as unknown as { descriptorIndexNode: unknown }).descriptorIndexNode;
        const name = nonEmpty(a.longFilename) ?? nonEmpty(a.filename) ?? nonEmpty(a.displayName);
        if (a.attachMethod === 5) {
          const inner = a.embeddedPSTMessage;
          if (inner === null) throw new Error('the embedded message cannot be read');
          const message = this.#record(inner, folder, where, depth + 1);
          const extras = this.#properties(a, ATTACHMENT_NOT_CARRIED);
          out.push({
            kind: 'message',
            name: name ?? message.subject,
            message,
            ...(extras.length ? { extraProperties: extras } : {}),
          });
          continue;
        }
        const stream = attachmentStream(a);
        if (stream === null) throw new Error(`attachment method ${a.attachMethod} has no data to read`);
        const size = stream.length.toNumber();
        const contentType = nonEmpty(a.mimeTag);
        const contentId = nonEmpty(a.contentId);
        // Inline: PidTagAttachmentHidden is set, or the HTML body refers to the attachment's content id.
        const hidden = (a as unknown as { getBooleanItem(id: number, d?: boolean): boolean }).getBooleanItem(
          PR_ATTACHMENT_HIDDEN,
          false,
        );
        const isInline = hidden || (contentId !== undefined && html?.includes(`cid:${contentId}`) === true);
        const created = date(a.modificationTime);
        const extras = this.#properties(a, ATTACHMENT_NOT_CARRIED);
        out.push({
          kind: 'file',
          name: name ?? `attachment-${i + 1}.bin`,
          ...(contentType ? { contentType } : {}),
          ...(contentId ? { contentId } : {}),
          isInline,
          size,
          open: () => readAttachment(a, size),
          ...(created ? { lastModified: created } : {}),
          ...(extras.length ? { extraProperties: extras } : {}),
        });
      } catch (error) {
        this.#damaged(folder, where, reasonOf(error), error);
      }
    }
    return out;
  }

  async close(): Promise<void> {
    const file = await this.#file?.catch(() => undefined);
    this.#file = undefined;
    file?.close();
  }
}

/**
 * Whether the folder has a hierarchy table node (NID type NID_TYPE_HIERARCHY_TABLE, [MS-PST] 2.4.4). Some writers
 * (Aspose) leave PidTagSubfolders false on a folder that has subfolders, so the table itself decides; a search folder
 * has none, and asking pst-extractor for its subfolders would log an error.
 */
function hasHierarchyTable(folder: PSTFolder): boolean {
  const own = folder as unknown as { pstFile: PSTFile; descriptorNodeId: PSTFolder['descriptorNodeId'] };
  try {
    own.pstFile.getDescriptorIndexNode(own.descriptorNodeId.add(NID_HIERARCHY_TABLE_OFFSET));
    return true;
  } catch {
    return false;
  }
}

type AttachmentStream = NonNullable<PSTAttachment['fileInputStream']>;

/** pst-extractor's protected members an attachment's object data is reached through. */
interface AttachmentInternals {
  readonly pstFile: PSTFile;
  readonly pstTableItems: Map<
    number,
    { entryValueType: number; isExternalValueReference: boolean; data: Buffer }
  > | null;
  readonly localDescriptorItems: Map<number, unknown> | null;
}

/**
 * The bytes of an attachment. An OLE attachment (PidTagAttachMethod 6, afOle) keeps its data in
 * PidTagAttachDataObject, a PtypObject: the property's value is 8 bytes, the NID of the subnode holding the object
 * and its size ([MS-PST] 2.3.3.5, [MS-OXCDATA] 2.11.1). pst-extractor hands those 8 bytes over as the data; the
 * object is read from the subnode instead.
 */
function attachmentStream(a: PSTAttachment): AttachmentStream | null {
  const stream = a.fileInputStream;
  const own = a as unknown as AttachmentInternals;
  const item = own.pstTableItems?.get(PR_ATTACH_DATA_OBJ);
  if (
    stream === null ||
    item === undefined ||
    item.entryValueType !== PT_OBJECT ||
    item.isExternalValueReference ||
    item.data.length !== 8
  )
    return stream;
  const nid = item.data.readUInt32LE(0);
  const node = own.localDescriptorItems?.get(nid);
  if (node === undefined) throw new Error(`the OLE object's data (subnode 0x${nid.toString(16)}) is missing`);
  return new (stream.constructor as new (file: PSTFile, item: unknown) => AttachmentStream)(own.pstFile, node);
}

/** Reads exactly `size` bytes of an attachment, in chunks. */
async function* readAttachment(a: PSTAttachment, size: number): AsyncGenerator<Uint8Array> {
  const stream = attachmentStream(a);
  if (stream === null) throw new Error('the attachment has no data');
  let remaining = size;
  while (remaining > 0) {
    const buf = Buffer.alloc(Math.min(remaining, READ_CHUNK));
    const n = stream.readBlock(buf);
    if (n <= 0) throw new Error(`the attachment data ends ${remaining} bytes early`);
    remaining -= n;
    yield buf.subarray(0, n);
  }
}

/** The RTF body, decompressed (as 8-bit text, see `compressed-rtf.ts`), when the item has one (items made in Outlook may have no other body). */
function rtfOf(m: PSTMessage): string | undefined {
  const item = (m as unknown as PstObjectInternals).pstTableItems?.get(PR_RTF_COMPRESSED);
  if (item === undefined) return undefined;
  try {
    const bytes = valueBytes(m, item);
    // The decompressed RTF often ends in NUL padding, which is no part of the RTF text.
    const rtf = bytes === undefined ? undefined : decompressRtf(bytes).replace(/\0+$/, '');
    return rtf ? rtf : undefined;
  } catch {
    return undefined;
  }
}
