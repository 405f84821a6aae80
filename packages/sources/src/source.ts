/**
 * The source contract: one model for everything that feeds the writer.
 *
 * A source yields its folders (parents first) and its messages grouped by folder, as async iterables.
 * Records open their attachment bytes lazily (see `FileAttachment.open`), so a source never holds a large
 * attachment in memory; it spools to a temporary file when the format does not say the decoded size.
 */
import type { ByteSource, FolderSpec, MessageRecord } from '@pstream/pst';

export type SourceKind = 'eml' | 'mbox' | 'pst' | 'msg';

/** A message together with where it lives. */
export interface SourceMessage {
  /** Folder path from the top of the mailbox, e.g. ['Inbox', 'Support']. */
  readonly folder: readonly string[];
  readonly record: MessageRecord;
  /** Where it came from, for reports: a file path, `mbox#index`, `pst:/Inbox/Subject`. */
  readonly origin: string;
  /** The message's original bytes, when the source has them (kept if the writer then refuses the record). */
  readonly bytes?: ItemBytes;
  /** Releases temporary files held for this message; call once the writer is done with it. */
  dispose?(): Promise<void>;
}

/**
 * The original bytes of one item, opened on demand: a source hands a way to read them (a file, a byte range of
 * one), never the bytes themselves, so that a large damaged item is not held in memory.
 */
export interface ItemBytes {
  /** A file name for them, e.g. `a.eml`, `inbox-3.eml`, `note.msg`. */
  readonly name: string;
  /** `message/rfc822` for MIME, `application/vnd.ms-outlook` for a .msg file. */
  readonly contentType: string;
  readonly size: number;
  readonly open: ByteSource;
}

/** An item that could not be read. */
export interface DamagedItem {
  /** The full origin, as in `SourceMessage.origin`. */
  readonly origin: string;
  readonly reason: string;
  /** The folder the item was found in: where a placeholder for it belongs. */
  readonly folder: readonly string[];
  /** A short name of the item for people: a file name, `inbox.mbox message 3 (byte 1024)`, `/Inbox #7`. */
  readonly label: string;
  /** The item's original bytes, when the source has them. */
  readonly bytes?: ItemBytes;
  /** Why there are no original bytes, when `bytes` is absent. */
  readonly noBytes?: string;
}

/**
 * Something a source did that the caller should know, though nothing failed:
 * - `file-not-read`: a file of a kind the source does not read (in an .eml tree: not .eml, .msg, .ics or .vcf);
 * - `item-kept-as-text`: an item the format cannot hold as its kind (an event with no start, a card with no name, a
 *   recurrence the format cannot express) was kept as a plain item (IPM.Note) holding its original text;
 * - `item-changed`: an item was read with a change that `message` says (a time zone read as UTC, e-mail addresses
 *   past the third left out).
 */
export interface SourceWarning {
  readonly code: 'file-not-read' | 'item-kept-as-text' | 'item-changed';
  /** For people: starts with `origin`. */
  readonly message: string;
  /** The file, or the item within it (`<file>#VEVENT 2`). */
  readonly origin: string;
}

export interface SourceOptions {
  /** `skip` (default): report damaged items through `reportDamaged` and go on; `stop`: throw a `SourceError`. */
  readonly onDamaged?: 'skip' | 'stop';
  /** Called for every damaged item, before the source goes on to the next item. */
  readonly reportDamaged?: (item: DamagedItem) => void;
  /**
   * Called for a file the source did not read (of a kind it does not read) and for an item it read other than as it
   * is (kept as a plain item holding its original text, or with something left out), so that nothing is passed over
   * in silence.
   */
  readonly reportWarning?: (warning: SourceWarning) => void;
  /** Where spooled attachment bytes go; the OS temporary directory by default. */
  readonly tmpDir?: string;
  readonly signal?: AbortSignal;
}

export interface MessageSource {
  readonly kind: SourceKind;
  /** The path the source was opened from. */
  readonly path: string;
  /** A name for the mailbox: the file or directory name without extension. */
  readonly name: string;
  /** Every folder, parents before children. */
  folders(): AsyncIterable<FolderSpec>;
  /** Every message, grouped by folder, in source order within a folder. */
  messages(): AsyncIterable<SourceMessage>;
  /** Releases everything the source holds (file handles, temporary files). */
  close(): Promise<void>;
  /**
   * Starts, in the background, the work `folders()` and `messages()` begin with (an `.eml` tree lists its files and
   * starts its parsing threads), so that a caller still busy with another source overlaps the two. Optional; a
   * failure surfaces when `folders()` or `messages()` is read.
   */
  prepare?(): void;
  /**
   * How far `messages()` has read, for progress displays; undefined until the source knows its size. Optional:
   * a source that cannot tell its size cheaply leaves it out.
   */
  readProgress?(): SourceReadProgress | undefined;
}

/** The size of a source and how much of it `messages()` has read, in bytes. */
export interface SourceReadProgress {
  /** An .eml tree: its .eml files; an mbox, a PST or a .msg: the file. */
  readonly totalBytes: number;
  /** Bytes behind (of a PST: estimated from the items read); equals `totalBytes` once `messages()` has ended. */
  readonly readBytes: number;
}
