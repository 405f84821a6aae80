/**
 * The file an export to a file (`exportToPstFile`) writes its ZIP into: a Writable over a new file (`wx`: never an
 * existing one), written in order. Once a chunk is in the file nothing references it, so it is handed to `written`:
 * the ZIP packager reads the next part bytes into its memory (`ZipPackager.recycle`) instead of a new buffer.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

export interface FileSinkHooks {
  /** The file was created (so it is the caller's to remove on failure; before, something else may be there). */
  readonly opened?: () => void;
  /** A chunk is in the file. */
  readonly written?: (chunk: Buffer) => void;
}

export function fileSink(path: string, { opened, written }: FileSinkHooks = {}): Writable {
  let file: FileHandle | undefined;
  const close = async (): Promise<void> => {
    const f = file;
    file = undefined;
    await f?.close();
  };
  return new Writable({
    construct(callback) {
      open(path, 'wx').then((f) => {
        file = f;
        opened?.();
        callback();
      }, callback);
    },
    write(chunk: Buffer, _encoding, callback) {
      writeAll(file!, chunk).then(() => {
        written?.(chunk);
        callback();
      }, callback);
    },
    final(callback) {
      close().then(() => callback(), callback);
    },
    destroy(error, callback) {
      close().then(() => callback(error), () => callback(error));
    },
  });
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let done = 0; done < chunk.length; ) done += (await file.write(chunk, done, chunk.length - done)).bytesWritten;
}
