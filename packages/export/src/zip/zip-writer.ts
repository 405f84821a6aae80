/**
 * What `ZipPackager` needs from the component that actually lays out an archive: the stored writer of this package
 * (`StoredZipWriter`) or archiver for deflate (`ArchiverZipWriter`). The packager checks arguments, names, order and
 * state; a writer only streams bytes.
 */
import type { Readable } from 'node:stream';

export interface ZipWriter {
  /** The archive bytes, read by the consumer at its own pace. */
  readonly output: Readable;
  /** Bytes of the archive produced so far. */
  readonly bytesWritten: number;
  /**
   * Streams the regular file at `path`, announced as `size` bytes, as the entry `name`. Resolves once the whole
   * entry is in the archive and the file is closed; rejects (with a `ZipError` for short or long entries and read
   * errors) otherwise. Called one entry at a time. With `release`, the file is temporary: a writer may release its
   * bytes from the file system as it reads them (`releaseFileRange`).
   */
  writeEntry(path: string, name: string, size: number, date: Date, release?: boolean): Promise<void>;
  /** Takes back a chunk of `output` its consumer is done with, to read into again (optional; see `ZipPackager.recycle`). */
  recycle?(chunk: Uint8Array): void;
  /** Writes the central directory and ends `output`; failures go to the writer's failure callback. */
  finish(): void;
  /** Stops at once: closes the file being read and destroys `output` with `error`. Idempotent. */
  destroy(error: Error): void;
}
