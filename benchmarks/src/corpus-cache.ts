/**
 * The parsed SpamAssassin corpus as a compact file, so that the writer's measurement neither parses the corpus
 * nor holds its parsed records: a short-lived process of its own (`buildCorpusCache`) parses the `.eml` tree and
 * writes one `node:v8`-serialized entry a message; the measuring process loads the file as one Buffer and
 * deserializes a message when it is asked for it.
 *
 * File layout: entries, each a 4-byte little-endian length and that many bytes of `v8.serialize` output. Every
 * entry but the last is a message (`{ folder, record }`, a file attachment's bytes in place of its `open`); the
 * last one is the `CacheSummary`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { EmbeddedMessageAttachment, FileAttachment, FolderSpec, MessageRecord } from '@pstream/pst';
import { type PooledMessage, recordBytes } from './message-pool.js';
import { type CorpusScan, scanCorpus } from './spamassassin.js';

/** A file attachment as stored: its bytes in place of `open`. */
export interface StoredFileAttachment extends Omit<FileAttachment, 'open'> {
  readonly bytes: Uint8Array;
}

export interface StoredMessageAttachment extends Omit<EmbeddedMessageAttachment, 'message'> {
  readonly message: StoredRecord;
}

/** A record as stored: nothing in it is a function. */
export interface StoredRecord extends Omit<MessageRecord, 'attachments'> {
  readonly attachments?: readonly (StoredFileAttachment | StoredMessageAttachment)[];
}

/** The last entry of a cache file. */
export interface CacheSummary extends CorpusScan {
  /** Payload of all messages (`recordBytes`). */
  readonly payloadBytes: number;
}

/** The record with every attachment's bytes (embedded messages' too) read into memory. */
export async function toStored(record: MessageRecord): Promise<StoredRecord> {
  if (!record.attachments || record.attachments.length === 0) return record as StoredRecord;
  const attachments: (StoredFileAttachment | StoredMessageAttachment)[] = [];
  for (const a of record.attachments) {
    if (a.kind === 'message') {
      attachments.push({ ...a, message: await toStored(a.message) });
      continue;
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of await a.open()) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    if (bytes.length !== a.size)
      throw new RangeError(
        `attachment ${JSON.stringify(a.name)}: size says ${a.size} bytes, open() gave ${bytes.length}`,
      );
    const { open: _open, ...rest } = a;
    attachments.push({ ...rest, bytes });
  }
  return { ...record, attachments };
}

/** The record again, each file attachment's `open` yielding its stored bytes. */
export function fromStored(stored: StoredRecord): MessageRecord {
  if (!stored.attachments || stored.attachments.length === 0) return stored as MessageRecord;
  const attachments = stored.attachments.map((a) => {
    if (a.kind === 'message') return { ...a, message: fromStored(a.message) };
    const { bytes, ...rest } = a;
    return {
      ...rest,
      open: async function* () {
        yield bytes;
      },
    };
  });
  return { ...stored, attachments };
}

/** One message as a cache entry (without its length prefix). */
export async function encodeMessage(m: PooledMessage): Promise<Buffer> {
  return serialize({ folder: m.folder, record: await toStored(m.record) });
}

/** A message from its cache entry. */
export function decodeMessage(entry: Uint8Array): PooledMessage {
  const { folder, record } = deserialize(entry) as { folder: readonly string[]; record: StoredRecord };
  return { folder, record: fromStored(record) };
}

function framed(entry: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(entry.length);
  return Buffer.concat([head, entry]);
}

/** Parses the `.eml` tree at `dir` (leaving out what `scanCorpus` leaves out) into the cache file `file`. */
export async function writeCorpusCache(dir: string, file: string): Promise<CacheSummary> {
  const out = createWriteStream(file);
  const done = new Promise<void>((ok, fail) => {
    out.on('finish', ok);
    out.on('error', fail);
  });
  const write = (entry: Buffer) =>
    out.write(framed(entry)) ? undefined : new Promise<void>((ok) => out.once('drain', ok));
  let payloadBytes = 0;
  const scan = await scanCorpus(dir, async (m) => {
    payloadBytes += recordBytes(m.record);
    await write(await encodeMessage(m));
  });
  const summary: CacheSummary = { ...scan, payloadBytes };
  out.end(framed(serialize(summary)));
  await done;
  return summary;
}

const SELF = fileURLToPath(import.meta.url);

/**
 * Runs `writeCorpusCache(dir, file)` in a Node process of its own, so that the parser's garbage and fragmentation
 * stay out of the caller's memory.
 */
export async function buildCorpusCache(dir: string, file: string): Promise<void> {
  const nodeArgs = SELF.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : [];
  const code = await new Promise<number>((ok, fail) => {
    const child = spawn(process.execPath, [...nodeArgs, SELF, dir, file], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('close', (c, signal) => ok(c ?? (signal ? 128 : 1)));
  });
  if (code !== 0) throw new Error(`parsing the corpus at ${dir} into ${file} failed (exit ${code})`);
}

/** A cache file in memory: one Buffer and the offset of each entry. */
export class CorpusCache {
  private constructor(
    private readonly data: Buffer,
    /** Start of message i's entry at [2i], its end at [2i + 1]. */
    private readonly bounds: Float64Array,
    readonly summary: CacheSummary,
  ) {}

  static async load(file: string): Promise<CorpusCache> {
    const data = await readFile(file);
    const spans: number[] = [];
    for (let at = 0; at < data.length; ) {
      if (at + 4 > data.length) throw new RangeError(`${file}: an entry's length is cut off at byte ${at}`);
      const end = at + 4 + data.readUInt32LE(at);
      if (end > data.length)
        throw new RangeError(`${file}: the entry at byte ${at} runs past the end (${end} > ${data.length})`);
      spans.push(at + 4, end);
      at = end;
    }
    if (spans.length === 0) throw new RangeError(`${file}: the cache file is empty`);
    const summary = deserialize(data.subarray(spans[spans.length - 2], spans[spans.length - 1])) as CacheSummary;
    const bounds = Float64Array.from(spans.slice(0, -2));
    if (bounds.length / 2 !== summary.count)
      throw new RangeError(`${file}: ${bounds.length / 2} messages, the summary says ${summary.count}`);
    return new CorpusCache(data, bounds, summary);
  }

  /** Messages in the cache. */
  get count(): number {
    return this.bounds.length / 2;
  }

  get folders(): readonly FolderSpec[] {
    return this.summary.folders;
  }

  /** Bytes held (the file's). */
  get byteLength(): number {
    return this.data.length;
  }

  /** Message `i % count`, deserialized anew. */
  message(i: number): PooledMessage {
    const k = (i % this.count) * 2;
    return decodeMessage(this.data.subarray(this.bounds[k], this.bounds[k + 1]));
  }
}

// `node corpus-cache.js <dir> <file>`: what `buildCorpusCache` runs.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  const [dir, file] = process.argv.slice(2);
  if (dir === undefined || file === undefined) {
    console.error('usage: corpus-cache <eml tree> <cache file>');
    process.exitCode = 2;
  } else {
    writeCorpusCache(dir, file).catch((error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    });
  }
}
