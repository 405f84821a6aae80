/**
 * The file an export to a file (`exportToPstFile`) writes its output into when it cannot move a part into place: a
 * new file (`wx`: never an existing one), written in order as the chunks are pulled. Once a chunk is in the file
 * nothing references it, so it is handed to `written`: the ZIP packager reads the next part bytes into its memory
 * (`ZipPackager.recycle`) instead of a new buffer.
 */
import { type FileHandle, open } from 'node:fs/promises';

export interface FileSinkHooks {
  /** The file was created (so it is the caller's to remove on failure; before, something else may be there). */
  readonly opened?: () => void;
  /** A chunk is in the file. */
  readonly written?: (chunk: Buffer) => void;
  /**
   * A failure of the file, as the caller wants it thrown; called before the chunks are told to stop, so that the
   * caller can stop what makes them first.
   */
  readonly failed: (error: unknown) => Error;
}

/** Writes `chunks` into a new file at `path`; resolves once they are all in it and it is closed. */
export async function writeFileSink(
  path: string,
  chunks: AsyncIterable<Buffer>,
  { opened, written, failed }: FileSinkHooks,
): Promise<void> {
  let file: FileHandle;
  try {
    file = await open(path, 'wx');
  } catch (error) {
    throw failed(error);
  }
  opened?.();
  try {
    for await (const chunk of chunks) {
      try {
        await writeAll(file, chunk);
      } catch (error) {
        throw failed(error);
      }
      written?.(chunk);
    }
  } catch (error) {
    await file.close().catch(() => undefined);
    throw error;
  }
  try {
    await file.close();
  } catch (error) {
    throw failed(error);
  }
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let done = 0; done < chunk.length; ) done += (await file.write(chunk, done, chunk.length - done)).bytesWritten;
}
