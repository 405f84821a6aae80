/**
 * The input model of the writer: what a message source yields and what `PstWriter` stores.
 *
 * Every field maps to the MAPI property the writer sets (named in brackets). Bodies are strings; attachment
 * bytes are opened lazily as async byte iterables (a Node `Readable` is one), so that a message with a 2 GiB
 * attachment never sits in memory. An attachment's exact decoded `size` is known before its bytes are read:
 * the writer lays out its data tree, and the splitter projects the file size, from it.
 *
 * Item kinds: `messageClass` picks the kind, and the kind's section holds its own properties — IPM.Appointment
 * (and IPM.Appointment.*, meeting items) `appointment`, IPM.Contact `contact`, IPM.Task `task`, IPM.StickyNote
 * `note`, IPM.DistList `distributionList`; everything else is mail. A section under a class of another kind is an
 * input error; a kind's class without its section is stored as an item of that class with the record's common
 * properties only (as a PST source may yield it, its own properties in `extraProperties`).
 */
import type { AppointmentFields } from './appointment-record.js';
import type { ContactFields } from './contact-record.js';
import type { ExtraProperty } from './extra-properties.js';
import type { DistributionListFields, StickyNoteFields } from './note-record.js';
import type { TaskFields } from './task-record.js';

export type * from './appointment-record.js';
export type * from './contact-record.js';
export type * from './extra-properties.js';
export type * from './note-record.js';
export type * from './recurrence.js';
export type * from './task-record.js';

/** A mailbox address. [PidTagSenderName / PidTagSenderEmailAddress / PidTagSenderAddressType, …] */
export interface MailAddress {
  /** Display name, already decoded (RFC 2047). */
  readonly name?: string;
  /** SMTP address (or an X.500 address when `addressType` is `EX`). */
  readonly address?: string;
  /** `SMTP` when absent. */
  readonly addressType?: string;
}

/** [PidTagRecipientType] 1 = to, 2 = cc, 3 = bcc. */
export type RecipientKind = 'to' | 'cc' | 'bcc';

export interface Recipient extends MailAddress {
  readonly kind: RecipientKind;
}

/** [PidTagImportance] 0, 1, 2. */
export type Importance = 'low' | 'normal' | 'high';
/** [PidTagSensitivity] 0..3. */
export type Sensitivity = 'normal' | 'personal' | 'private' | 'confidential';

/** How the bytes of a `ByteSource` are read. */
export interface ByteSourceOptions {
  /**
   * The reader is done with each chunk before it asks for the next (it copies what it keeps): the source may hand
   * out the same memory again, refilled, instead of a new buffer per chunk. Off by default.
   */
  readonly transient?: boolean;
}

/** Bytes of an attachment, produced on demand. Each call starts again at byte 0. */
export type ByteSource = (
  options?: ByteSourceOptions,
) => AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;

/** An attachment by value (PidTagAttachMethod = 1, afByValue). */
export interface FileAttachment {
  readonly kind: 'file';
  /** File name as sent. [PidTagAttachLongFilename, PidTagDisplayName] */
  readonly name: string;
  /** [PidTagAttachMimeTag] */
  readonly contentType?: string;
  /** Content-ID without angle brackets. [PidTagAttachContentId] */
  readonly contentId?: string;
  /** Shown in the body rather than as an attachment. [PidTagAttachmentHidden, PidTagAttachFlags] */
  readonly isInline?: boolean;
  /** Exact decoded size in bytes, below 4 GiB. [PidTagAttachDataBinary length] */
  readonly size: number;
  /** Opens the decoded bytes; they must add up to exactly `size`. */
  readonly open: ByteSource;
  readonly lastModified?: Date;
  /** The attachment's other properties from a PST or MSG source; precedence as on the message. */
  readonly extraProperties?: readonly ExtraProperty[];
}

