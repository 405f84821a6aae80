/**
 * The buffers a reader of large files reads into, taken back from the output's consumer once it has written a chunk
 * out (`give`): the next bytes are read into the same memory. Without them every chunk is a new buffer, and on a
 * gigabyte the garbage awaiting collection (external memory, which also drives V8's heap growth and triggers its
 * full collections) raises the export's peak RSS and stalls its thread.
 */
export class ReadBuffers {
  /** Buffers given back, for the next reads; at most `maxSpare`. */
  readonly #spare: Buffer[] = [];
  /** The memory of every buffer made here: a chunk of anything else is not taken. */
  readonly #own = new WeakSet<ArrayBufferLike>();

  /**
   * @param size bytes of each buffer
   * @param maxSpare buffers kept for reuse at most (the output holds a few chunks ahead of its consumer)
   */
  constructor(
    readonly size: number,
    private readonly maxSpare = 4,
  ) {}

  /** A buffer for `want` bytes (at most `size`): a given-back one when there is one. */
  take(want = this.size): Buffer {
    let buffer = this.#spare.pop();
    if (!buffer) {
      buffer = Buffer.allocUnsafeSlow(this.size);
      this.#own.add(buffer.buffer);
    }
    return want === buffer.length ? buffer : buffer.subarray(0, want);
  }

  /**
   * Takes back a chunk the consumer is done with (written out, referenced nowhere); any view of a buffer made here
   * counts. Chunks of other memory (a ZIP's headers), and one given back twice, are ignored.
   */
  give(chunk: Uint8Array): void {
    if (this.#spare.length >= this.maxSpare || !this.#own.has(chunk.buffer)) return;
    if (this.#spare.some((b) => b.buffer === chunk.buffer)) return;
    this.#spare.push(Buffer.from(chunk.buffer, 0, this.size));
  }
}
