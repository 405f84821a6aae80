/**
 * `pipeExport`: the output of an export written into any writable (an HTTP response, a file), like `pipeline`, with
 * each chunk given back to the export once the writable has written it (`ExportHandle.recycle`), so that a gigabyte
 * streams through a few buffers instead of a new one per mebibyte.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** What `pipeExport` needs of an export: its stream, and where its chunks go back. */
export interface RecyclingOutput {
  readonly stream: Readable;
  readonly recycle: (chunk: Uint8Array) => void;
}

/**
 * Writes `output.stream` into `out` and ends it; resolves once `out` has finished. As with `pipeline`, a failure on
 * either side destroys the other: a writable that closes early (a client gone) destroys the stream, which aborts
 * the export, and the promise rejects.
 */
export async function pipeExport(output: RecyclingOutput, out: Writable): Promise<void> {
  const source = output.stream;
  // Rejects once `out` errors or closes before its end; awaited at the end, raced while waiting for room.
  const ended = finished(out, { readable: false });
  ended.catch(() => undefined);
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const room = out.write(chunk, (error) => {
        if (!error) output.recycle(chunk);
      });
      if (!room) {
        const waiting = new AbortController();
        await Promise.race([once(out, 'drain', { signal: waiting.signal }), ended]).finally(() => waiting.abort());
      }
    }
    out.end();
    await ended;
  } catch (error) {
    source.destroy();
    out.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
