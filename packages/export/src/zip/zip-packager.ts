/**
 * Streams finished PST part files as one ZIP archive.
 *
 * Entries are stored (no compression) unless `deflate` is asked for. `store`, the export's mode, is written by this
 * package's own streaming writer (`StoredZipWriter`: zlib's CRC-32, one read of each file in large chunks);
 * `deflate` goes through archiver 8 (`ArchiverZipWriter`). Either way:
 * (a) an error reading a part destroys the output;
 * (b) a part that ends short of, or runs past, its announced size destroys the output (the consumer sees a
 *     truncated archive, never a valid ZIP with a short entry);
 * (c) failures stop the entry in progress at once instead of waiting for it;
 * (d) a consumer that goes away closes the part file being read;
 * (e) a slow consumer slows the packager: only a bounded amount is read ahead of it.
 * zip64 records are written whenever an entry or the archive needs them. Entries get Unix mode 0644 and no DOS
 * read-only attribute, because Outlook cannot open a read-only PST.
 */
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { deferred } from '../deferred.js';
import { ZipError } from '../errors.js';
import { ArchiverZipWriter } from './archiver-zip-writer.js';
import { validateEntryName } from './entry-name.js';
import { StoredZipWriter } from './stored-zip-writer.js';
import type { ZipWriter } from './zip-writer.js';

export interface ZipPackagerOptions {
  /** `store` (default) or `deflate`. */
  readonly compression?: 'store' | 'deflate';
  /** zlib level for `deflate`, 1 (fast) to 9; 1 by default. */
  readonly deflateLevel?: number;
  /** Bytes read from a part file at a time; 1 MiB by default. */
  readonly readChunkBytes?: number;
}

export interface AddFileOptions {
  /** Timestamp of the entry; the file's modification time by default. */
  readonly date?: Date;
  /**
   * The file is temporary (deleted once added): its bytes are released from the file system as they are read, so
   * that a large part does not stay in the page cache under the archive's own bytes (stored entries, on Linux with
   * the native kernel of `@pstream/pst`; elsewhere nothing changes). The file reads as zeros afterwards.
   */
  readonly releaseAsRead?: boolean;
}

type State = 'open' | 'finishing' | 'finished' | 'failed';

/**
 * A ZIP archive built from files added one at a time while `output` is being read.
 *
 * Typical use: `pipeline(packager.output, response)`; for each finished part `await packager.addFile(…)`
 * (the part file may be deleted once it resolves); then `await packager.finish()`. Any failure destroys
 * `output` with the error, so the consumer never receives a complete-looking archive with missing data.
 */
export class ZipPackager {
  /** The archive bytes; reading it slowly slows the packager down (backpressure). */
  readonly output: Readable;

  private readonly writer: ZipWriter;
  private readonly names = new Set<string>();
  private state: State = 'open';
  private failure: Error | undefined;
  /** Serialises `addFile` calls. */
  private tail: Promise<void> = Promise.resolve();
  /** The entry being streamed. */
  private current: string | undefined;
  private readonly ended = deferred();

  constructor(options: ZipPackagerOptions = {}) {
    const compression = options.compression ?? 'store';
    if (compression !== 'store' && compression !== 'deflate') {
      throw new RangeError(`compression must be "store" or "deflate", got ${JSON.stringify(compression)}`);
    }
    const level = options.deflateLevel ?? 1;
    if (!Number.isInteger(level) || level < 1 || level > 9) {
      throw new RangeError(`deflateLevel must be an integer from 1 to 9, got ${String(options.deflateLevel)}`);
    }
    const readChunkBytes = options.readChunkBytes ?? 1024 * 1024;
    if (!Number.isSafeInteger(readChunkBytes) || readChunkBytes < 1 || readChunkBytes > 1024 ** 3) {
      throw new RangeError(
        `readChunkBytes must be an integer from 1 to ${1024 ** 3}, got ${String(options.readChunkBytes)}`,
      );
    }
    this.writer =
      compression === 'store'
        ? new StoredZipWriter({ readChunkBytes })
        : new ArchiverZipWriter({ level, readChunkBytes, onFailure: (err) => this.fail(err) });
    const output = this.writer.output;
    this.output = output;
    output.on('end', () => {
      if (this.state === 'finishing') {
        this.state = 'finished';
        this.ended.resolve();
      }
    });
    output.on('close', () => {
      if (this.state !== 'finished') {
        this.fail(new ZipError('closed', this.current, 'the output was closed before the archive was complete'));
      }
    });
  }

