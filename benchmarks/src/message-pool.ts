/**
 * The messages a workload writes, held in memory before the clock starts: records made by the fixture generator,
 * their attachments re-pointed at the shared byte pool. A workload of more messages than the pool holds cycles
 * through it, so memory stays flat at any size and no measurement includes the generator's own cost.
 */

import { type GeneratorOptions, generateRecords } from '@pstream/fixtures';
import type { Attachment, FolderSpec, MessageRecord } from '@pstream/pst';
import type { BytePool } from './byte-pool.js';

export interface PooledMessage {
  readonly folder: readonly string[];
  readonly record: MessageRecord;
}

export interface MessagePool {
  readonly folders: readonly FolderSpec[];
  readonly messages: readonly PooledMessage[];
}

/** Approximate payload of a record: text fields (one byte a character) and attachment sizes, recursively. */
export function recordBytes(record: MessageRecord): number {
  let n =
    record.subject.length +
    (record.body?.length ?? 0) +
    (record.html?.length ?? 0) +
    (record.transportHeaders?.length ?? 0);
  for (const a of record.attachments ?? []) n += a.kind === 'file' ? a.size : recordBytes(a.message);
  return n;
}

/** The record with every file attachment (embedded messages' too) reading from `bytes`. */
export function poolAttachments(record: MessageRecord, bytes: BytePool, id: string): MessageRecord {
  if (!record.attachments || record.attachments.length === 0) return record;
  const attachments = record.attachments.map((a, i): Attachment => {
    const key = `${id}/${i}`;
    if (a.kind === 'message') return { ...a, message: poolAttachments(a.message, bytes, key) };
    const offset = bytes.offsetOf(key);
    const size = a.size;
    return { ...a, open: () => bytes.open(offset, size) };
  });
  return { ...record, attachments };
}

export interface PoolLimits {
  /** Take at most this many messages. */
  readonly maxMessages: number;
  /** Stop once the messages taken hold this many payload bytes. */
  readonly maxBytes?: number;
}

/** Generates messages with `options` until a limit is reached; attachments read from `bytes`. */
export async function generatePool(
  options: Omit<GeneratorOptions, 'messages'>,
  limits: PoolLimits,
  bytes: BytePool,
): Promise<MessagePool> {
  const mailbox = generateRecords({ ...options, messages: limits.maxMessages });
  const messages: PooledMessage[] = [];
  let total = 0;
  for await (const m of mailbox.messages()) {
    const record = poolAttachments(m.record, bytes, `${String(options.seed)}:${messages.length}`);
    messages.push({ folder: m.folder, record });
    total += recordBytes(record);
    if (limits.maxBytes !== undefined && total >= limits.maxBytes) break;
  }
  return { folders: mailbox.folders, messages };
}

/** The total payload of `count` messages drawn from the pool in turn. */
export function cycledBytes(pool: MessagePool, count: number): number {
  const each = pool.messages.map((m) => recordBytes(m.record));
  const whole = each.reduce((a, b) => a + b, 0);
  const rounds = Math.floor(count / each.length);
  let n = rounds * whole;
  for (let i = 0; i < count % each.length; i++) n += each[i]!;
  return n;
}
