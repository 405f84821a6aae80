/**
 * Message objects — [MS-PST] §2.4.5: a PC with the message's properties, a recipient table (subnode 0x692, always),
 * and when there are attachments an attachment table (subnode 0x671) and one attachment object per attachment
 * (subnodes of type NID_TYPE_ATTACHMENT), §2.4.6. Embedded messages (method 5) are complete message objects held in a
 * subnode of their attachment.
 *
 * PidTagMessageSize and PidTagAttachSize count the logical bytes of the object's data blocks (its PC, tables and
 * subnode data; no index blocks, trailers or padding), as ScanPST checks them.
 */
import { PstError } from '../errors.js';
import { viewOf } from '../io/bytes.js';
import { MAX_HEAP_ALLOCATION } from '../ltp/heap.js';
import { PropertyContextBuilder } from '../ltp/property-context.js';
import { PropType, tag } from '../ltp/property-type.js';
import { cleanText, type Property, PropertyList, utf8 } from '../ltp/property-value.js';
import { Subnodes } from '../ltp/subnodes.js';
import { type Cell, RowLayout, TableWriter } from '../ltp/table-context.js';
import { MAX_BLOCK_DATA, makeNid, NidType } from '../ndb/constants.js';
import { DataTreeWriter } from '../ndb/data-tree.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { meetingCells, TAG_RECIPIENT_FLAGS, TAG_RECIPIENT_TRACK_STATUS } from './appointment.js';
import { storeExtraProperties } from './carried-properties.js';
import { compressedRtf } from './compressed-rtf.js';
import { addressSearchKey, oneOffEntryIdOfClean } from './entry-id.js';
import type { Identity } from './identity.js';
import {
  itemAuthor,
  itemSubject,
  type KindContext,
  kindProperties,
  listedRecipients,
  meetingRows,
} from './item-kinds.js';
import { TAG_KEYWORDS } from './named-properties.js';
import type {
  Attachment,
  ByteSourceOptions,
  EmbeddedMessageAttachment,
  FileAttachment,
  MailAddress,
  MessageRecord,
  Recipient,
} from './record.js';
import { ATTACHMENT_COLUMNS, MessageFlag, Prop, RECIPIENT_COLUMNS, RECIPIENT_EXTRA_COLUMNS } from './schema.js';
import { validateMessage } from './validate.js';

/** Subnode NIDs of a message's tables, as Outlook uses them (the template NIDs). */
export const RECIPIENT_TABLE_NID = 0x692;
export const ATTACHMENT_TABLE_NID = 0x671;

const RECIPIENT_LAYOUT = new RowLayout([...RECIPIENT_COLUMNS, ...RECIPIENT_EXTRA_COLUMNS]);
/** A meeting's recipient table adds PidTagRecipientFlags and PidTagRecipientTrackStatus ([MS-OXOCAL] §2.2.4.10). */
const MEETING_RECIPIENT_LAYOUT = new RowLayout([
  ...RECIPIENT_COLUMNS,
  ...RECIPIENT_EXTRA_COLUMNS,
  TAG_RECIPIENT_FLAGS,
  TAG_RECIPIENT_TRACK_STATUS,
]);
const ATTACHMENT_LAYOUT = new RowLayout(ATTACHMENT_COLUMNS);

/** The NDB writer, the identity source, and the file's named-property map and time-zone rules (see `KindContext`). */
export interface WriteContext extends KindContext {
  readonly ndb: NdbWriter;
  readonly identity: Identity;
}

/** A message object written to the file, ready to be referenced by an NBT entry or an attachment. */
export interface WrittenMessage {
  readonly bidData: number;
  readonly bidSub: number;
  /** PidTagMessageSize. */
  readonly size: number;
  /** The PC's properties, for the contents table row. */
  readonly properties: PropertyList;
}

/**
 * Writes a message object. During a size projection (the NDB writer's counting sink) attachment bytes are not read: only their sizes count.
 */