/** An attached message (PidTagAttachMethod = 5, afEmbeddedMessage), stored as a complete message object. */
export interface EmbeddedMessageAttachment {
  readonly kind: 'message';
  /** Usually the embedded message's subject. [PidTagDisplayName] */
  readonly name: string;
  readonly message: MessageRecord;
  /** The attachment object's other properties from a PST or MSG source; precedence as on the message. */
  readonly extraProperties?: readonly ExtraProperty[];
}

export type Attachment = FileAttachment | EmbeddedMessageAttachment;

/** One message as the writer stores it. Everything but `subject` is optional. */
export interface MessageRecord {
  /** [PidTagMessageClass]; `IPM.Note` when absent. */
  readonly messageClass?: string;
  /** [PidTagSubject]; decoded text, '' when there is none. */
  readonly subject: string;
  /** The author. [PidTagSentRepresentingName / …EmailAddress / …AddressType] */
  readonly from?: MailAddress;
  /** The sender, when it differs from the author; `from` is used when absent. [PidTagSenderName / …] */
  readonly sender?: MailAddress;
  /** In the order given. [recipient table; PidTagDisplayTo / Cc / Bcc] */
  readonly recipients?: readonly Recipient[];
  /** [PidTagClientSubmitTime] */
  readonly sentAt?: Date;
  /** [PidTagMessageDeliveryTime] */
  readonly receivedAt?: Date;
  /** [PidTagCreationTime]; `receivedAt`, `sentAt` or the writer's clock when absent. */
  readonly createdAt?: Date;
  /** [PidTagLastModificationTime]; like `createdAt` when absent. */
  readonly modifiedAt?: Date;
  /** [PidTagImportance]; `normal` when absent. */
  readonly importance?: Importance;
  /** [PidTagSensitivity]; `normal` when absent. */
  readonly sensitivity?: Sensitivity;
  /** [PidTagMessageFlags & MSGFLAG_READ]; false when absent. */
  readonly isRead?: boolean;
  /** [PidTagMessageFlags & MSGFLAG_UNSENT] */
  readonly isDraft?: boolean;
  /** [PidTagInternetMessageId] */
  readonly internetMessageId?: string;
  /** [PidTagInReplyToId] */
  readonly inReplyTo?: string;
  /** [PidTagInternetReferences], as in the header: message ids separated by spaces. */
  readonly references?: string;
  /** The raw RFC 5322 header block. [PidTagTransportMessageHeaders] */
  readonly transportHeaders?: string;
  /** [PidNameKeywords] (named property, PS_PUBLIC_STRINGS "Keywords") */
  readonly categories?: readonly string[];
  /** Plain-text body. [PidTagBody] */
  readonly body?: string;
  /** HTML body, as text. [PidTagHtml, with PidTagInternetCodepage 65001] */
  readonly html?: string;
  /** RTF body, as RTF text (8-bit characters). [PidTagRtfCompressed, stored compressed (LZFu)] */
  readonly rtf?: string;
  readonly attachments?: readonly Attachment[];
  /** IPM.Appointment and IPM.Appointment.* */
  readonly appointment?: AppointmentFields;
  /** IPM.Contact */
  readonly contact?: ContactFields;
  /** IPM.Task */
  readonly task?: TaskFields;
  /** IPM.StickyNote */
  readonly note?: StickyNoteFields;
  /** IPM.DistList */
  readonly distributionList?: DistributionListFields;
  /**
   * Properties from a PST or MSG source that the fields above do not name, stored as they are; the record's own
   * fields win (see `ExtraProperty`).
   */
  readonly extraProperties?: readonly ExtraProperty[];
}

/** A mail folder: `path` from the top of the mailbox, one name per level, e.g. ['Inbox', 'Support']. */
export interface FolderSpec {
  readonly path: readonly string[];
  /**
   * [PidTagContainerClass]; `IPF.Note` when absent. IPF.Appointment, IPF.Contact, IPF.Task, IPF.StickyNote and
   * IPF.Journal folders hold those kinds; the first top-level folder of each becomes the store's default one
   * (PidTagIpmAppointmentEntryId and the others).
   */
  readonly containerClass?: string;
}
