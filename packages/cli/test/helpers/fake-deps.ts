/**
 * Test doubles for the CLI and the server: an exporter that streams known bytes and records how it
 * was called and whether it saw its abort signal, and a source opener that opens nothing.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportHandle, ExportOptions, ExportSummary, ExportWarning, FileExportSummary } from '@pstream/export';
import type { MessageSource, OpenSourceOptions } from '@pstream/sources';
import type { PstreamDeps } from '../../src/deps.js';

/** The bytes the fake export of mailbox `name` produces: `chunks` chunks of `chunkSize`, seeded by the name. */
export function expectedBytes(name: string, chunks: number, chunkSize: number): Buffer {
  const seed = createHash('sha256').update(name).digest();
  const out = Buffer.alloc(chunks * chunkSize);
  for (let i = 0; i < out.length; i++) out[i] = (seed[i % seed.length]! + i * 7 + (i >>> 11)) & 0xff;
  return out;
}

/** One call of the fake exporter. */
export interface FakeExportCall {
  readonly options: ExportOptions;
  /** Resolves with the abort reason once the export's signal aborts. */
  readonly aborted: Promise<unknown>;
  /** Whether the signal has aborted. */
  readonly wasAborted: () => boolean;
  /** Resolves once the first chunk has been handed to the stream. */
  readonly firstChunk: Promise<void>;
  /** Lets a gated export go on after its first chunk. */
  release(): void;
  /** Resolves when the export's stream has closed (ended or destroyed). */
  readonly closed: Promise<void>;
}

export interface FakeExporterOptions {
  readonly chunks?: number;
  readonly chunkSize?: number;
  /** Pause after the first chunk until `release()` is called. */
  readonly gated?: boolean;
  /** Fail the stream after this many chunks. */
  readonly failAfter?: number;
  /** Reject `head` with this error. */
  readonly headError?: Error;
  readonly warnings?: readonly ExportWarning[];
}

/** A fake `exportToPst`: `.pst` without a limit, `.zip` with one. */
export function fakeExporter(settings: FakeExporterOptions = {}): {
  exportToPst: PstreamDeps['exportToPst'];
  exportToPstFile: PstreamDeps['exportToPstFile'];
  calls: FakeExportCall[];
} {
  const chunks = settings.chunks ?? 4;
  const chunkSize = settings.chunkSize ?? 64 * 1024;
  const calls: FakeExportCall[] = [];
  const exportToPst = (options: ExportOptions): ExportHandle => {
    const format = options.limitBytes !== undefined ? 'zip' : 'pst';
    const fileName = `${options.name}.${format}`;
    const data = expectedBytes(options.name, chunks, chunkSize);
    let aborted = false;
    let onAborted!: (reason: unknown) => void;
    const abortedPromise = new Promise<unknown>((resolve) => (onAborted = resolve));
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) {
        aborted = true;
        onAborted(signal.reason);
      } else {
        signal.addEventListener(
          'abort',
          () => {
            aborted = true;
            onAborted(signal.reason);
          },
          { once: true },
        );
      }
    }
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstChunkSent!: () => void;
    const firstChunk = new Promise<void>((resolve) => (firstChunkSent = resolve));
    async function* produce(): AsyncGenerator<Buffer> {
      for (let i = 0; i < chunks; i++) {
        if (settings.failAfter !== undefined && i === settings.failAfter) throw new Error('fake export failure');
        options.onProgress?.({
          scanned: (i + 1) * 10,
          matched: (i + 1) * 5,
          damaged: 0,
          skipped: 0,
          bytesOut: i * chunkSize,
          bytesWritten: i * chunkSize,
          partBytes: 0,
          part: 1,
        });
        yield data.subarray(i * chunkSize, (i + 1) * chunkSize);
        if (i === 0) {
          firstChunkSent();
          if (settings.gated) await Promise.race([gate, abortedPromise]);
          signal?.throwIfAborted();
        }
      }
    }
    const stream = Readable.from(produce(), { objectMode: false });
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    signal?.addEventListener(
      'abort',
      () => stream.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted')),
      { once: true },
    );
    const summary = new Promise<ExportSummary>((resolve, reject) => {
      stream.once('end', () =>
        resolve({
          format,
          fileName,
          bytes: data.length,
          parts: [
            { name: format === 'pst' ? fileName : `${options.name}-001.pst`, bytes: data.length, messages: 5 * chunks },
          ],
          scanned: 10 * chunks,
          matched: 5 * chunks,
          damaged: 0,
          skipped: 0,
          warnings: [...(options.warnings ?? []), ...(settings.warnings ?? [])],
        }),
      );
      stream.once('error', reject);
      stream.once('close', () => reject(new Error('export stream closed before its end')));
    });
    summary.catch(() => undefined);
    const head = settings.headError
      ? Promise.reject(settings.headError)
      : Promise.resolve({ format, fileName } as const);
    calls.push({ options, aborted: abortedPromise, wasAborted: () => aborted, firstChunk, release, closed });
    return { head, stream, summary, recycle: () => undefined };
  };
  /** The file form: the fake stream saved at the path with the format's extension (removed when it fails). */
  const exportToPstFile = async (options: ExportOptions, path: string): Promise<FileExportSummary> => {
    const handle = exportToPst(options);
    const head = await handle.head;
    // As the real one: the extension replaced by (or, without one, followed by) the format's.
    const file = `${path.slice(0, path.length - extname(path).length)}.${head.format}`;
    try {
      await pipeline(handle.stream, createWriteStream(file));
    } catch (error) {
      await unlink(file).catch(() => undefined);
      throw error;
    }
    return { ...(await handle.summary), path: file };
  };
  return { exportToPst, exportToPstFile, calls };
}

/** A fake `openSource` that records what it opened and closed. */
export function fakeSources(): { openSource: PstreamDeps['openSource']; opened: string[]; closed: string[] } {
  const opened: string[] = [];
  const closed: string[] = [];
  const openSource = async (path: string, _options?: OpenSourceOptions): Promise<MessageSource> => {
    opened.push(path);
    const ext = extname(path).toLowerCase();
    return {
      kind: ext === '.mbox' ? 'mbox' : ext === '.pst' ? 'pst' : ext === '.msg' ? 'msg' : 'eml',
      path,
      name: basename(path, extname(path)),
      folders: async function* () {},
      messages: async function* () {},
      close: async () => void closed.push(path),
    };
  };
  return { openSource, opened, closed };
}
