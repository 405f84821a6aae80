/**
 * How far a source's `messages()` has read, for a progress display: the bytes of the source's files and how many
 * of them are behind. Sources update it as they go; reading it costs nothing.
 */
import type { SourceReadProgress } from './source.js';

/** Counts the bytes a pass of `messages()` has read; backs `MessageSource.readProgress`. */
export class ReadCounter {
  #total: number | undefined;
  #read = 0;

  /** A pass over `totalBytes` begins. */
  start(totalBytes: number): void {
    this.#total = totalBytes;
    this.#read = 0;
  }

  /** `readBytes` are behind (kept within the total: a file that grew meanwhile does not pass 100 %). */
  at(readBytes: number): void {
    this.#read = Math.max(this.#read, Math.min(readBytes, this.#total ?? 0));
  }

  /** `bytes` more are behind. */
  add(bytes: number): void {
    this.at(this.#read + bytes);
  }

  /** The pass has ended: everything is read. */
  end(): void {
    if (this.#total !== undefined) this.#read = this.#total;
  }

  /** Undefined until a pass has begun. */
  get progress(): SourceReadProgress | undefined {
    return this.#total === undefined ? undefined : { totalBytes: this.#total, readBytes: this.#read };
  }
}
