/**
 * A single Outlook `.msg` file as a message source of one message, read with `@kenjiuno/msgreader`.
 *
 * The message goes to one folder, `folderName` (default: the name of the directory holding the file,
 * e.g. `/exports/Inbox/a.msg` → `['Inbox']`). The reader needs the whole file in memory; it is read when
 * the message is produced and again each time an attachment is opened, so nothing stays held between.
 *
 * Like the PST source, it carries every item class and every property: the kind sections (appointment, contact,
 * task, sticky note, distribution list; see `item-kinds.ts`) from the item's properties, and every property the
 * record has no field for, tagged and named, of the message, its attachments and embedded messages, in
 * `extraProperties` (see `msg-properties.ts`; not carried: what `MESSAGE_NOT_CARRIED` lists).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type MsgReaderModule from '@kenjiuno/msgreader';
import type { FieldsData } from '@kenjiuno/msgreader';
import type { Attachment, FolderSpec, MailAddress, MessageRecord, Recipient } from '@pstream/pst';
import { handleDamaged, reasonOf, SourceError, throwIfAborted } from './errors.js';
import { fileRangeBytes } from './item-bytes.js';
import { kindSections, type RecipientMeetingInfo } from './item-kinds.js';
import {
  attachmentStorages,
  codePageLabel,
  embeddedStorage,
  type MsgStorage,
  msgNameMap,
  recipientStorages,
  type StorageKind,
  storageProperties,
} from './msg-properties.js';
import type { PropertyName } from './pst-named-map.js';
import { ATTACHMENT_NOT_CARRIED, besideRecord, type ExtraProperty, MESSAGE_NOT_CARRIED } from './pst-properties.js';
import { ReadCounter } from './read-progress.js';
import type { MessageSource, SourceMessage, SourceOptions, SourceReadProgress } from './source.js';
import { bytesSource } from './spool.js';

export interface MsgOptions extends SourceOptions {
  /** The folder of the message; default `[name of the parent directory]`. */
  readonly folderName?: readonly string[];
}

// The package is CommonJS with `exports.default`: under Node's ESM interop the class is `.default` of it. It is
// loaded when a .msg file is first read (about 11 MB of RSS that a process reading no .msg never holds).
type MsgReaderClass = (typeof MsgReaderModule)['default'];
let msgReader: Promise<MsgReaderClass> | undefined;

const MSGFLAG_READ = 0x1;
const MSGFLAG_UNSENT = 0x8;

function nonEmpty(s: string | undefined): string | undefined {
  const t = s?.replace(/\0+$/, '').trim();
  return t ? t : undefined;
}

