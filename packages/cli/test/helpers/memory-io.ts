/** In-memory standard streams for calling `main(argv, io)` in a test. */
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import type { CliIO, CliStream } from '../../src/io.js';

/** A writable that keeps what it got. */
export class MemoryStream extends Writable implements CliStream {
  readonly chunks: Buffer[] = [];
  constructor(
    readonly isTTY = false,
    readonly columns = 80,
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    callback();
  }
  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
  get text(): string {
    return this.buffer.toString('utf8');
  }
}

export interface MemoryIO extends CliIO {
  readonly stdout: MemoryStream;
  readonly stderr: MemoryStream;
}

export function memoryIO(
  options: { cwd?: string; env?: Record<string, string>; stderrIsTTY?: boolean; signal?: AbortSignal } = {},
): MemoryIO {
  return {
    stdout: new MemoryStream(),
    stderr: new MemoryStream(options.stderrIsTTY ?? false),
    env: options.env ?? {},
    cwd: options.cwd ?? tmpdir(),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}