export async function writeMessage(ctx: WriteContext, record: MessageRecord, depth = 0): Promise<WrittenMessage> {
  if (depth === 0) validateMessage(record);
  const { ndb } = ctx;
  const start = ndb.dataBytes;
  const subnodes = new Subnodes(ndb);
  const attachments = record.attachments ?? [];

  // Attachment objects, then the attachment table listing them.
  if (attachments.length > 0) {
    const table = new TableWriter(ndb, ATTACHMENT_LAYOUT);
    for (let i = 0; i < attachments.length; i++) {
      const nid = makeNid(NidType.ATTACHMENT, 0x10 + i);
      const written = await writeAttachment(ctx, attachments[i]!, i, depth);
      subnodes.add({ nid, bidData: written.bidData, bidSub: written.bidSub });
      const cells = ATTACHMENT_LAYOUT.columns.map(({ tag: column }) => {
        const p = written.properties.get(column >>> 16);
        return p && p.tag === column && !isSubnodeValue(p.value) ? (p.value as Cell) : undefined;
      });
      table.addRowValues(nid, cells);
    }
    const { data, bidSub } = table.finish();
    subnodes.add({ nid: ATTACHMENT_TABLE_NID, bidData: data.bid, bidSub });
  }

  // The recipient table, present even when empty; a meeting's holds its organizer and attendees.
  const meeting = meetingRows(record);
  let rt: ReturnType<TableWriter['finish']>;
  if (meeting) {
    const meetingTable = new TableWriter(ndb, MEETING_RECIPIENT_LAYOUT);
    meeting.forEach((row, i) => {
      const cells = new Map<number, Cell>();
      recipientCells(row.recipient).forEach((cell, column) => {
        if (cell !== undefined) cells.set(RECIPIENT_LAYOUT.columns[column]!.tag, cell);
      });
      for (const [t, cell] of meetingCells(row.flags, row.track)) cells.set(t, cell);
      meetingTable.addRow(i, cells);
    });
    rt = meetingTable.finish();
  } else {
    const recipients = record.recipients ?? [];
    const recipientTable = new TableWriter(ndb, RECIPIENT_LAYOUT);
    for (let i = 0; i < recipients.length; i++)
      recipientTable.addRowValues(i, recipientCells(recipients[i]!), RECIPIENT_ORDER);
    rt = recipientTable.finish();
  }
  subnodes.add({ nid: RECIPIENT_TABLE_NID, bidData: rt.data.bid, bidSub: rt.bidSub });

  const properties = messageProperties(ctx, record);
  const pc = new PropertyContextBuilder(ndb, properties.items, subnodes);
  const size = ndb.dataBytes - start + pc.size;
  pc.setInline(Prop.MessageSize, size);
  properties.setInt(Prop.MessageSize, size);
  const data = pc.finish();
  return { bidData: data.bid, bidSub: subnodes.finish(), size, properties };
}

