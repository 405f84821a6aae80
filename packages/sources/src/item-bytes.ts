/**
 * An item's original bytes as a byte range of a file, read only when opened (see `ItemBytes`).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { reasonOf } from './errors.js';
import type { DamagedItem, ItemBytes } from './source.js';

/** Bytes `[start, end)` of the file at `path`. */
export function fileRangeBytes(path: string, name: string, contentType: string, start: number, end: number): ItemBytes {
  const size = end - start;
  return {
    name,
    contentType,
    size,
    open: () => (size === 0 ? Readable.from([]) : createReadStream(path, { start, end: end - 1 })),
  };
}

/** The whole file at `path` as the bytes of a damaged item, or the reason there are none. */
export async function wholeFileBytes(
  path: string,
  name: string,
  contentType: string,
): Promise<Pick<DamagedItem, 'bytes' | 'noBytes'>> {
  try {
    const info = await stat(path);
    return { bytes: fileRangeBytes(path, name, contentType, 0, info.size) };
  } catch (error) {
    return { noBytes: `the file cannot be read: ${reasonOf(error)}` };
  }
}
