/**
 * The packager as a stage of the export: turns the finished parts into the output's bytes. One part is the PST
 * itself; several are one ZIP of `<name>-001.pst`, `<name>-002.pst`, … The first part tells which (it knows whether
 * another follows), so the format is known as soon as it is finished. Each part file is deleted once it is out.
 */
import { open, rm } from 'node:fs/promises';
import type { OutputFormat, PartSummary } from '../api.js';
import type { FinishedPart } from '../split/pst-splitter.js';
import { ZipPackager } from '../zip/index.js';
import { ReadBuffers } from '../zip/read-buffers.js';
import { releaseFileRanges } from '../zip/release-range.js';

/** The output of an export, pulled by its target. */
export interface PackagedOutput {
  readonly format: OutputFormat;
  /** `<name>.pst` or `<name>.zip`. */
  readonly fileName: string;
  /** The parts out so far (every part once `chunks` has ended, or the single part is moved). */
  readonly parts: readonly PartSummary[];
  /** The PST part that is the whole output (format `pst`): a file target may move it into place instead. */
  readonly single: FinishedPart | undefined;
  /** The target moved `single` into place instead of pulling `chunks`: its bytes count as handed on. */
  readonly moved: () => void;
  /** The output's bytes, each counted as it is handed on; nothing is read or made ahead of the consumer's pull. */
  readonly chunks: AsyncIterable<Buffer>;
  /** Gives back a chunk once it is written and referenced nowhere: the next bytes are read into it. Optional. */
  readonly recycle: (chunk: Uint8Array) => void;
}

export interface PackageOptions {
  /** The output's base name. */
  readonly name: string;
  readonly compression: 'store' | 'deflate';
  /** Receives the size of each chunk handed on. */
  readonly onBytes: (bytes: number) => void;
  /** The export's: the ZIP stops at once when it aborts. */
  readonly signal: AbortSignal;
}

/** Bytes of a single part read at a time. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** The output made of `first` and the parts after it (`rest`, empty when `first` is the last). */
export function packageParts(
  first: FinishedPart,
  rest: AsyncIterable<FinishedPart>,
  options: PackageOptions,
): PackagedOutput {
  const format: OutputFormat = first.last ? 'pst' : 'zip';
  const fileName = `${options.name}.${format}`;
  const parts: PartSummary[] = [];
  if (format === 'pst') {
    parts.push({ name: fileName, bytes: first.bytes, messages: first.messages });
    const buffers = new ReadBuffers(READ_CHUNK_BYTES);
    const chunks = counted(partBytes(first, buffers), options.onBytes);
    return {
      format,
      fileName,
      parts,
      single: first,
      moved: () => options.onBytes(first.bytes),
      chunks,
      recycle: (chunk) => buffers.give(chunk),
    };
  }
  // Made when the consumer first pulls: an output never read never reads a part.
  let packager: ZipPackager | undefined;
  const chunks = (async function* () {
    packager = new ZipPackager({ compression: options.compression });
    yield* zipBytes(packager, chain(first, rest), parts, options);
  })();
  const recycle = (chunk: Uint8Array): void => packager?.recycle(chunk);
  return {
    format,
    fileName,
    parts,
    single: undefined,
    moved: () => undefined,
    chunks: counted(chunks, options.onBytes),
    recycle,
  };
}

/** A single part's bytes, read into `buffers`; the file is deleted once read. */
async function* partBytes(part: FinishedPart, buffers: ReadBuffers): AsyncGenerator<Buffer> {
  yield* readTemporaryFile(part.path, buffers);
  await rm(part.path, { force: true });
}

/**
 * The ZIP of `parts`, an entry per part: the parts are added (and deleted once in) while the archive is read, so
 * the next part is not asked for before the previous one is in the archive.
 */
async function* zipBytes(
  packager: ZipPackager,
  parts: AsyncIterable<FinishedPart>,
  summaries: PartSummary[],
  options: PackageOptions,
): AsyncGenerator<Buffer> {
  const { signal } = options;
  const stop = (): void => packager.destroy(signal.reason instanceof Error ? signal.reason : undefined);
  signal.addEventListener('abort', stop, { once: true });
  const adding = (async () => {
    for await (const part of parts) {
      const entry = `${options.name}-${String(part.index).padStart(3, '0')}.pst`;
      await packager.addFile(part.path, entry, part.bytes, { releaseAsRead: true });
      summaries.push({ name: entry, bytes: part.bytes, messages: part.messages });
      await rm(part.path, { force: true });
    }
    await packager.finish();
  })();
  // A failure to add a part destroys the archive, which ends the reading below with it.
  adding.catch((error: unknown) => packager.destroy(error instanceof Error ? error : new Error(String(error))));
  let complete = false;
  try {
    for await (const chunk of packager.output) yield chunk as Buffer;
    await adding;
    complete = true;
  } finally {
    signal.removeEventListener('abort', stop);
    if (!complete) packager.destroy();
    await adding.catch(() => undefined);
  }
}

async function* chain<T>(first: T, rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

async function* counted(chunks: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    onBytes(chunk.length);
    yield chunk;
  }
}

/**
 * Reads a temporary part once, in chunks of `buffers.size`, releasing each range from the file system as soon as it is read
 * (`releaseFileRanges`): the part's dirty pages then leave the page cache as the output's arrive, instead of pushing
 * both past the kernel's dirty threshold, where every write is throttled.
 */
async function* readTemporaryFile(path: string, buffers: ReadBuffers): AsyncGenerator<Buffer> {
  const file = await open(path, 'r+'); // releasing ranges needs a descriptor open for writing
  try {
    for (let at = 0; ; ) {
      const buffer = buffers.take();
      const { bytesRead } = await file.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) return;
      await releaseFileRanges(file, at, bytesRead);
      at += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
