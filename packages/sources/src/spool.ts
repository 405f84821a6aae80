/**
 * Spooling of decoded attachment bytes: small ones stay in memory, larger ones go to a temporary file, so
 * that the exact size is known once the parser has passed the part and `open()` can read it again later.
 */

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { ByteSource } from '@pstream/pst';
import { SourceError } from './errors.js';

/** Attachments up to this many bytes are kept in memory instead of a temporary file. */
export const IN_MEMORY_LIMIT = 64 * 1024;
/** Bytes read from a spooled file at a time. */
const READ_CHUNK_BYTES = 256 * 1024;
/** Read buffers a spool directory keeps for its next transient reads (more are made when more read at once). */
const SPARE_READ_BUFFERS = 2;

/** Writing to the temporary directory failed (disk full, permissions; code `spool-failed`): not the input's fault. */
export class SpoolError extends SourceError {
  override readonly name: string = 'SpoolError';
  declare readonly code: 'spool-failed';

  constructor(reason: string, options?: { cause?: unknown }) {
    super('spool-failed', '', reason, options);
  }
}

/** Bytes that were read once and can be opened again. */
export interface SpooledBytes {
  readonly size: number;
  readonly open: ByteSource;
  /** The temporary file holding the bytes; absent when they are held in memory. */
  readonly file?: string;
}

/** Spooled bytes as plain data, to cross a thread: the temporary file's path, or the bytes themselves. */
export type PortableBytes =
  | { readonly size: number; readonly file: string }
  | { readonly size: number; readonly bytes: Uint8Array };

/** Yields one buffer; the `ByteSource` of in-memory bytes. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return async function* openBytes(): AsyncGenerator<Uint8Array> {
    if (bytes.length > 0) yield bytes;
  };
}

/**
 * The temporary directory of one source. It is created on first use, under `tmpDir` (the OS temporary
 * directory by default); `close()` removes it with everything left in it.
 */
export class SpoolDirectory {
  readonly #parent: string | undefined;
  #dir: Promise<string> | undefined;
  #counter = 0;
  #closed = false;

  /** File names start with it: threads spooling into one directory each have their own. */
  readonly #prefix: string;
  /** Whether `close()` removes the directory (not one lent by another thread). */
  readonly #owned: boolean;
  /** Buffers transient reads gave back, for the next ones. */
  readonly #spare: Buffer[] = [];

  constructor(tmpDir?: string, existing?: { readonly dir: string; readonly prefix: string }) {
    // `tmpdir()` reads the environment each time: a directory lent by another thread never needs it.
    this.#parent = existing === undefined ? (tmpDir ?? tmpdir()) : tmpDir;
    this.#prefix = existing?.prefix ?? '';
    this.#owned = existing === undefined;
    if (existing) this.#dir = Promise.resolve(existing.dir);
  }