function messageProperties(ctx: WriteContext, record: MessageRecord): PropertyList {
  const now = ctx.identity.now();
  const attachments = record.attachments ?? [];
  const recipients = listedRecipients(record);
  const created = record.createdAt ?? record.receivedAt ?? record.sentAt ?? now;
  const modified = record.modifiedAt ?? created;
  let flags = 0;
  if (record.isRead) flags |= MessageFlag.Read;
  if (record.isDraft) flags |= MessageFlag.Unsent;
  if (attachments.length > 0) flags |= MessageFlag.HasAttach;
  const subject = cleanText(stripSubjectPrefixMarker(itemSubject(record)));
  // What the record has no field for and a PST or MSG source may carry (the conversation topic without "RE:", the
  // store's to-me flags and status, the code page, the body the item was written in): a carried value wins.
  const defaults = new PropertyList()
    .cleanString(Prop.ConversationTopic, subject)
    .int32(Prop.MessageStatus, 0)
    .bool(Prop.MessageToMe, false)
    .bool(Prop.MessageCcMe, false)
    .int32(Prop.MessageCodepage, 65001)
    // PidTagNativeBody: 1 plain text, 2 RTF, 3 HTML — the richest body given.
    .int32(Prop.NativeBody, record.html !== undefined ? 3 : record.rtf !== undefined ? 2 : 1);
  const p = new PropertyList()
    .string(Prop.MessageClass, record.messageClass || 'IPM.Note')
    .cleanString(Prop.Subject, subject)
    .cleanString(Prop.NormalizedSubject, subject)
    .int32(Prop.Importance, IMPORTANCE[record.importance ?? 'normal'])
    .int32(Prop.Sensitivity, SENSITIVITY[record.sensitivity ?? 'normal'])
    .int32(Prop.MessageFlags, flags)
    .int32(Prop.MessageSize, 0)
    .time(Prop.CreationTime, created)
    .time(Prop.LastModificationTime, modified)
    .binary(Prop.SearchKey, carriedSearchKey(record) ?? ctx.identity.guid())
    .binary(Prop.RecordKey, ctx.identity.guid())
    .string(Prop.DisplayTo, displayList(recipients, 'to'))
    .string(Prop.DisplayCc, displayList(recipients, 'cc'))
    .string(Prop.DisplayBcc, displayList(recipients, 'bcc'));
  if (record.sentAt) p.time(Prop.ClientSubmitTime, record.sentAt);
  if (record.receivedAt) p.time(Prop.MessageDeliveryTime, record.receivedAt);
  const author = itemAuthor(record);
  const sender = record.sender ?? author;
  const authorText = author && addressText(author);
  // Usually the same address: its strings are cleaned once.
  const senderText = sender === author ? authorText : sender && addressText(sender);
  if (authorText)
    addressProperties(
      p,
      authorText,
      Prop.SentRepresentingName,
      Prop.SentRepresentingEmailAddress,
      Prop.SentRepresentingAddressType,
    );
  if (senderText) addressProperties(p, senderText, Prop.SenderName, Prop.SenderEmailAddress, Prop.SenderAddressType);
  if (record.internetMessageId) p.string(Prop.InternetMessageId, record.internetMessageId);
  if (record.inReplyTo) p.string(Prop.InReplyToId, record.inReplyTo);
  if (record.references) p.string(Prop.InternetReferences, record.references);
  if (record.transportHeaders) p.string(Prop.TransportMessageHeaders, record.transportHeaders);
  if (record.body !== undefined) p.string(Prop.Body, record.body);
  if (record.html !== undefined) {
    p.binary(Prop.Html, utf8(cleanText(record.html)));
    p.int32(Prop.InternetCodepage, 65001);
  }
  if (record.rtf !== undefined) {
    p.binary(Prop.RtfCompressed, compressedRtf(record.rtf));
    p.bool(Prop.RtfInSync, true);
  }
  if (record.categories && record.categories.length > 0) p.strings(TAG_KEYWORDS >>> 16, record.categories);
  kindProperties(ctx, record, subject, p, defaults);
  return p;
}

/**
 * A PidTagSearchKey carried from a PST or MSG source: a copy of a message keeps its search key ([MS-OXCPRPT]
 * §2.2.1.9, the key that relates copies of one message), so it is taken over rather than made anew.
 */
function carriedSearchKey(record: MessageRecord): Uint8Array | undefined {
  if (!record.extraProperties) return undefined;
  for (const x of record.extraProperties) {
    if (x.kind === 'tagged' && x.id === Prop.SearchKey && x.value.type === 'Binary') return x.value.value;
  }
  return undefined;
}

/** An address's display name, address and address type as stored: clean text. */
interface AddressText {
  readonly name: string;
  readonly address: string;
  readonly type: string;
}

function addressText(a: MailAddress): AddressText {
  return {
    name: cleanText(a.name || a.address || ''),
    address: cleanText(a.address ?? ''),
    type: cleanText(a.addressType || 'SMTP'),
  };
}

function addressProperties(p: PropertyList, a: AddressText, nameId: number, addressId: number, typeId: number): void {
  p.cleanString(nameId, a.name);
  p.cleanString(addressId, a.address);
  p.cleanString(typeId, a.type);
}

function displayList(recipients: readonly Recipient[], kind: Recipient['kind']): string {
  let list = '';
  let first = true;
  for (const r of recipients) {
    if (r.kind !== kind) continue;
    list += first ? r.name || r.address || '' : `; ${r.name || r.address || ''}`;
    first = false;
  }
  return list;
}

/** A subject starting with U+0001 would be read as prefix metadata ([MS-PST] §2.5.3.1.1.1). */
function stripSubjectPrefixMarker(subject: string): string {
  return subject.startsWith('\u0001') ? subject.replace(/^\u0001+/, '') : subject;
}

const IMPORTANCE = { low: 0, normal: 1, high: 2 } as const;
const SENSITIVITY = { normal: 0, personal: 1, private: 2, confidential: 3 } as const;
const RECIPIENT_TYPE = { to: 1, cc: 2, bcc: 3 } as const;

