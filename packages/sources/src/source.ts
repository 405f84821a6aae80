/**
 * The source contract: one model for everything that feeds the writer.
 *
 * A source yields its folders (parents first) and its messages grouped by folder, as async iterables.
 * Records open their attachment bytes lazily (see `FileAttachment.open`), so a source never holds a large
 * attachment in memory; it spools to a temporary file when the format does not say the decoded size.
 */
import type { FolderSpec, MessageRecord } from '@pstream/pst';

export type SourceKind = 'eml' | 'mbox' | 'pst' | 'msg';

/** A message together with where it lives. */
export interface SourceMessage {
  /** Folder path from the top of the mailbox, e.g. ['Inbox', 'Support']. */
  readonly folder: readonly string[];
  readonly record: MessageRecord;
  /** Where it came from, for reports: a file path, `mbox#index`, `pst:/Inbox/Subject`. */
  readonly origin: string;
  /** Releases temporary files held for this message; call once the writer is done with it. */
  dispose?(): Promise<void>;
}

/** An item that could not be read. */
export interface DamagedItem {
  readonly origin: string;
  readonly reason: string;
}

export interface SourceOptions {
  /** `skip` (default): report damaged items through `onDamaged` and go on; `stop`: throw a `SourceError`. */
  readonly onDamaged?: 'skip' | 'stop';
  /** Called for every damaged item that is skipped. */
  readonly reportDamaged?: (item: DamagedItem) => void;
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
}
