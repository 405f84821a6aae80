/**
 * A single Outlook `.msg` file as a message source of one message, read with `@kenjiuno/msgreader`.
 *
 * The message goes to one folder, `folderName` (default: the name of the directory holding the file,
 * e.g. `/exports/Inbox/a.msg` → `['Inbox']`). The reader needs the whole file in memory; it is read when
 * the message is produced and again each time an attachment is opened, so nothing stays held between.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type MsgReaderModule from '@kenjiuno/msgreader';
import type { FieldsData } from '@kenjiuno/msgreader';
import type { Attachment, FolderSpec, MailAddress, MessageRecord, Recipient } from '@pstream/pst';
import type { MessageSource, SourceMessage, SourceOptions, SourceReadProgress } from './source.js';
import { SourceError, handleDamaged, reasonOf, throwIfAborted } from './errors.js';
import { bytesSource } from './spool.js';
import { fileRangeBytes } from './item-bytes.js';
import { ReadCounter } from './read-progress.js';

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
  const MsgReader = await (msgReader ??= import('@kenjiuno/msgreader').then((m) => {
    const exported = m.default as MsgReaderClass | { default: MsgReaderClass };
    return 'default' in exported ? exported.default : exported;
  }));
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return new MsgReader(ab);
}

/** The path of attachment indexes leading from the outer message to an embedded one. */
type AttachmentPath = readonly number[];

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
      record = this.#record(reader, data, []);
    } catch (error) {
      const reason = `not a readable .msg file: ${reasonOf(error)}`;
      handleDamaged(this.#options, { origin: this.path, reason, folder: this.#folder, label: basename(this.path), bytes: stored }, error);
      return;
    }
    yield { folder: this.#folder, record, origin: this.path, bytes: stored };
  }

  readProgress(): SourceReadProgress | undefined {
    return this.#read.progress;
  }

  #record(reader: InstanceType<MsgReaderClass>, data: FieldsData, at: AttachmentPath): MessageRecord {
    const from = this.#address(data.senderName, data.senderSmtpAddress ?? data.senderEmail, data.senderSmtpAddress ? 'SMTP' : data.senderAddressType);
    const recipients: Recipient[] = [];
    for (const r of data.recipients ?? []) {
      const a = this.#address(r.name, r.smtpAddress ?? r.email, r.smtpAddress ? 'SMTP' : r.addressType);
      if (a) recipients.push({ kind: r.recipType ?? 'to', ...a });
    }
    const attachments: Attachment[] = [];
    (data.attachments ?? []).forEach((att, i) => {
      const path = [...at, i];
      if (att.innerMsgContent === true && att.innerMsgContentFields !== undefined) {
        const message = this.#record(reader, att.innerMsgContentFields, path);
        attachments.push({ kind: 'message', name: nonEmpty(att.name) ?? message.subject, message });
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
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<MessageRecord>;
    return { subject: data.subject ?? '', ...defined };
  }

  #address(name: string | undefined, address: string | undefined, type: string | undefined): MailAddress | undefined {
    const n = nonEmpty(name);
    const a = nonEmpty(address);
    const t = nonEmpty(type);
    if (!n && !a) return undefined;
    return { ...(n ? { name: n } : {}), ...(a ? { address: a } : {}), ...(t && t !== 'SMTP' ? { addressType: t } : {}) };
  }

  /** Reads the file again and returns the bytes of the attachment at `path` (through embedded messages). */
  async #attachmentBytes(path: AttachmentPath): Promise<Uint8Array> {
    const reader = await openReader(await readFile(this.path));
    let data = reader.getFileData();
    for (let depth = 0; depth < path.length - 1; depth++) {
      const inner = data.attachments?.[path[depth] ?? -1]?.innerMsgContentFields;
      if (inner === undefined) throw new Error(`${this.path}: embedded message ${path.slice(0, depth + 1).join('/')} is gone`);
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
