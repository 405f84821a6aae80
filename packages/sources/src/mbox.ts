/**
 * An mbox file as a mailbox of one folder, named after the file (its name without extension).
 *
 * Messages are found by `splitMbox` (see there for what counts as a separator) and each is parsed from its
 * own byte range, so the file is never held in memory: a message up to `WHOLE_MESSAGE_BYTES` is read whole, a
 * larger one streamed. `format` says how `From ` lines inside bodies were escaped by the writer:
 * - `mboxrd` (default): every line matching `>*From ` had one `>` added; one is removed on reading, so
 *   `>From ` reads as `From ` and `>>From ` as `>From `.
 * - `mboxo`: `From ` was escaped as `>From `, but `>From ` itself was not escaped, so escaping cannot be
 *   undone unambiguously; lines are left as they are.
 *
 * A last message cut off by the end of the file (no final line break, or its top-level multipart lacking
 * the closing delimiter) is a damaged item, as are non-blank bytes before the first envelope line.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { FolderSpec, MessageRecord } from '@pstream/pst';
import { handleDamaged, isItemDamage, MimeDamageError, reasonOf, throwIfAborted } from './errors.js';
import { fileRangeBytes } from './item-bytes.js';
import { type MboxSplitResult, splitMbox } from './mbox-split.js';
import { parseMime, WHOLE_MESSAGE_BYTES } from './mime-message.js';
import { ReadCounter } from './read-progress.js';
import type { MessageSource, SourceMessage, SourceOptions, SourceReadProgress } from './source.js';
import { SpoolDirectory, SpoolGroup } from './spool.js';

/** How `From ` lines in bodies were escaped; see the module comment. */
export type MboxFormat = 'mboxrd' | 'mboxo';

export interface MboxOptions extends SourceOptions {
  /** Default `mboxrd`. */
  readonly format?: MboxFormat;
}

/** Removes one `>` from every line that matches `>+From ` (mboxrd unescaping), across chunk borders. */
export async function* unescapeMboxrd(input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let carry = Buffer.alloc(0);
  for await (const raw of input) {
    const chunk = carry.length ? Buffer.concat([carry, raw]) : Buffer.from(raw);
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl < 0) {
      carry = chunk;
      continue;
    }
    carry = Buffer.from(chunk.subarray(lastNl + 1));
    yield unescapeLines(chunk.subarray(0, lastNl + 1));
  }
  if (carry.length) yield unescapeLines(carry);
}

function unescapeLines(block: Buffer): Buffer {
  // Fast path: no escaped line in the block.
  if (block.indexOf('>') < 0) return block;
  const text = block.toString('latin1');
  const out = text.replace(/(^|\n)>(>*From )/g, '$1$2');
  return out.length === text.length ? block : Buffer.from(out, 'latin1');
}

/** `size` bytes of the file at `path` from `start` (fewer if the file got shorter). */
async function readRange(path: string, start: number, size: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** Every chunk of `input`, in one buffer. */
async function collect(input: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of input) chunks.push(chunk);
  const only = chunks.length === 1 ? (chunks[0] as Uint8Array) : undefined;
  return only ? Buffer.from(only.buffer, only.byteOffset, only.byteLength) : Buffer.concat(chunks);
}

/** Reads one mbox file. */
export class MboxSource implements MessageSource {
  readonly kind = 'mbox' as const;
  readonly path: string;
  readonly name: string;
  readonly format: MboxFormat;
  readonly #options: MboxOptions;
  readonly #spool: SpoolDirectory;
  readonly #read = new ReadCounter();

  constructor(path: string, options: MboxOptions = {}) {
    this.path = resolve(path);
    this.name = basename(this.path, extname(this.path));
    this.format = options.format ?? 'mboxrd';
    this.#options = options;
    this.#spool = new SpoolDirectory(options.tmpDir);
  }

  /** The one folder: `[name]`. */
  async *folders(): AsyncIterable<FolderSpec> {
    yield { path: [this.name] };
  }

  async *messages(): AsyncIterable<SourceMessage> {
    const folder = [this.name];
    const split: MboxSplitResult = {};
    // An unreadable file fails in splitMbox, with its own message; the progress just stays unknown.
    const info = await stat(this.path).catch(() => undefined);
    if (info) this.#read.start(info.size);
    for await (const range of splitMbox(this.path, split)) {
      throwIfAborted(this.#options, this.path);
      this.#read.at(range.end);
      const origin = `${this.path}#${range.number}`;
      // The message as stored, its envelope line included and its `From ` lines still escaped.
      const stored = fileRangeBytes(
        this.path,
        `${this.name}-${range.number}.eml`,
        'message/rfc822',
        range.start,
        range.end,
      );
      const spool = new SpoolGroup(this.#spool);
      let record: MessageRecord;
      try {
        if (range.cutOff) {
          throw new MimeDamageError(
            `truncated: the file ends in the middle of a line (message at byte ${range.start})`,
          );
        }
        const size = range.end - range.start;
        const bytes: AsyncIterable<Uint8Array> =
          size > WHOLE_MESSAGE_BYTES
            ? createReadStream(this.path, { start: range.start, end: range.end - 1 })
            : Readable.from(size > 0 ? [await readRange(this.path, range.start, size)] : []);
        const input = this.format === 'mboxrd' ? unescapeMboxrd(bytes) : bytes;
        // A message up to WHOLE_MESSAGE_BYTES is parsed whole, the rest streams.
        record = (
          await parseMime(size > WHOLE_MESSAGE_BYTES ? input : await collect(input), {
            spool,
            requireClosingBoundary: range.last,
          })
        ).record;
      } catch (error) {
        await spool.dispose();
        if (!isItemDamage(error)) throw error;
        const label = `${basename(this.path)} message ${range.number} (byte ${range.start})`;
        handleDamaged(this.#options, { origin, reason: reasonOf(error), folder, label, bytes: stored }, error);
        continue;
      }
      yield { folder, record, origin, bytes: stored, dispose: () => spool.dispose() };
    }
    if (split.preamble !== undefined) {
      const { start, end } = split.preamble;
      handleDamaged(this.#options, {
        origin: `${this.path}@${start}`,
        reason: `${end - start} bytes before the first envelope line (From sender date) are not part of any message`,
        folder,
        label: `${basename(this.path)} bytes ${start}-${end} (before the first message)`,
        bytes: fileRangeBytes(this.path, `${this.name}-before-first-message.txt`, 'text/plain', start, end),
      });
    }
    this.#read.end();
  }

  readProgress(): SourceReadProgress | undefined {
    return this.#read.progress;
  }

  async close(): Promise<void> {
    await this.#spool.close();
  }
}
