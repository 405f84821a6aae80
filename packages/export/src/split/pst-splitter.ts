/**
 * The splitter: writes messages into PST parts of at most `limitBytes` each, rolling over to a new part before a
 * message would take the current one past the limit (the writer's size projection is exact, so no part is ever
 * larger, to the byte). Parts are filled close to the limit: the rollover is decided per message.
 *
 * A message that does not fit even an empty part goes alone into a part of its own, reported as oversize: nothing
 * is dropped. Each finished part is in `finished`, and handed to `onPart`, which may wait (backpressure) before the
 * next one starts.
 */
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type FolderSpec, type MessageRecord, PstWriter, type PstWriterOptions } from '@pstream/pst';

export interface FinishedPart {
  /** 1-based. */
  readonly index: number;
  readonly path: string;
  readonly bytes: number;
  readonly messages: number;
  /** The part holds one message larger than the limit. */
  readonly oversize: boolean;
  /** No part follows (known when the part is finished: a part closes early only because a next message needs room). */
  readonly last: boolean;
}

export interface SplitterOptions {
  readonly limitBytes: number;
  /** Where part files are written (`part-001.pst`, …). */
  readonly directory: string;
  /** Store display name of part i (1-based). */
  readonly displayName?: (index: number) => string;
  readonly writerOptions?: Omit<PstWriterOptions, 'displayName'>;
  /** Receives each finished part; the splitter waits for it before writing on. */
  readonly onPart?: (part: FinishedPart) => Promise<void>;
}

/** The size of a PST with no message: one AMap region after the header area. */
export const EMPTY_PST_BYTES = 0x4400 + 253_952;

/**
 * An upper bound of the bytes one empty folder adds to a file: its PC (a 255-character name, the class) and its
 * three TCs, its row in the parent's hierarchy table, and the NBT/BBT entries of its nodes (about 3 KiB with the
 * longest name and a long class; five times that here), so that folders are added between exact projections.
 */
const EMPTY_FOLDER_BOUND = 16 * 1024;
/** A file grows by whole AMap regions ([MS-PST] §2.2.2.7.2): a projection may be up to one region from the next size. */
const AMAP_REGION_BYTES = 253_952;

export class PstSplitter {
  private writer: PstWriter | undefined;
  /** The part being finished (its tables and B-trees written): it counts as being written until it is in `parts`. */
  private closing: PstWriter | undefined;
  private index = 0;
  private oversize = false;
  private readonly parts: FinishedPart[] = [];
  private closed = false;
  /** The container class of each source folder that has one, by path (see `folder`). */
  private readonly classes = new Map<string, string>();
  /** Folders to keep though they may hold no message, not yet created in a part. */
  private pending: FolderSpec[] = [];
  /** For `placePending`: the part's last exact projection (none after a message), and the folders added since. */
  private projected: number | undefined;
  private sinceProjected = 0;

  constructor(private readonly options: SplitterOptions) {
    if (!Number.isSafeInteger(options.limitBytes) || options.limitBytes < EMPTY_PST_BYTES) {
      throw new RangeError(
        `limitBytes must be an integer of at least ${EMPTY_PST_BYTES} (an empty PST), got ${options.limitBytes}`,
      );
    }
  }

  /** Parts finished so far. */
  get finished(): readonly FinishedPart[] {
    return this.parts;
  }

  /** The part being written (1-based), 0 before the first message. */
  get currentPart(): number {
    return this.writer ? this.index : 0;
  }

  /**
   * Bytes written so far into the part being written, or being finished (0 when none is open); see
   * `PstWriter.writtenBytes`. A part's bytes are here or in `finished`, never in neither.
   */
  get currentPartBytes(): number {
    return (this.writer ?? this.closing)?.writtenBytes ?? 0;
  }

  /**
   * Declares a folder of a source: its container class (PidTagContainerClass) applies wherever a part creates the
   * folder; with `keep` the folder is created even when no message goes into it (an export without a keyword keeps
   * the source's folder tree whole), in the part being written when it has room, else in the next one.
   */
  async folder(spec: FolderSpec, keep: boolean): Promise<void> {
    if (this.closed) throw new Error('PstSplitter: already finished');
    if (spec.containerClass !== undefined) this.classes.set(pathKey(spec.path), spec.containerClass);
    if (!keep) return;
    this.pending.push(spec);
    if (this.writer) this.placePending(this.writer);
  }