  /** Bytes of the archive produced so far. */
  get bytesWritten(): number {
    return this.writer.bytesWritten;
  }

  /**
   * Appends the file at `path` as the entry `entryName`; `size` is its exact length in bytes, which is
   * checked while streaming. Resolves when the whole entry has been written into the archive (the file is
   * then closed and may be deleted); calls are serialised. An invalid name or state (a `ZipError`) and a bad size
   * or date (a `RangeError` or `TypeError`) are thrown without touching the archive; any other failure also
   * destroys `output`.
   */
  addFile(path: string, entryName: string, size: number, options: AddFileOptions = {}): Promise<void> {
    this.assertOpen();
    validateEntryName(entryName);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`${entryName}: size must be a non-negative integer, got ${String(size)}`);
    }
    const date = options.date;
    if (date !== undefined && !(date instanceof Date && Number.isFinite(date.getTime()))) {
      throw new TypeError(`${entryName}: date must be a valid Date, got ${String(date)}`);
    }
    if (this.names.has(entryName))
      throw new ZipError('invalid-entry', entryName, `${entryName}: an entry of that name was already added`);
    this.names.add(entryName);
    const run = this.tail.then(() => this.streamFile(path, entryName, size, date, options.releaseAsRead ?? false));
    this.tail = run.catch(() => {});
    return run;
  }

  /**
   * Hands a chunk of `output` back once the consumer is done with it (written out and referenced nowhere), so that
   * a later read of a part goes into its memory instead of a new buffer. Optional: a consumer that keeps chunks, or
   * cannot tell when they are done (a socket), simply never calls it. Other chunks are ignored.
   */
  recycle(chunk: Uint8Array): void {
    this.writer.recycle?.(chunk);
  }

  /**
   * Writes the central directory once every added file is in. Resolves with the archive's size when the
   * consumer has read the whole archive; rejects if anything failed.
   */
  async finish(): Promise<number> {
    this.assertOpen();
    this.state = 'finishing';
    await this.tail;
    if (this.failure) throw this.failure;
    this.writer.finish();
    await this.ended.promise;
    return this.writer.bytesWritten;
  }

  /**
   * Stops everything now: closes the file being read and destroys `output` with `reason` (a `ZipError`
   * `closed` when none is given). Pending `addFile`/`finish` calls reject.
   */
  destroy(reason?: Error): void {
    this.fail(reason ?? new ZipError('closed', this.current, 'the ZIP packager was destroyed'));
  }

  private assertOpen(): void {
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new ZipError('closed', undefined, 'the archive is already being finished');
  }

  private async streamFile(
    path: string,
    name: string,
    size: number,
    date: Date | undefined,
    release: boolean,
  ): Promise<void> {
    if (this.failure) throw this.failure;
    this.current = name;
    try {
      let mtime: Date;
      try {
        const st = await stat(path);
        if (!st.isFile()) throw new ZipError('source-failed', name, `${name}: ${path} is not a regular file`);
        if (st.size !== size) {
          const code = st.size < size ? 'short-entry' : 'long-entry';
          throw new ZipError(code, name, `${name}: ${path} has ${st.size} bytes, expected ${size}`);
        }
        mtime = st.mtime;
      } catch (err) {
        throw err instanceof ZipError
          ? err
          : new ZipError('source-failed', name, `${name}: cannot read ${path}: ${(err as Error).message}`, {
              cause: err,
            });
      }
      if (this.failure) throw this.failure;
      await this.writer.writeEntry(path, name, size, date ?? mtime, release);
    } catch (err) {
      // The first failure wins: an entry stopped by destroy(reason) rejects with that reason.
      this.fail(err instanceof Error ? err : new Error(String(err)));
      throw this.failure;
    } finally {
      this.current = undefined;
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.state = 'failed';
    this.writer.destroy(err);
    this.ended.reject(err);
  }
}
