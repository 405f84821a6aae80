/** Test helpers: temporary directories, message builders, draining sources and attachments. */

import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attachment, FileAttachment, MessageRecord } from '@pstream/pst';
import type { DamagedItem, MessageSource, SourceMessage } from '../src/source.js';

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(
  prefix = 'pstream-sources-test-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Joins header and body lines with CRLF. */
export function crlf(...lines: string[]): string {
  return lines.join('\r\n');
}

/** Every message of a source (disposed after `inspect`), and every damaged item reported. */
export async function drain(
  open: (report: (d: DamagedItem) => void) => MessageSource,
  inspect?: (m: SourceMessage) => Promise<void> | void,
): Promise<{ messages: SourceMessage[]; damaged: DamagedItem[] }> {
  const damaged: DamagedItem[] = [];
  const source = open((d) => damaged.push(d));
  const messages: SourceMessage[] = [];
  try {
    for await (const m of source.messages()) {
      messages.push(m);
      await inspect?.(m);
    }
  } finally {
    for (const m of messages) await m.dispose?.();
    await source.close();
  }
  return { messages, damaged };
}

/** Reads an attachment's bytes: total length and SHA-256. */
export async function readAll(a: FileAttachment): Promise<{ length: number; sha256: string; bytes?: Buffer }> {
  const hash = createHash('sha256');
  let length = 0;
  const keep: Buffer[] = [];
  for await (const chunk of await a.open()) {
    hash.update(chunk);
    length += chunk.length;
    if (length <= 1 << 20) keep.push(Buffer.from(chunk));
  }
  return { length, sha256: hash.digest('hex'), ...(length <= 1 << 20 ? { bytes: Buffer.concat(keep) } : {}) };
}

export function fileAttachments(r: MessageRecord): FileAttachment[] {
  return (r.attachments ?? []).filter((a): a is FileAttachment => a.kind === 'file');
}

export function embedded(r: MessageRecord): MessageRecord[] {
  return (r.attachments ?? []).flatMap((a: Attachment) => (a.kind === 'message' ? [a.message] : []));
}