  /** The directory (created now if it was not yet). */
  async path(): Promise<string> {
    if (this.#closed) throw new Error('the spool directory is closed');
    this.#dir ??= mkdtemp(join(this.#parent ?? tmpdir(), 'pstream-source-'));
    return this.#dir;
  }

  /** A new file name inside the directory (the file is not created). */
  async newFile(suffix = '.bin'): Promise<string> {
    const dir = await this.path();
    this.#counter += 1;
    return join(dir, `${this.#prefix}${this.#counter}${suffix}`);
  }

  /**
   * The `ByteSource` of a spooled file: chunks of `READ_CHUNK_BYTES`. A transient read (the writer's) refills one
   * buffer of this directory's, which the next transient read takes over once it is done: an export then reads
   * gigabytes of attachments through a few buffers, instead of making a new one per chunk: external memory that
   * makes V8 run full collections, which hold the export's thread (and its host's requests).
   */
  fileSource(path: string): ByteSource {
    return (options) => this.#chunks(path, options?.transient === true);
  }

  async *#chunks(path: string, transient: boolean): AsyncGenerator<Uint8Array> {
    const handle = await open(path, 'r');
    const shared = transient ? (this.#spare.pop() ?? Buffer.allocUnsafeSlow(READ_CHUNK_BYTES)) : undefined;
    try {
      for (;;) {
        const buffer = shared ?? Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK_BYTES, null);
        if (bytesRead === 0) return;
        yield bytesRead === READ_CHUNK_BYTES ? buffer : buffer.subarray(0, bytesRead);
      }
    } finally {
      if (shared && this.#spare.length < SPARE_READ_BUFFERS) this.#spare.push(shared);
      await handle.close();
    }
  }

  /** Removes the directory and every file in it. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#dir === undefined || !this.#owned) return;
    const dir = await this.#dir.catch(() => undefined);
    // A parsing thread may still be writing a file here for a job its pass cancelled: retried, the removal takes
    // that file too (the thread's later writes fail with the directory gone, unanswered).
    if (dir !== undefined) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }
}

/** The spooled files of one message, deleted together by `dispose()`. */
export class SpoolGroup {
  readonly directory: SpoolDirectory;
  readonly #files: string[] = [];
  /** What each `open` this group handed out reads, for `portable`. */
  readonly #sources = new WeakMap<ByteSource, PortableBytes>();

  constructor(directory: SpoolDirectory) {
    this.directory = directory;
  }

  /** Number of temporary files currently held. */
  get fileCount(): number {
    return this.#files.length;
  }

  /**
   * Reads `input` to its end. Up to `IN_MEMORY_LIMIT` bytes are kept in memory; past that everything is
   * written to a temporary file of this group. Writes wait for the file (back-pressure).
   */
  async spool(
    input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    inMemoryLimit = IN_MEMORY_LIMIT,
  ): Promise<SpooledBytes> {
    const held: Uint8Array[] = [];
    let size = 0;
    let out: WriteStream | undefined;
    let file: string | undefined;
    const spoolFailure = (error: unknown): SpoolError =>
      new SpoolError(
        `cannot write the temporary file ${file ?? '(none)'}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    try {
      for await (const chunk of input) {
        size += chunk.length;
        if (out === undefined) {
          held.push(chunk);
          if (size <= inMemoryLimit) continue;
          const path = await this.directory.newFile().catch((e: unknown) => Promise.reject(spoolFailure(e)));
          file = path;
          this.#files.push(path);
          out = createWriteStream(path);
          // Failures surface through `write` and `finished`; the listener keeps them from being unhandled.
          out.on('error', () => undefined);
          for (const piece of held.splice(0))
            await write(out, piece).catch((e: unknown) => Promise.reject(spoolFailure(e)));
        } else {
          await write(out, chunk).catch((e: unknown) => Promise.reject(spoolFailure(e)));
        }
      }
      if (out !== undefined && file !== undefined) {
        out.end();
        await finished(out).catch((e: unknown) => Promise.reject(spoolFailure(e)));
        const path = file;
        const source = this.directory.fileSource(path);
        this.#sources.set(source, { size, file: path });
        return { size, file: path, open: source };
      }
    } catch (error) {
      out?.destroy();
      throw error;
    }
    const bytes = Buffer.concat(held, size);
    const source = bytesSource(bytes);
    this.#sources.set(source, { size, bytes });
    return { size, open: source };
  }

  /** `spool` for bytes already in memory: kept as they are up to `inMemoryLimit`, written to a file past it. */
  async spoolBytes(bytes: Buffer, inMemoryLimit = IN_MEMORY_LIMIT): Promise<SpooledBytes> {
    if (bytes.length <= inMemoryLimit) {
      const source = bytesSource(bytes);
      this.#sources.set(source, { size: bytes.length, bytes });
      return { size: bytes.length, open: source };
    }
    return this.spool([bytes], inMemoryLimit);
  }

  /** The bytes behind an `open` this group returned, as plain data; undefined for any other function. */
  portable(open: ByteSource): PortableBytes | undefined {
    return this.#sources.get(open);
  }

  /** Takes a temporary file spooled elsewhere (another thread) into the group: `dispose()` deletes it too. */
  adopt(file: string): void {
    this.#files.push(file);
  }

  /**
   * Forgets the group's files without deleting them: they now belong to whoever they were handed to (the thread
   * that spooled them hands them to the main thread's group).
   */
  handOver(): void {
    this.#files.splice(0);
  }

  /** Deletes one spooled file before the group is disposed (e.g. a parsed embedded message). */
  async release(file: string): Promise<void> {
    const i = this.#files.indexOf(file);
    if (i >= 0) this.#files.splice(i, 1);
    await unlink(file).catch(() => undefined);
  }

  /** Deletes every file of the group. */
  async dispose(): Promise<void> {
    const files = this.#files.splice(0);
    await Promise.all(files.map((f) => unlink(f).catch(() => undefined)));
  }
}

async function write(out: WriteStream, chunk: Uint8Array): Promise<void> {
  if (out.errored) throw out.errored;
  // `once` rejects when the stream emits 'error' while waiting.
  if (!out.write(chunk)) await once(out, 'drain');
}
