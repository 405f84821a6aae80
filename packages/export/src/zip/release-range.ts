/**
 * Releasing the bytes of a temporary file as it is read: a PST part is written, then read once as it streams out.
 * Until it is deleted, its pages are dirty page cache; with the copy being written on top, the two together cross
 * the kernel's dirty-page threshold and every write is throttled (measured: copying a 2 GB file that is still dirty
 * took 5.4 s of system time, against 0.56 s when the copied ranges were released behind the reader).
 */
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

/** Whether `releaseFileRange` can work here (Linux, native kernel built); the file system may still refuse. */
export function canReleaseFileRanges(): boolean {
  return process.platform === 'linux' && loadNativeKernel() !== undefined;
}