/** A recipient row's columns, in the order their cells are stored (it decides the order of heap allocations). */
const RECIPIENT_CELL_TAGS = [
  tag(Prop.RecipientType, PropType.Integer32),
  tag(Prop.Responsibility, PropType.Boolean),
  tag(Prop.ObjectType, PropType.Integer32),
  tag(Prop.EntryId, PropType.Binary),
  tag(Prop.RecordKey, PropType.Binary),
  tag(Prop.DisplayName, PropType.String),
  tag(Prop.AddressType, PropType.String),
  tag(Prop.EmailAddress, PropType.String),
  tag(Prop.SearchKey, PropType.Binary),
  tag(Prop.DisplayType, PropType.Integer32),
  tag(0x39ff, PropType.String), // PidTag7BitDisplayName
  tag(Prop.SendRichInfo, PropType.Boolean),
  tag(Prop.SmtpAddress, PropType.String),
  tag(Prop.TransmittableDisplayName, PropType.String),
];
const RECIPIENT_ORDER = Int32Array.from(RECIPIENT_CELL_TAGS, (t) => RECIPIENT_LAYOUT.columnIndex(t));
const RC = Object.fromEntries(RECIPIENT_CELL_TAGS.map((t) => [t >>> 16, RECIPIENT_LAYOUT.columnIndex(t)])) as Record<
  number,
  number
>;
/** The cells of the recipient row being added (copied into the table at once). */
const recipientRow = new Array<Cell | undefined>(RECIPIENT_LAYOUT.columns.length);

/** A recipient's row cells, in RECIPIENT_LAYOUT column order: each string is cleaned once and shared by its cells. */
function recipientCells(r: Recipient): (Cell | undefined)[] {
  const rawAddress = r.address ?? '';
  const rawType = r.addressType || 'SMTP';
  const name = cleanText(r.name || r.address || '');
  const address = cleanText(rawAddress);
  const type = cleanText(rawType);
  const searchKey = addressSearchKey(rawType, rawAddress);
  const row = recipientRow;
  row[RC[Prop.RecipientType]!] = RECIPIENT_TYPE[r.kind];
  row[RC[Prop.Responsibility]!] = 0;
  row[RC[Prop.ObjectType]!] = 6; // MAPI_MAILUSER
  row[RC[Prop.EntryId]!] = oneOffEntryIdOfClean(name, type, address);
  row[RC[Prop.RecordKey]!] = searchKey;
  row[RC[Prop.DisplayName]!] = name;
  row[RC[Prop.AddressType]!] = type;
  row[RC[Prop.EmailAddress]!] = address;
  row[RC[Prop.SearchKey]!] = searchKey;
  row[RC[Prop.DisplayType]!] = 0; // DT_MAILUSER
  row[RC[0x39ff]!] = name; // PidTag7BitDisplayName
  row[RC[Prop.SendRichInfo]!] = 0;
  row[RC[Prop.SmtpAddress]!] = rawType.toUpperCase() === 'SMTP' ? address : undefined;
  row[RC[Prop.TransmittableDisplayName]!] = name;
  return row;
}

interface WrittenAttachment {
  readonly bidData: number;
  readonly bidSub: number;
  readonly properties: PropertyList;
}

async function writeAttachment(
  ctx: WriteContext,
  a: Attachment,
  index: number,
  depth: number,
): Promise<WrittenAttachment> {
  const { ndb } = ctx;
  const start = ndb.dataBytes;
  const subnodes = new Subnodes(ndb);
  const p = new PropertyList()
    .int32(Prop.AttachSize, 0)
    .int32(Prop.AttachNumber, index)
    .int32(Prop.RenderingPosition, -1)
    .string(Prop.DisplayName, a.name);
  if (a.kind === 'file') {
    await writeFileData(ctx, a, p, subnodes);
  } else {
    await writeEmbeddedMessage(ctx, a, p, subnodes, depth);
  }
  storeExtraProperties(ctx.names, a.extraProperties, p, `attachments[${index}].extraProperties`);
  const pc = new PropertyContextBuilder(ndb, p.items, subnodes);
  const size = ndb.dataBytes - start + pc.size;
  pc.setInline(Prop.AttachSize, size);
  p.setInt(Prop.AttachSize, size);
  const data = pc.finish();
  return { bidData: data.bid, bidSub: subnodes.finish(), properties: p };
}

/** Attachment bytes written between two `NdbWriter.ready()`: whole data blocks, so that none is copied twice. */
const PUSH_BYTES = 128 * MAX_BLOCK_DATA;

