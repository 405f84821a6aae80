import { type FileHandle, open } from 'node:fs/promises';

const CHUNK = 1 << 20;
const MAX_CHUNKS = 8;

/**
 * Positional reads of a file through a small LRU cache of 1 MiB chunks, so that scanning many small
 * blocks in roughly ascending order costs few system calls while memory stays bounded.
 */
export class PositionalReader {
  private readonly chunks = new Map<number, Buffer>();
  bytesRead = 0;

  private constructor(
    private readonly fh: FileHandle,
    /** Size of the file in bytes. */
    readonly size: number,
  ) {}

  /** Opens `path` for reading. */
  static async open(path: string): Promise<PositionalReader> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      return new PositionalReader(fh, st.size);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Reads `length` bytes at `offset`; the result is shorter when the file ends first. */
  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return Buffer.alloc(0);
    const first = Math.floor(offset / CHUNK);
    const last = Math.floor((end - 1) / CHUNK);
    if (first === last) {
      const chunk = await this.chunk(first);
      const start = offset - first * CHUNK;
      return chunk.subarray(start, start + (end - offset));
    }
    const out = Buffer.allocUnsafe(end - offset);
    for (let c = first; c <= last; c++) {
      const chunk = await this.chunk(c);
      const cStart = c * CHUNK;
      const from = Math.max(offset, cStart);
      const to = Math.min(end, cStart + chunk.length);
      chunk.copy(out, from - offset, from - cStart, to - cStart);
    }
    return out;
  }

  private async chunk(index: number): Promise<Buffer> {
    const hit = this.chunks.get(index);
    if (hit) {
      this.chunks.delete(index);
      this.chunks.set(index, hit);
      return hit;
    }
    const start = index * CHUNK;
    const len = Math.min(CHUNK, this.size - start);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.bytesRead += got;
    const chunk = got === len ? buf : buf.subarray(0, got);
    this.chunks.set(index, chunk);
    if (this.chunks.size > MAX_CHUNKS) {
      const oldest = this.chunks.keys().next().value;
      if (oldest !== undefined) this.chunks.delete(oldest);
    }
    return chunk;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.fh.close();
  }
}
