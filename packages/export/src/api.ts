/**
 * The export pipeline's public contract: what a server or the CLI calls to serve `exportToPst`.
 */
import type { Readable } from 'node:stream';
import type { MessageSource, MimeParsePool } from '@pstream/sources';
import type { ExportWarning } from './warnings.js';

export type OutputFormat = 'pst' | 'zip';

export interface ExportOptions {
  /**
   * Mailbox sources, opened ones or paths (opened with `openSource`, and closed at the end); their messages are
   * merged (folders with the same path are one folder). A source opened by the export reports its warnings into the
   * summary; one passed already opened reports them (and its damaged items) to its own `reportWarning`.
   */
  readonly sources: readonly (MessageSource | string)[];
  /** Warnings to report in the summary as well (e.g. the request parser's clamp warnings), first. */
  readonly warnings?: readonly ExportWarning[];
  /**
   * Exports only part of the mailbox, by the stable ids that `@pstream/sources` gives folders and items (its listing
   * API shows them); absent selects everything. The keyword filter applies on top.
   */
  readonly selection?: ExportSelection;
  /** Keyword query (see the filter's rules); '' or absent selects everything. */
  readonly keywords?: string;
  /** Part size limit in bytes, already clamped by the request parser; absent = no user limit (49 GiB cap). */
  readonly limitBytes?: number;
  /** Engine-level part size for tests and embedders, allowed below the request clamp. */
  readonly maxPartBytes?: number;
  /** Base name of the output: `<name>.pst`, or `<name>.zip` holding `<name>-001.pst`, … */
  readonly name: string;
  /** Where parts are written before they are streamed; the OS temporary directory by default. */
  readonly tmpDir?: string;
  /** Aborts the export; the stream is destroyed with the reason and every temporary file is deleted. */
  readonly signal?: AbortSignal;
  /**
   * `bCryptMethod` of the PSTs: `permute` (default; Outlook's "compressible encryption") or `none`, which skips the
   * byte substitution and writes faster. Outlook and every reader tested here open both.
   */
  readonly encryption?: 'permute' | 'none';
  /** ZIP entries are stored by default; `deflate` compresses them. */
  readonly zipCompression?: 'store' | 'deflate';
  /**
   * What becomes of an item that cannot be read (a source reports it damaged) or stored (the writer refuses it):
   * `keep` (default) writes a placeholder message in its folder — subject `Damaged item: <label>`, category
   * `pstream: damaged`, a body saying why, the original bytes attached — whatever the keyword filter says;
   * `skip` writes nothing; `stop` fails the export naming the item. Every damaged item is counted and warned about.
   */
  readonly onDamaged?: 'keep' | 'skip' | 'stop';
  /** Called along the way (at most a few times a second is enough for a progress bar). */
  readonly onProgress?: (progress: ExportProgress) => void;
  /**
   * Threads that parse the `.eml` trees among the sources given as paths, for the whole export (their compiled
   * parser stays warm from one source to the next); the export's own thread then filters and writes. 0 parses on
   * the export's thread. Default: one a core but one, at least one, at most four (`defaultParseThreads` of
   * `@pstream/sources`). Each thread holds a parser's heap (about 50–100 MB at its busiest). Ignored with
   * `parsePool`.
   */
  readonly parseThreads?: number;
  /**
   * A pool of parsing threads owned by the caller and shared by its exports (a server's): the threads' memory is
   * paid once, whatever the number of exports running, and their compiled parser stays warm. The export neither
   * starts nor closes it.
   */
  readonly parsePool?: MimeParsePool;
}

/**
 * Folders and items of the mailbox, by id: an item is exported when it is in a listed folder or below one, or when
 * its own id is listed. A list left out adds nothing; both left out select everything. Ids that match nothing select
 * nothing (a caller that must refuse unknown ids checks them against the listing first).
 */
export interface ExportSelection {
  /** Folder ids (`folderId(path)`): each folder with its subfolders, and the folders themselves even when empty. */
  readonly folderIds?: readonly string[];
  /** Item ids (`ItemIds`): single items, wherever they are. */
  readonly itemIds?: readonly string[];
}

export interface ExportProgress {
  readonly scanned: number;
  readonly matched: number;
  /** Items that could not be read or stored, kept as placeholders or not (as in the summary). */
  readonly damaged: number;
  /** Damaged items not written (`onDamaged: 'skip'`). */
  readonly skipped: number;
  /** Bytes handed to the output stream so far (a part leaves only once it is finished). */
  readonly bytesOut: number;
  /** PST bytes written so far: the finished parts and the part being written. */
  readonly bytesWritten: number;
  /** Bytes written so far into the part being written (0 when none is open). */
  readonly partBytes: number;
  /** 1-based number of the part being written. */
  readonly part: number;
  /**
   * The sources' size in bytes (.eml tree: its files; mbox, PST, .msg: the file), once every source has told it: a
   * source path not yet opened has not.
   */
  readonly sourceBytes?: number;
  /** Bytes of the sources read so far (of a PST: estimated from its items); equals `sourceBytes` in the last report. */
  readonly sourceBytesRead?: number;
}

export interface PartSummary {
  readonly name: string;
  readonly bytes: number;
  readonly messages: number;
}

export interface ExportSummary {
  readonly format: OutputFormat;
  readonly fileName: string;
  /** Bytes of the whole output stream (the PST, or the ZIP). */
  readonly bytes: number;
  readonly parts: readonly PartSummary[];
  /** Every item read: messages, and damaged items whether kept or not. */
  readonly scanned: number;
  /** Messages that matched the keyword filter and were written (placeholders of damaged items not included). */
  readonly matched: number;
  /** Items that could not be read or stored: kept as placeholders (`keep`) or not written (`skip`). */
  readonly damaged: number;
  /** Damaged items not written (`onDamaged: 'skip'`). */
  readonly skipped: number;
  /** What the caller should know though nothing failed, in order: `options.warnings`, then the export's own. */
  readonly warnings: readonly ExportWarning[];
}

/** What `exportToPstFile` resolves with. */
export interface FileExportSummary extends ExportSummary {
  /** The file written: the given path with the extension `.pst` or `.zip`. */
  readonly path: string;
}

export interface ExportHandle {
  /** Resolves before the first byte is available: the format and the file name for the response headers. */
  readonly head: Promise<{ readonly format: OutputFormat; readonly fileName: string }>;
  /** The `application/octet-stream` output. Destroying it aborts the export and deletes temporary files. */
  readonly stream: Readable;
  /** Resolves once the stream has ended; rejects with the export's error. */
  readonly summary: Promise<ExportSummary>;
  /**
   * Gives back a chunk of `stream` once it is written out and referenced nowhere (a socket's or file's write
   * callback has run): later bytes are read into its memory. Optional, and only for chunks of this stream; a
   * consumer that never calls it gets a new buffer for every chunk, which the garbage collector must then take
   * back (see `pipeExport`, which does it for any writable).
   */
  readonly recycle: (chunk: Uint8Array) => void;
}
