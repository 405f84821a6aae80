/**
 * Helpers of the hostile-input tests: input files generated piece by piece straight to disk (never one buffer),
 * a resident-memory probe, and the round trip of the records a source yields through `PstWriter`, `checkPst`
 * (strict) and an independent reader (pst-extractor).
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPst, type PstFileSummary, PstWriter } from '@pstream/pst';
import { PSTFile, type PSTFolder, type PSTMessage } from 'pst-extractor';
import type { DamagedItem, MessageSource, SourceMessage } from '../../src/source.js';

/** Whether the large variants run (CI or an explicit request). */
export const LARGE = process.env.CI === 'true' || process.env.PSTREAM_LARGE_TESTS === '1';

/** Writes the pieces of `gen` to `path` with back-pressure; returns the number of bytes written. */
export async function writeStreamed(path: string, gen: Iterable<string | Uint8Array>): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (const piece of gen) {
    bytes += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.byteLength;
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/**
 * Samples the resident set size while it runs and reports the growth over the value at the start.
 * Sampling is frequent enough to catch a buffer of the input's size, which would stay for at least as long as
 * it takes to read it.
 */
export class RssProbe {
  readonly start = process.memoryUsage().rss;
  #peak = this.start;
  readonly #timer = setInterval(() => this.sample(), 5);

  sample(): void {
    this.#peak = Math.max(this.#peak, process.memoryUsage().rss);
  }

  /** Stops sampling; the peak growth in bytes. */
  stop(): number {
    this.sample();
    clearInterval(this.#timer);
    return this.#peak - this.start;
  }
}

/** What one read of a source gave. */
export interface SourceRead {
  readonly messages: SourceMessage[];
  readonly damaged: DamagedItem[];
  /** Peak RSS growth during the read, in bytes. */
  readonly rssGrowth: number;
}

/** Reads every message of the source (kept undisposed: call `disposeAll`), with the damaged items and RSS growth. */
export async function readSource(
  open: (report: (d: DamagedItem) => void) => Promise<MessageSource>,
): Promise<SourceRead & { source: MessageSource }> {
  const damaged: DamagedItem[] = [];
  global.gc?.();
  const probe = new RssProbe();
  const source = await open((d) => damaged.push(d));
  const messages: SourceMessage[] = [];
  try {
    for await (const m of source.messages()) messages.push(m);
  } finally {
    probe.sample();
  }
  return { source, messages, damaged, rssGrowth: probe.stop() };
}

/** Releases the messages' temporary files and closes the source. */
export async function disposeAll(read: { source: MessageSource; messages: SourceMessage[] }): Promise<void> {
  for (const m of read.messages) await m.dispose?.();
  await read.source.close();
}

/** A message as pst-extractor reads it back. */
export interface ReadBack {
  readonly folder: string;
  readonly subject: string;
  readonly body: string;
  readonly senderName: string;
  readonly recipients: number;
  readonly displayTo: string;
  readonly attachments: { readonly name: string; readonly size: number; readonly method: number }[];
}

function walk(folder: PSTFolder, path: string, out: ReadBack[]): void {
  if (folder.contentCount > 0) {
    for (
      let m = folder.getNextChild() as PSTMessage | null;
      m !== null;
      m = folder.getNextChild() as PSTMessage | null
    ) {
      const attachments = [];
      for (let i = 0; i < m.numberOfAttachments; i++) {
        const a = m.getAttachment(i);
        attachments.push({
          name: a.longFilename || a.filename || a.displayName,
          size: a.filesize,
          method: a.attachMethod,
        });
      }
      out.push({
        folder: path,
        subject: m.subject,
        body: m.body,
        senderName: m.senderName,
        recipients: m.numberOfRecipients,
        displayTo: m.displayTo,
        attachments,
      });
    }
  }
  if (folder.hasSubfolders)
    for (const sub of folder.getSubFolders()) walk(sub, path ? `${path}/${sub.displayName}` : sub.displayName, out);
}

/** Every message of a PST file, read by pst-extractor. */
export async function readPst(path: string): Promise<ReadBack[]> {
  const pst = new PSTFile(await readFile(path));
  const out: ReadBack[] = [];
  walk(pst.getRootFolder(), '', out);
  return out;
}

/**
 * Writes the messages with `PstWriter` (each into its source folder), asserts that `checkPst` in strict mode finds
 * nothing, and reads the file back with pst-extractor.
 */
export async function writeAndCheck(
  dir: string,
  name: string,
  messages: readonly SourceMessage[],
): Promise<{ summary: PstFileSummary; read: ReadBack[] }> {
  const writer = await PstWriter.create(join(dir, name), { deterministic: true });
  try {
    for (const m of messages) await writer.addMessage(m.folder, m.record);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const summary = await writer.finish();
  const report = await checkPst(summary.path, { strict: true });
  assert.deepEqual(report.errors, [], 'checkPst errors');
  assert.deepEqual(report.warnings, [], 'checkPst warnings');
  assert.equal(report.ok, true);
  return { summary, read: await readPst(summary.path) };
}

/** `count` copies of `piece`. */
export function* repeat(piece: string, count: number): Generator<string> {
  for (let i = 0; i < count; i++) yield piece;
}
