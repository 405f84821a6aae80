/**
 * A parsed message as plain data, to cross from a parsing thread to the one that writes: a `MessageRecord` whose
 * file attachments carry what their bytes are (a spooled file's path, or the bytes) instead of an `open` function,
 * which no thread can send to another.
 */
import type { Attachment, EmbeddedMessageAttachment, FileAttachment, MessageRecord } from '@pstream/pst';
import { bytesSource, type PortableBytes, type SpoolGroup } from './spool.js';

export interface PortableFileAttachment extends Omit<FileAttachment, 'open'> {
  readonly bytes: PortableBytes;
}

export interface PortableMessageAttachment extends Omit<EmbeddedMessageAttachment, 'message'> {
  readonly message: PortableRecord;
}

export interface PortableRecord extends Omit<MessageRecord, 'attachments'> {
  readonly attachments?: readonly (PortableFileAttachment | PortableMessageAttachment)[];
}

/** `record` as plain data; its attachments' bytes must come from `spool` (the group that parsed it). */
export function toPortable(record: MessageRecord, spool: SpoolGroup): PortableRecord {
  if (!record.attachments || record.attachments.length === 0) return record as PortableRecord;
  const attachments = record.attachments.map((a): PortableFileAttachment | PortableMessageAttachment => {
    if (a.kind === 'message') return { ...a, message: toPortable(a.message, spool) };
    const bytes = spool.portable(a.open);
    if (bytes === undefined)
      throw new TypeError(`attachment ${JSON.stringify(a.name)}: its bytes were not spooled by this group`);
    const { open: _open, ...rest } = a;
    return { ...rest, bytes };
  });
  return { ...record, attachments };
}

/** The record again; every spooled file it names is adopted by `spool`, which deletes it on `dispose()`. */
export function fromPortable(record: PortableRecord, spool: SpoolGroup): MessageRecord {
  if (!record.attachments || record.attachments.length === 0) return record as MessageRecord;
  const attachments = record.attachments.map((a): Attachment => {
    if (a.kind === 'message') return { ...a, message: fromPortable(a.message, spool) };
    const { bytes, ...rest } = a;
    if ('file' in bytes) {
      spool.adopt(bytes.file);
      return { ...rest, open: spool.directory.fileSource(bytes.file) };
    }
    return { ...rest, open: bytesSource(bytes.bytes) };
  });
  return { ...record, attachments };
}
