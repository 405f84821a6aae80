/**
 * Releasing the bytes of a temporary file as it is read: a PST part is written, then read once as it streams out.
 * Until it is deleted, its pages are dirty page cache; with the copy being written on top, the two together cross
 * the kernel's dirty-page threshold and every write is throttled (measured: copying a 2 GB file that is still dirty
 * took 5.4 s of system time, against 0.56 s when the copied ranges were released behind the reader).
 */
import type { FileHandle } from 'node:fs/promises';
import { loadNativeKernel } from '@pstream/pst/native-kernel';

/**
 * Deallocates `[offset, offset + length)` of the open file `fd`, keeping its size: reads of the range give zeros
 * afterwards and its pages leave the page cache without being written back. Only for bytes nobody needs any more.
 * Returns whether it was done (Linux with the native kernel built, on a file system that can punch holes); when not,
 * nothing changed and the caller goes on as before.
 */
export function releaseFileRange(fd: number, offset: number, length: number): boolean {
  return loadNativeKernel()?.punchHole(fd, offset, length) ?? false;
}

/**
 * The most bytes {@link releaseFileRanges} releases in one system call: a hole punched over pages that are still
 * dirty drops them one by one, so the call's time grows with the range; a step this size stays far below a
 * millisecond typically (a few under heavy load).
 */
export const RELEASE_STEP_BYTES = 1024 * 1024;

/**
 * {@link releaseFileRange} for a range of any length, without holding the event loop: it goes in steps of at most
 * {@link RELEASE_STEP_BYTES}, each after a turn of the event loop (a server's other requests are answered between
 * them). Resolves with whether every step was done; stops at the first that was not, and when `file` is being
 * closed meanwhile (its descriptor number may then name another file: it is read just before each step).
 */
export async function releaseFileRanges(file: FileHandle, offset: number, length: number): Promise<boolean> {
  for (let at = offset, end = offset + length; at < end; at += RELEASE_STEP_BYTES) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const fd = file.fd; // -1 once a close has begun
    if (fd < 0 || !releaseFileRange(fd, at, Math.min(RELEASE_STEP_BYTES, end - at))) return false;
  }
  return true;
}

/** Whether `releaseFileRange` can work here (Linux, native kernel built); the file system may still refuse. */
export function canReleaseFileRanges(): boolean {
  return process.platform === 'linux' && loadNativeKernel() !== undefined;
}
