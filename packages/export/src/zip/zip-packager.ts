/**
 * Streams finished PST part files as one ZIP archive, with archiver 8.
 *
 * archiver alone has four traps (measured in the research notes, zip.md §4–5), all closed here:
 * (a) an error of an appended source is not forwarded: every source error destroys the output;
 * (b) a source that ends early yields a valid ZIP with a short entry: each entry's bytes are counted against
 *     the announced size, and a mismatch destroys the output (the consumer sees a truncated archive);
 * (c) `abort()` waits for the entry in progress: failures use `destroy()` instead;
 * (d) a consumer that goes away leaves the file streams open: destroying `output` closes them.
 * Entries are stored (no compression) unless `deflate` is asked for; zip64 records are written whenever an
 * entry or the archive needs them. Entries get Unix mode 0644 and no DOS read-only attribute, because
 * Outlook cannot open a read-only PST.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough, Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { ZipArchive } from 'archiver';
import { ZipError } from '../errors.js';
import { validateEntryName } from './entry-name.js';

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
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  return { promise, resolve, reject };
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
      done(new ZipError('long-entry', this.entry, `${this.entry}: the file holds more than the announced ${this.expected} bytes`));
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.count !== this.expected) {
      done(new ZipError('short-entry', this.entry, `${this.entry}: read ${this.count} bytes, expected ${this.expected}`));
      return;
    }
    done();
  }
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

  private readonly archive: ZipArchive;
  private readonly store: boolean;
  private readonly readChunkBytes: number;
  private readonly names = new Set<string>();
  private state: State = 'open';
  private failure: Error | undefined;
  /** Serialises `addFile` calls. */
  private tail: Promise<void> = Promise.resolve();
  private current: { name: string; file: ReadStream; counter: ByteCounter; done: Deferred } | undefined;
  private readonly ended = deferred();

  constructor(options: ZipPackagerOptions = {}) {
    const compression = options.compression ?? 'store';
    if (compression !== 'store' && compression !== 'deflate') {
      throw new ZipError('invalid-entry', undefined, `compression must be "store" or "deflate", got ${JSON.stringify(compression)}`);
    }
    const level = options.deflateLevel ?? 1;
    if (!Number.isInteger(level) || level < 1 || level > 9) {
      throw new ZipError('invalid-entry', undefined, `deflateLevel must be an integer from 1 to 9, got ${String(options.deflateLevel)}`);
    }
    this.store = compression === 'store';
    this.readChunkBytes = options.readChunkBytes ?? 1024 * 1024;
    this.archive = new ZipArchive(this.store ? { store: true } : { zlib: { level } });
    const output = new PassThrough({ highWaterMark: 64 * 1024 });
    this.output = output;

    this.archive.on('entry', () => {
      const cur = this.current;
      if (cur === undefined) return;
      // The entry is complete in the archive; it is done once its file is closed too.
      if (cur.file.closed) this.entryDone(cur);
      else cur.file.once('close', () => this.entryDone(cur));
    });
    this.archive.on('warning', (err: Error) => this.fail(err));
    output.on('end', () => {
      if (this.state === 'finishing') {
        this.state = 'finished';
        this.ended.resolve();
      }
    });
    output.on('close', () => {
      if (this.state !== 'finished') {
        this.fail(new ZipError('closed', this.current?.name, 'the output was closed before the archive was complete'));
      }
    });
    // pipeline() forwards archiver's own errors to the output and destroys both on failure.
    pipeline(this.archive, output, (err) => {
      if (err) this.fail(err);
    });
  }

  /** Bytes of the archive produced so far. */
  get bytesWritten(): number {
    return this.archive.pointer();
  }

  /**
   * Appends the file at `path` as the entry `entryName`; `size` is its exact length in bytes, which is
   * checked while streaming. Resolves when the whole entry has been written into the archive (the file is
   * then closed and may be deleted); calls are serialised. An invalid name, size or state rejects without
   * touching the archive; any other failure also destroys `output`.
   */
  addFile(path: string, entryName: string, size: number, options: AddFileOptions = {}): Promise<void> {
    this.assertOpen();
    validateEntryName(entryName);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ZipError('invalid-entry', entryName, `${entryName}: size must be a non-negative integer, got ${String(size)}`);
    }
    if (this.names.has(entryName)) throw new ZipError('invalid-entry', entryName, `${entryName}: an entry of that name was already added`);
    this.names.add(entryName);
    const run = this.tail.then(() => this.streamFile(path, entryName, size, options));
    this.tail = run.catch(() => {});
    return run;
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
    this.archive.finalize().catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
    await this.ended.promise;
    return this.archive.pointer();
  }

  /**
   * Stops everything now: closes the file being read and destroys `output` with `reason` (a `ZipError`
   * `closed` when none is given). Pending `addFile`/`finish` calls reject.
   */
  destroy(reason?: Error): void {
    this.fail(reason ?? new ZipError('closed', this.current?.name, 'the ZIP packager was destroyed'));
  }

  private assertOpen(): void {
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new ZipError('closed', undefined, 'the archive is already being finished');
  }

  private async streamFile(path: string, name: string, size: number, options: AddFileOptions): Promise<void> {
    if (this.failure) throw this.failure;
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
      const e = err instanceof ZipError ? err : new ZipError('source-failed', name, `${name}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
      this.fail(e);
      throw e;
    }
    if (this.failure) throw this.failure;

    const file = createReadStream(path, { highWaterMark: this.readChunkBytes });
    const counter = new ByteCounter(size, name);
    const done = deferred();
    this.current = { name, file, counter, done };
    // archiver does not forward source errors: both streams report to fail(), which destroys the output.
    file.on('error', (err) => this.fail(new ZipError('source-failed', name, `${name}: reading ${path} failed: ${err.message}`, { cause: err })));
    counter.on('error', (err) => this.fail(err));
    file.pipe(counter);
    this.archive.append(counter, { name, date: options.date ?? mtime, mode: 0o644, store: this.store });
    await done.promise;
  }

  private entryDone(cur: NonNullable<ZipPackager['current']>): void {
    if (this.current !== cur) return;
    this.current = undefined;
    cur.done.resolve();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.state = 'failed';
    const cur = this.current;
    this.current = undefined;
    if (cur) {
      cur.file.destroy();
      cur.counter.destroy();
      cur.done.reject(err);
    }
    this.archive.destroy();
    if (!this.output.destroyed) this.output.destroy(err);
    this.ended.reject(err);
  }
}
