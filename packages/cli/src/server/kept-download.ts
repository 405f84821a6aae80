/**
 * Answers a download from a {@link KeptExport}: the whole file as it is written (a running export), the whole
 * finished file with `Content-Length`, or a byte range of it (RFC 9110 §14: `Range: bytes=N-`, `bytes=N-M`,
 * `bytes=-N`) as a 206 with `Content-Range`. A Range header of another unit, of several ranges or that does not
 * parse is ignored (the whole file is sent), as RFC 9110 allows; a range that starts at or past the end is a 416.
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { HttpError } from './errors.js';
import { contentDisposition } from './export-handler.js';
import { type KeptExport, warningText } from './kept-exports.js';

const CHUNK_BYTES = 1024 * 1024;

/** A byte range, inclusive, of a file of `size` bytes. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The range a `Range` header asks of a file of `size` bytes: undefined for the whole file (no header, or one to
 * ignore), a 416 {@link HttpError} when it cannot be satisfied.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  const unsatisfiable = (): HttpError =>
    new HttpError(416, `the range ${JSON.stringify(header)} is not within the ${size} bytes of this export`, {
      'Content-Range': `bytes */${size}`,
    });
  if (first === '') {
    if (last === '') return undefined;
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined; // not a valid range: ignored
  if (start >= size) throw unsatisfiable();
  return { start, end };
}

/** The headers of every download. */
function downloadHeaders(entry: KeptExport): Record<string, string> {
  const head = entry.head!;
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': contentDisposition(head.fileName),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Accept-Ranges': 'bytes',
  };
  if (head.warnings.length > 0)
    headers['X-Pstream-Warnings'] = encodeURIComponent(head.warnings.map(warningText).join('\n'));
  return headers;
}

/** Copies bytes `start` to `end` (inclusive; to the export's end when undefined) of the file into `res`. */
async function copy(entry: KeptExport, res: ServerResponse, start: number, end: number | undefined): Promise<void> {
  // One listener for the whole copy: racing a new `once(res, 'close')` at every wait would pile them up.
  const closed = res.destroyed ? Promise.resolve() : new Promise<void>((resolve) => res.once('close', resolve));
  const gone = (): Error => new Error('the client closed the connection');
  const file = await open(entry.path, 'r');
  try {
    let position = start;
    for (;;) {
      if (res.destroyed) throw gone();
      const stop = end === undefined ? entry.bytes : Math.min(end + 1, entry.bytes);
      if (position < stop) {
        // A buffer a chunk: the response may still hold this one while the next is read.
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, stop - position));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) throw new Error(`the kept export ${entry.key} is shorter than written`);
        position += bytesRead;
        if (!res.write(buffer.subarray(0, bytesRead))) await Promise.race([once(res, 'drain'), closed]);
        continue;
      }
      if (end !== undefined && position > end) break;
      if (entry.state === 'done') break;
      if (entry.state === 'failed') throw entry.failure ?? new Error('the export failed');
      await Promise.race([entry.changed(), closed]);
    }
  } finally {
    await file.close();
  }
  res.end();
}

/** Sends a running (or finished) export from its first byte as it is written: a 200 without `Content-Length`. */
export async function sendFollowing(entry: KeptExport, res: ServerResponse): Promise<void> {
  res.writeHead(200, downloadHeaders(entry));
  await copy(entry, res, 0, undefined);
}

/** Sends a finished export, whole (200, `Content-Length`) or the range `rangeHeader` asks for (206 or 416). */
export async function sendKept(entry: KeptExport, res: ServerResponse, rangeHeader: string | undefined): Promise<void> {
  const size = entry.bytes;
  const range = parseRange(rangeHeader, size);
  const headers = downloadHeaders(entry);
  if (range === undefined) {
    res.writeHead(200, { ...headers, 'Content-Length': String(size) });
    await copy(entry, res, 0, size - 1);
    return;
  }
  res.writeHead(206, {
    ...headers,
    'Content-Length': String(range.end - range.start + 1),
    'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
  });
  await copy(entry, res, range.start, range.end);
}
