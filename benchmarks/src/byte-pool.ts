/**
 * Attachment bytes for the benchmarks: one seeded block of random bytes, generated once, that every attachment
 * reads a slice of (wrapping around at the end). Opening an attachment then costs next to nothing, so a
 * measurement times pstream rather than the fixture generator's keystream.
 */
import { createCipheriv, createHash } from 'node:crypto';

/** 16 MiB: larger than the writer's 4 MiB write buffer, and more than a single attachment of most workloads. */
export const BYTE_POOL_SIZE = 16 * 1024 * 1024;
/** Chunk size of an opened attachment, as a file read stream hands them out. */
export const BYTE_POOL_CHUNK = 64 * 1024;

export class BytePool {
  private block: Buffer | undefined;

  constructor(
    private readonly seed: string,
    private readonly size = BYTE_POOL_SIZE,
  ) {
    if (!Number.isSafeInteger(size) || size < BYTE_POOL_CHUNK)
      throw new RangeError(`size must be an integer of at least ${BYTE_POOL_CHUNK}, got ${size}`);
  }

  /**
   * The random bytes (incompressible, like most real attachments), generated on first use: a workload without
   * attachments never holds them while it is measured.
   */
  get bytes(): Buffer {
    if (this.block) return this.block;
    const key = createHash('sha256').update(`pstream-bench-bytes:${this.seed}`).digest();
    const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
    // Encrypting zeros a chunk at a time: no second buffer of `size` bytes.
    const block = Buffer.allocUnsafe(this.size);
    const zeros = Buffer.alloc(BYTE_POOL_CHUNK);
    for (let at = 0; at < this.size; at += BYTE_POOL_CHUNK) {
      const n = Math.min(BYTE_POOL_CHUNK, this.size - at);
      cipher.update(zeros.subarray(0, n)).copy(block, at);
    }
    this.block = block;
    return block;
  }

  /** Where the attachment named `id` starts in the pool (a stable hash of the id). */
  offsetOf(id: string): number {
    return createHash('sha256').update(id).digest().readUInt32LE(0) % this.size;
  }

  /** `size` bytes starting at `offset`, in chunks of at most `chunk` bytes (views of the pool, never copies). */
  async *open(offset: number, size: number, chunk = BYTE_POOL_CHUNK): AsyncGenerator<Uint8Array> {
    const pool = this.bytes;
    let at = offset % pool.length;
    let left = size;
    while (left > 0) {
      const n = Math.min(chunk, left, pool.length - at);
      yield pool.subarray(at, at + n);
      left -= n;
      at = (at + n) % pool.length;
    }
  }
}
