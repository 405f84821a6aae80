/**
 * A streaming writer of stored (uncompressed) ZIP archives: the `store` mode of `ZipPackager`, which the export uses.
 *
 * Why not archiver, as for `deflate`: archiver computes each entry's CRC-32 with the pure-JavaScript `crc-32`
 * package, about 0.5 GB/s on the benchmark machine against about 4.8 GB/s for `node:zlib` `crc32`, and passes the
 * data through several streams on the way. In the export profiles that was 17 % of the `limit-1g` export and 9 % of
 * the `pstforge` one. This writer reads each file once, in large chunks, computes the CRC with zlib while the bytes
 * pass, and hands the very chunks it read to the consumer. Measured on the same machine and writer, in the same
 * minute: two 1 GiB parts into a discarding consumer, 0.55–0.9 GB/s and 2.3–3.4 CPU s through archiver, 1.8–2.8 GB/s
 * and 0.8–1.1 CPU s here; the `limit-1g` export benchmark went from 5.2–5.3 s (7.1–7.2 CPU s) to 3.3–3.4 s
 * (5.0 CPU s), `pstforge` from 1.0–1.1 s to 0.86 s.
 *
 * Layout (records in `zip-records.ts`): per entry a local file header with a data descriptor (bit 3), the bytes,
 * the descriptor; then the central directory and the end records, with zip64 structures wherever needed.
 *
 * Backpressure: a chunk is read only while `output` holds less than its high-water mark (one chunk), so at most
 * about two chunks are held ahead of a slow consumer.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { ZipError } from '../errors.js';
import { ReadBuffers } from './read-buffers.js';
import { releaseFileRanges } from './release-range.js';
import {
  centralFileHeader,
  dataDescriptor,
  dosDateTime,
  endOfCentralDirectory,
  entryNeedsZip64,
  localFileHeader,
  type ZipEntryRecord,
} from './zip-records.js';
import type { ZipWriter } from './zip-writer.js';

export interface StoredZipWriterOptions {
  /** Bytes read from a file at a time (and the output's high-water mark). */
  readonly readChunkBytes: number;
  /** Write zip64 records for every entry and the archive, whatever their size (for tests of small archives). */
  readonly forceZip64?: boolean;
}

export class StoredZipWriter implements ZipWriter {
  readonly output: Readable;

  private written = 0;
  private readonly entries: ZipEntryRecord[] = [];
  private readonly readChunkBytes: number;
  private readonly forceZip64: boolean;
  private failure: Error | undefined;
  /** The file being read, closed by `destroy` at once. */
  private file: FileHandle | undefined;
  /** The entry being written, for error messages. */
  private current: string | undefined;
  /** Wakes the entry loop waiting for the consumer (on demand or on destroy). */
  private wake: (() => void) | undefined;
  /** What the entries are read into, given back by the consumer (`recycle`). */
  private readonly buffers: ReadBuffers;

  constructor(options: StoredZipWriterOptions) {
    this.readChunkBytes = options.readChunkBytes;
    this.buffers = new ReadBuffers(options.readChunkBytes);
    this.forceZip64 = options.forceZip64 ?? false;
    this.output = new Readable({
      highWaterMark: options.readChunkBytes,
      read: () => this.resume(),
      destroy: (error, done) => {
        this.stop(
          error ?? new ZipError('closed', this.current, 'the output was closed before the archive was complete'),
        );
        done(error);
      },
    });
  }

  get bytesWritten(): number {
    return this.written;
  }

  async writeEntry(path: string, name: string, size: number, date: Date, release = false): Promise<void> {
    this.check();
    const entry: ZipEntryRecord = {
      name: Buffer.from(name, 'utf8'),
      ...dosDateTime(date),
      zip64: entryNeedsZip64(size, this.forceZip64),
      offset: this.written,
      size,
      crc: 0,
    };
    let file: FileHandle;
    try {
      file = await open(path, release ? 'r+' : 'r'); // releasing ranges needs a descriptor open for writing
    } catch (err) {
      throw new ZipError('source-failed', name, `${name}: cannot read ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.file = file;
    this.current = name;
    try {
      this.check();
      await this.push(localFileHeader(entry));
      let crc = 0;
      let at = 0;
      for (;;) {
        // One byte more than the rest: a file that grew shows at its announced end.
        const want = Math.min(this.readChunkBytes, size - at + 1);
        const buffer = this.buffers.take(want);
        let got: number;
        try {
          got = (await file.read(buffer, 0, want, at)).bytesRead;
        } catch (err) {
          this.check();
          throw new ZipError('source-failed', name, `${name}: reading ${path} failed: ${(err as Error).message}`, {
            cause: err,
          });
        }
        this.check();
        if (got === 0) break;
        if (at + got > size)
          throw new ZipError('long-entry', name, `${name}: the file holds more than the announced ${size} bytes`);
        const chunk = got === want ? buffer : buffer.subarray(0, got);
        // A temporary part is read once: its pages go now instead of piling up under the output's (see releaseFileRange).
        if (release) await releaseFileRanges(file, at, got);
        crc = crc32(chunk, crc);
        at += got;
        await this.push(chunk);
      }
      if (at !== size) throw new ZipError('short-entry', name, `${name}: read ${at} bytes, expected ${size}`);
      entry.crc = crc;
      await this.push(dataDescriptor(entry));
    } finally {
      this.file = undefined;
      this.current = undefined;
      await file.close().catch(() => {});
    }
    this.entries.push(entry);
  }

  /** Takes back a chunk of `output` that the consumer is done with (see `ReadBuffers`). */
  recycle(chunk: Uint8Array): void {
    this.buffers.give(chunk);
  }

  finish(): void {
    if (this.failure) return;
    const offset = this.written;
    const directory = Buffer.concat(this.entries.map((e) => centralFileHeader(e, this.forceZip64)));
    const end = endOfCentralDirectory(this.entries.length, offset, directory.length, this.forceZip64);
    // The end may exceed the high-water mark; it is small and the last thing written.
    this.written += directory.length + end.length;
    this.output.push(Buffer.concat([directory, end]));
    this.output.push(null);
  }

  destroy(error: Error): void {
    this.stop(error);
    if (!this.output.destroyed) this.output.destroy(error);
  }

  /** Records the first failure, closes the file and wakes the entry loop (which then throws). */
  private stop(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    void this.file?.close().catch(() => {});
    this.resume();
  }

  private resume(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  /** Hands `chunk` to the consumer; waits while the output holds a high-water mark's worth. */
  private async push(chunk: Buffer): Promise<void> {
    this.check();
    this.written += chunk.length;
    if (this.output.push(chunk)) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.check();
  }
}
