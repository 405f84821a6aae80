/**
 * The reference every figure is a ratio against: writing the same number of bytes to a new file in the same
 * directory with plain `fs` writes of 1 MiB, as fast as Node can ask the disk (no fsync, like the writer). On a
 * shared machine one such write swings by a factor of ten (page cache, writeback of other processes' files), so
 * the reference is the median of three.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type { BytePool } from './byte-pool.js';

export const REFERENCE_CHUNK = 1024 * 1024;

/** The median seconds of `runs` reference writes of `bytes` bytes. */
export function referenceWrite(path: string, bytes: number, pool: BytePool, runs = 3): number {
  const times = Array.from({ length: runs }, () => referenceWriteOnce(path, bytes, pool)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Writes `bytes` bytes to `path` and deletes the file; returns the seconds the writes and the close took. */
export function referenceWriteOnce(path: string, bytes: number, pool: BytePool): number {
  const chunk = pool.bytes.subarray(0, REFERENCE_CHUNK);
  const start = performance.now();
  const fd = openSync(path, 'w');
  try {
    let position = 0;
    while (position < bytes) {
      const n = Math.min(chunk.length, bytes - position);
      position += writeSync(fd, chunk, 0, n, position);
    }
  } finally {
    closeSync(fd);
  }
  const seconds = (performance.now() - start) / 1000;
  rmSync(path, { force: true });
  return seconds;
}
