/**
 * The target of `exportToPst`: the output as a Readable that pulls the packaged bytes as its consumer reads, so a
 * slow consumer slows the whole export down (nothing is made ahead of it but one part). Destroying it stops the
 * export; a failed export destroys it with the error, so that a reader never takes a cut output for complete.
 */
import { Readable } from 'node:stream';
import { deferred } from '../deferred.js';
import type { OutputTarget, RunControl } from './output-target.js';
import type { PackagedOutput } from './packager.js';

export class OutputStream implements OutputTarget {
  readonly stream: Readable;
  private chunks: AsyncIterator<Buffer> | undefined;
  private output: PackagedOutput | undefined;
  /** The consumer wants bytes; a pull is running. */
  private wanted = false;
  private pulling = false;
  private ended = false;
  private readonly done = deferred();
  private run: RunControl | undefined;

  constructor() {
    this.stream = new Readable({
      highWaterMark: 1024 * 1024,
      read: () => {
        this.wanted = true;
        void this.pull();
      },
      destroy: (error, callback) => {
        // A consumer that destroys the stream aborts the export.
        if (!this.ended) this.run?.fail(new Error('the output stream was closed before the export ended'));
        if (!this.pulling) void this.stop();
        callback(error);
      },
    });
  }

  start(run: RunControl): void {
    this.run = run;
    run.signal.addEventListener(
      'abort',
      () => {
        // Before the output is delivered, no byte could be read: a caller that saw the head reject may never touch
        // the stream, so its error must not go unhandled (the head and the summary carry it).
        if (!this.chunks) this.stream.on('error', () => {});
        if (!this.stream.destroyed) this.stream.destroy(run.signal.reason as Error);
      },
      { once: true },
    );
  }

  /** Gives a chunk of the stream back to the packager once the consumer is done with it (see `ExportHandle`). */
  recycle(chunk: Uint8Array): void {
    this.output?.recycle(chunk);
  }

  /** Resolves once the last byte is handed to the stream; rejects when the stream is destroyed first. */
  deliver(output: PackagedOutput): Promise<void> {
    this.output = output;
    this.chunks = output.chunks[Symbol.asyncIterator]();
    if (this.stream.destroyed) void this.stop();
    else if (this.wanted) void this.pull();
    return this.done.promise;
  }

  /** Nothing to remove: the stream is destroyed already. */
  async discard(): Promise<void> {}

  private async pull(): Promise<void> {
    const chunks = this.chunks;
    if (!chunks || this.pulling) return;
    this.pulling = true;
    try {
      while (this.wanted && !this.stream.destroyed) {
        const result = await chunks.next();
        if (this.stream.destroyed) break;
        if (result.done) {
          this.ended = true;
          this.stream.push(null);
          this.done.resolve();
          return;
        }
        this.wanted = this.stream.push(result.value);
      }
    } catch (error) {
      this.done.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    } finally {
      this.pulling = false;
    }
    if (this.stream.destroyed) await this.stop();
  }

  /** The stream is gone: the bytes are no longer pulled, and whatever made them is told to stop. */
  private stopping: Promise<void> | undefined;

  private stop(): Promise<void> {
    if (!this.chunks) return Promise.resolve();
    this.stopping ??= (async () => {
      await this.chunks!.return?.()?.catch(() => undefined);
      this.done.reject(new Error('the output stream was closed before the export ended'));
    })();
    return this.stopping;
  }
}