async function writeFileData(ctx: WriteContext, a: FileAttachment, p: PropertyList, subnodes: Subnodes): Promise<void> {
  p.int32(Prop.AttachMethod, 1) // afByValue
    .string(Prop.AttachFilename, a.name)
    .string(Prop.AttachLongFilename, a.name)
    .int32(Prop.AttachFlags, a.isInline ? 0x4 : 0); // ATT_MHTML_REF when inline
  const dot = a.name.lastIndexOf('.');
  if (dot > 0 && dot < a.name.length - 1) p.string(Prop.AttachExtension, a.name.slice(dot));
  if (a.contentType) p.string(Prop.AttachMimeTag, a.contentType);
  if (a.contentId) p.string(Prop.AttachContentId, a.contentId);
  if (a.isInline) p.bool(Prop.AttachmentHidden, true);
  if (a.lastModified) p.time(Prop.LastModificationTime, a.lastModified);
  const dataTag = tag(Prop.AttachDataBinary, PropType.Binary);
  if (a.size === 0) {
    p.binary(Prop.AttachDataBinary, new Uint8Array(0));
    return;
  }
  if (a.size <= MAX_HEAP_ALLOCATION) {
    // Small enough for the PC's heap: read it whole.
    const bytes = await ctx.ndb.content(a.size, () => readExactly(a, a.size));
    p.raw(dataTag, bytes);
    return;
  }
  const tree = new DataTreeWriter(ctx.ndb);
  await ctx.ndb.streamContent(tree, a.size, async () => {
    let total = 0;
    // Each chunk is in the blocks before the next is asked for: the source may refill the same buffer.
    for await (const chunk of await a.open(TRANSIENT)) {
      total += chunk.length;
      if (total > a.size) throw new AttachmentSizeError(a, total);
      // A mebibyte at a time, with a wait for a free write buffer (and a turn of the event loop) in between.
      for (let at = 0; at < chunk.length; at += PUSH_BYTES) {
        tree.push(at === 0 && chunk.length <= PUSH_BYTES ? chunk : chunk.subarray(at, at + PUSH_BYTES));
        await ctx.ndb.ready();
      }
    }
    if (total !== a.size) throw new AttachmentSizeError(a, total);
  });
  const nid = subnodes.nextLtpNid();
  subnodes.add({ nid, bidData: tree.finish().bid, bidSub: 0 });
  p.raw(dataTag, { subnodeNid: nid });
}

async function writeEmbeddedMessage(
  ctx: WriteContext,
  a: EmbeddedMessageAttachment,
  p: PropertyList,
  subnodes: Subnodes,
  depth: number,
): Promise<void> {
  const written = await writeMessage(ctx, a.message, depth + 1);
  const nid = subnodes.nextLtpNid();
  subnodes.add({ nid, bidData: written.bidData, bidSub: written.bidSub });
  // PtypObject in a PC: {nid, ulSize} in the heap ([MS-PST] §2.3.3.5).
  const value = new Uint8Array(8);
  viewOf(value).setUint32(0, nid, true);
  viewOf(value).setUint32(4, written.size, true);
  p.int32(Prop.AttachMethod, 5); // afEmbeddedMessage
  p.raw(tag(Prop.AttachDataBinary, PropType.Object), value);
}

/** How the writer reads attachment bytes: it copies each chunk before it asks for the next. */
const TRANSIENT: ByteSourceOptions = { transient: true };

async function readExactly(a: FileAttachment, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let total = 0;
  for await (const chunk of await a.open(TRANSIENT)) {
    if (total + chunk.length > size) throw new AttachmentSizeError(a, total + chunk.length);
    out.set(chunk, total);
    total += chunk.length;
  }
  if (total !== size) throw new AttachmentSizeError(a, total);
  return out;
}

/** An attachment's source gave more or fewer bytes than its declared `size` (code `attachment-size-mismatch`). */
export class AttachmentSizeError extends PstError {
  override readonly name: string = 'AttachmentSizeError';
  declare readonly code: 'attachment-size-mismatch';
  constructor(a: FileAttachment, actual: number) {
    super(
      'attachment-size-mismatch',
      `attachment "${a.name}" declared size ${a.size} but its source gave ${actual}${actual > a.size ? ' or more' : ''} bytes`,
    );
  }
}

export function isSubnodeValue(v: Property['value']): v is { subnodeNid: number } {
  return typeof v === 'object' && !(v instanceof Uint8Array);
}
