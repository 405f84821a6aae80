/**
 * The `deflate` mode of `ZipPackager`, through archiver 8 (the ZIP dependency named in the design).
 *
 * archiver alone has four traps (measured in the research notes, zip.md §4–5), all closed here:
 * (a) an error of an appended source is not forwarded: every source error goes to the failure callback, which
 *     destroys the output;
 * (b) a source that ends early yields a valid ZIP with a short entry: each entry's bytes are counted against the
 *     announced size, and a mismatch is a failure (the consumer sees a truncated archive);
 * (c) `abort()` waits for the entry in progress: `destroy()` is used instead;
 * (d) a consumer that goes away leaves the file streams open: `destroy` closes them.
 * archiver writes zip64 records whenever an entry or the archive needs them. It is loaded on first use (about 20 MB
 * of RSS), so that the default `store` mode never holds it.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { PassThrough, pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import type { ZipArchive } from 'archiver';
import { type Deferred, deferred } from '../deferred.js';
import { ZipError } from '../errors.js';
import type { ZipWriter } from './zip-writer.js';

export interface ArchiverZipWriterOptions {
  /** zlib level, 1 to 9. */
  readonly level: number;
  readonly readChunkBytes: number;
  /** Told of failures that happen outside `writeEntry` (archiver's own errors and warnings). */
  readonly onFailure: (error: Error) => void;
}

/** Passes bytes through and fails when they exceed, or end short of, the announced size. */
class ByteCounter extends Transform {
  count = 0;

  constructor(
    private readonly expected: number,
    private readonly entry: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.byteLength;
    if (this.count > this.expected) {
      done(
        new ZipError(
          'long-entry',
          this.entry,
          `${this.entry}: the file holds more than the announced ${this.expected} bytes`,
        ),
      );
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.count !== this.expected) {
      done(
        new ZipError('short-entry', this.entry, `${this.entry}: read ${this.count} bytes, expected ${this.expected}`),
      );
      return;
    }
    done();
  }
}

export class ArchiverZipWriter implements ZipWriter {
  readonly output: Readable;

  private archive: ZipArchive | undefined;
  private readonly loaded: Promise<ZipArchive>;
  private readonly level: number;
  private readonly readChunkBytes: number;
  private readonly onFailure: (error: Error) => void;
  private failure: Error | undefined;
  private current: { file: ReadStream; counter: ByteCounter; done: Deferred<void> } | undefined;

  constructor(options: ArchiverZipWriterOptions) {
    this.readChunkBytes = options.readChunkBytes;
    this.onFailure = options.onFailure;
    this.level = options.level;
    this.output = new PassThrough({ highWaterMark: 64 * 1024 });
    this.loaded = import('archiver').then(({ ZipArchive }) =>
      this.setUp(new ZipArchive({ zlib: { level: this.level } })),
    );
    this.loaded.catch((err: unknown) => this.onFailure(err instanceof Error ? err : new Error(String(err))));
  }

  private setUp(archive: ZipArchive): ZipArchive {
    this.archive = archive;
    if (this.failure) {
      archive.destroy();
      return archive;
    }
    const output = this.output as PassThrough;
    archive.on('entry', () => {
      const cur = this.current;
      if (cur === undefined) return;
      // The entry is complete in the archive; it is done once its file is closed too.
      if (cur.file.closed) this.entryDone(cur);
      else cur.file.once('close', () => this.entryDone(cur));
    });
    archive.on('warning', (err: Error) => this.onFailure(err));
    // pipeline() forwards archiver's own errors to the output and destroys both on failure.
    pipeline(archive, output, (err) => {
      if (err) this.onFailure(err);
    });
    return archive;
  }

  get bytesWritten(): number {
    return this.archive?.pointer() ?? 0;
  }

  async writeEntry(path: string, name: string, size: number, date: Date): Promise<void> {
    if (this.failure) throw this.failure;
    const archive = await this.loaded;
    if (this.failure) throw this.failure;
    const file = createReadStream(path, { highWaterMark: this.readChunkBytes });
    const counter = new ByteCounter(size, name);
    const done = deferred();
    this.current = { file, counter, done };
    // archiver does not forward source errors: both streams report a failure, which destroys the output.
    file.on('error', (err) =>
      this.onFailure(
        new ZipError('source-failed', name, `${name}: reading ${path} failed: ${err.message}`, { cause: err }),
      ),
    );
    counter.on('error', (err) => this.onFailure(err));
    file.pipe(counter);
    archive.append(counter, { name, date, mode: 0o644 });
    await done.promise;
  }

  finish(): void {
    this.loaded
      .then((archive) => (this.failure ? undefined : archive.finalize()))
      .catch((err: unknown) => this.onFailure(err instanceof Error ? err : new Error(String(err))));
  }

  destroy(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    const cur = this.current;
    this.current = undefined;
    if (cur) {
      cur.file.destroy();
      cur.counter.destroy();
      cur.done.reject(error);
    }
    this.archive?.destroy(); // not loaded yet: setUp destroys it
    if (!this.output.destroyed) this.output.destroy(error);
  }

  private entryDone(cur: NonNullable<ArchiverZipWriter['current']>): void {
    if (this.current !== cur) return;
    this.current = undefined;
    cur.done.resolve();
  }
}