function date(s: string | undefined): Date | undefined {
  if (s === undefined) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

async function openReader(bytes: Buffer): Promise<InstanceType<MsgReaderClass>> {
  // Node's ESM interop gives module.exports as `default`; a transpiling loader may hand over the class itself.
  msgReader ??= import('@kenjiuno/msgreader').then((m) => {
    const exported = m.default as MsgReaderClass | { default: MsgReaderClass };
    return 'default' in exported ? exported.default : exported;
  });
  const MsgReader = await msgReader;
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return new MsgReader(ab);
}

/** The path of attachment indexes leading from the outer message to an embedded one. */
type AttachmentPath = readonly number[];

/** Where a message's own properties are in the file (see `msg-properties.ts`), and the file's named-property map. */
interface MessageStorage {
  readonly storage: MsgStorage;
  readonly kind: StorageKind;
  readonly names: ReadonlyMap<number, PropertyName>;
}

const PR_MESSAGE_CODEPAGE = 0x3ffd;
const PR_RECIPIENT_FLAGS = 0x5ffd;
const PR_RECIPIENT_TRACK_STATUS = 0x5fff;

/** Every property of a storage, String8 values decoded in the object's PidTagMessageCodepage. */
function propertiesOf(
  at: MessageStorage,
  storage: MsgStorage,
  kind: StorageKind,
  skip: ReadonlySet<number>,
  codePage?: string,
): ExtraProperty[] {
  const props = storageProperties(storage, kind, at.names, skip, codePage ?? 'windows-1252');
  if (codePage !== undefined) return props;
  const cp = props.find((p) => p.kind === 'tagged' && p.id === PR_MESSAGE_CODEPAGE)?.value;
  const label = codePageLabel(cp?.type === 'Integer32' ? cp.value : undefined);
  return label === 'windows-1252' ||
    !props.some((p) => p.value.type === 'String8' || p.value.type === 'MultipleString8')
    ? props
    : storageProperties(storage, kind, at.names, skip, label);
}

/** A recipient row's meeting properties (for an appointment's attendees). */
function meetingInfo(props: readonly ExtraProperty[]): RecipientMeetingInfo {
  const int = (id: number): number | undefined => {
    const v = props.find((p) => p.kind === 'tagged' && p.id === id)?.value;
    return v?.type === 'Integer32' ? v.value : undefined;
  };
  const flags = int(PR_RECIPIENT_FLAGS);
  const trackStatus = int(PR_RECIPIENT_TRACK_STATUS);
  return { ...(flags !== undefined ? { flags } : {}), ...(trackStatus !== undefined ? { trackStatus } : {}) };
}

/** Reads one `.msg` file. */
export class MsgSource implements MessageSource {
  readonly kind = 'msg' as const;
  readonly path: string;
  readonly name: string;
  readonly #options: MsgOptions;
  readonly #folder: readonly string[];
  readonly #read = new ReadCounter();

  constructor(path: string, options: MsgOptions = {}) {
    this.path = resolve(path);
    this.name = basename(this.path, extname(this.path));
    this.#options = options;
    this.#folder = options.folderName ?? [basename(dirname(this.path))];
  }

  async *folders(): AsyncIterable<FolderSpec> {
    yield { path: this.#folder };
  }

  async *messages(): AsyncIterable<SourceMessage> {
    throwIfAborted(this.#options, this.path);
    const bytes = await readFile(this.path).catch((e: unknown) => {
      throw new SourceError('source-not-found', this.path, `cannot read the file: ${reasonOf(e)}`, { cause: e });
    });
    const stored = fileRangeBytes(this.path, basename(this.path), 'application/vnd.ms-outlook', 0, bytes.length);
    // The file is read whole, at once.
    this.#read.start(bytes.length);
    this.#read.end();
    let record: MessageRecord;
    try {
      const reader = await openReader(bytes);
      const data = reader.getFileData();
      if (data.error !== undefined) throw new Error(data.error);
      const root = (reader as unknown as { reader: { rootFolder(): MsgStorage } }).reader.rootFolder();
      record = this.#record(reader, data, [], { storage: root, kind: 'message', names: msgNameMap(root) });
    } catch (error) {
      const reason = `not a readable .msg file: ${reasonOf(error)}`;
      handleDamaged(
        this.#options,
        { origin: this.path, reason, folder: this.#folder, label: basename(this.path), bytes: stored },
        error,
      );
      return;
    }
    yield { folder: this.#folder, record, origin: this.path, bytes: stored };
  }

  readProgress(): SourceReadProgress | undefined {
    return this.#read.progress;
  }

  #record(
    reader: InstanceType<MsgReaderClass>,
    data: FieldsData,
    at: AttachmentPath,
    own: MessageStorage,
  ): MessageRecord {
    const from = this.#address(
      data.senderName,
      data.senderSmtpAddress ?? data.senderEmail,
      data.senderSmtpAddress ? 'SMTP' : data.senderAddressType,
    );
    const properties = propertiesOf(own, own.storage, own.kind, MESSAGE_NOT_CARRIED);
    const codePage = codePageLabel(
      ((p) => (p?.type === 'Integer32' ? p.value : undefined))(
        properties.find((p) => p.kind === 'tagged' && p.id === PR_MESSAGE_CODEPAGE)?.value,
      ),
    );
    const recipientRows = recipientStorages(own.storage);
    const recipients: Recipient[] = [];
    const meeting: RecipientMeetingInfo[] = [];
    (data.recipients ?? []).forEach((r, i) => {
      const a = this.#address(r.name, r.smtpAddress ?? r.email, r.smtpAddress ? 'SMTP' : r.addressType);
      if (!a) return;
      recipients.push({ kind: r.recipType ?? 'to', ...a });
      const row = recipientRows[i];
      meeting.push(
        row === undefined ? {} : meetingInfo(storageProperties(row, 'other', own.names, new Set(), codePage)),
      );
    });
    const attachmentRows = attachmentStorages(own.storage);
    const attachments: Attachment[] = [];
    (data.attachments ?? []).forEach((att, i) => {
      const path = [...at, i];
      const row = attachmentRows[i];
      const extras = row === undefined ? [] : propertiesOf(own, row, 'other', ATTACHMENT_NOT_CARRIED, codePage);
      const carried = extras.length ? { extraProperties: extras } : {};
      if (att.innerMsgContent === true && att.innerMsgContentFields !== undefined) {
        const inner = row === undefined ? undefined : embeddedStorage(row);
        const message = this.#record(
          reader,
          att.innerMsgContentFields,
          path,
          inner === undefined
            ? { ...own, storage: row ?? own.storage, kind: 'other' }
            : { ...own, storage: inner, kind: 'embedded' },
        );
        attachments.push({ kind: 'message', name: nonEmpty(att.name) ?? message.subject, message, ...carried });
        return;
      }
      const contentType = nonEmpty(att.attachMimeTag);
      const contentId = nonEmpty(att.pidContentId);
      attachments.push({
        kind: 'file',
        name: nonEmpty(att.fileName) ?? nonEmpty(att.fileNameShort) ?? nonEmpty(att.name) ?? `attachment-${i + 1}.bin`,
        ...(contentType ? { contentType } : {}),
        ...(contentId ? { contentId } : {}),
        isInline: att.attachmentHidden === true,
        // contentLength is the stored data length; when the file does not say, measure the bytes once.
        size: att.contentLength ?? reader.getAttachment(att).content.length,
        open: async () => bytesSource(await this.#attachmentBytes(path))(),
        ...carried,
      });
    });
    const flags = data.messageFlags;
    const html = nonEmpty(data.bodyHtml) ?? (data.html ? new TextDecoder().decode(data.html) : undefined);
    const fields: Partial<MessageRecord> = {
      messageClass: nonEmpty(data.messageClass),
      from,
      recipients: recipients.length ? recipients : undefined,
      sentAt: date(data.clientSubmitTime),
      receivedAt: date(data.messageDeliveryTime),
      createdAt: date(data.creationTime),
      modifiedAt: date(data.lastModificationTime),
      isRead: flags === undefined ? undefined : (flags & MSGFLAG_READ) !== 0,
      isDraft: flags === undefined ? undefined : (flags & MSGFLAG_UNSENT) !== 0,
      internetMessageId: nonEmpty(data.messageId),
      transportHeaders: nonEmpty(data.headers) ? data.headers : undefined,
      body: data.body,
      html,
      attachments: attachments.length ? attachments : undefined,
    };
    const defined = Object.fromEntries(
      Object.entries(fields).filter(([, v]) => v !== undefined),
    ) as Partial<MessageRecord>;
    const extras = besideRecord(properties);
    return {
      ...kindSections(fields.messageClass, properties, recipients, meeting),
      ...(extras.length ? { extraProperties: extras } : {}),
      subject: data.subject ?? '',
      ...defined,
    };
  }

  #address(name: string | undefined, address: string | undefined, type: string | undefined): MailAddress | undefined {
    const n = nonEmpty(name);
    const a = nonEmpty(address);
    const t = nonEmpty(type);
    if (!n && !a) return undefined;
    return {
      ...(n ? { name: n } : {}),
      ...(a ? { address: a } : {}),
      ...(t && t !== 'SMTP' ? { addressType: t } : {}),
    };
  }

  /** Reads the file again and returns the bytes of the attachment at `path` (through embedded messages). */
  async #attachmentBytes(path: AttachmentPath): Promise<Uint8Array> {
    const reader = await openReader(await readFile(this.path));
    let data = reader.getFileData();
    for (let depth = 0; depth < path.length - 1; depth++) {
      const inner = data.attachments?.[path[depth] ?? -1]?.innerMsgContentFields;
      if (inner === undefined)
        throw new Error(`${this.path}: embedded message ${path.slice(0, depth + 1).join('/')} is gone`);
      data = inner;
    }
    const att = data.attachments?.[path[path.length - 1] ?? -1];
    if (att === undefined) throw new Error(`${this.path}: attachment ${path.join('/')} is gone`);
    return reader.getAttachment(att).content;
  }

  async close(): Promise<void> {
    // Nothing is held between reads.
  }
}