  /** Adds a message; returns true when it went into a part of its own because it is larger than the limit. */
  async add(folder: readonly string[], record: MessageRecord): Promise<boolean> {
    if (this.closed) throw new Error('PstSplitter: already finished');
    // A part holding an oversize message is closed when the next message comes (or at the end), so that every part
    // closed here is known to have a successor.
    if (this.writer && this.oversize) await this.close(true);
    let writer = this.writer ?? (await this.open());
    if (!(await writer.fits(this.options.limitBytes, folder, record))) {
      if (!isEmpty(writer)) {
        await this.close(true);
        writer = await this.open();
      }
      if (!(await writer.fits(this.options.limitBytes, folder, record))) this.oversize = true;
    }
    await writer.addMessage(folder, record);
    this.projected = undefined;
    return this.oversize;
  }

  /** Finishes the last part; returns every part. */
  async finish(): Promise<readonly FinishedPart[]> {
    // Folders kept that found no room in the last part go into one more.
    if (this.pending.length > 0 && this.writer) await this.close(true);
    while (this.pending.length > 0) {
      await this.open();
      if (this.pending.length > 0) await this.close(true);
    }
    if (this.writer) await this.close(false);
    this.closed = true;
    return this.parts;
  }

  /** Deletes the part being written. Finished parts belong to whoever received them. */
  async abort(): Promise<void> {
    this.closed = true;
    const writer = this.writer;
    this.writer = undefined;
    await writer?.abort();
  }

  private async open(): Promise<PstWriter> {
    this.index++;
    const name = `part-${String(this.index).padStart(3, '0')}.pst`;
    const writer = await PstWriter.create(join(this.options.directory, name), {
      ...this.options.writerOptions,
      displayName: this.options.displayName?.(this.index),
      folderClass: (path) => this.classes.get(pathKey(path)),
    });
    this.writer = writer;
    this.oversize = false;
    this.projected = undefined;
    // A new part runs the writer's set-up, the placing of its folders and the first message's size projection in
    // a row, code that runs for the first time in a process: a turn of the event loop between them keeps a host's
    // other requests from waiting for all three at once.
    await nextTurn();
    this.placePending(writer);
    await nextTurn();
    return writer;
  }

  /**
   * Creates the pending folders in `writer` while the part stays within the limit (an empty part takes at least
   * one, so that every folder gets a place). The size is projected exactly only when the bound comes near the limit.
   */
  private placePending(writer: PstWriter): void {
    const limit = this.options.limitBytes;
    const room = (folders: number): boolean =>
      this.projected! + folders * EMPTY_FOLDER_BOUND + AMAP_REGION_BYTES <= limit;
    let placed = 0;
    for (const spec of this.pending) {
      if (!isEmpty(writer) && (this.projected === undefined || !room(this.sinceProjected + 1))) {
        this.projected = writer.projectedSize();
        this.sinceProjected = 0;
        if (!room(1)) break;
      }
      writer.ensureFolder(spec);
      this.sinceProjected++;
      placed++;
    }
    this.pending = this.pending.slice(placed);
  }

  private async close(more: boolean): Promise<void> {
    const writer = this.writer!;
    this.writer = undefined;
    this.closing = writer;
    let summary: Awaited<ReturnType<PstWriter['finish']>>;
    try {
      summary = await writer.finish();
    } finally {
      this.closing = undefined;
    }
    const part: FinishedPart = {
      index: this.index,
      path: summary.path,
      bytes: summary.bytes,
      messages: summary.messages,
      oversize: this.oversize,
      last: !more,
    };
    this.parts.push(part);
    await this.options.onPart?.(part);
  }
}

function pathKey(path: readonly string[]): string {
  return path.join('\u0000');
}

/** A part with neither a message nor a folder of its own. */
function isEmpty(writer: PstWriter): boolean {
  return writer.messageCount === 0 && writer.folderCount === 0;
}
