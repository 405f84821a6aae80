/**
 * The splitter as a stage of the export: writes the items that come through into PST parts (`PstSplitter`) and
 * yields each part once it is finished. A part is yielded after the splitter call that finished it, so the consumer
 * pulling parts slowly holds the writing back. An export that wrote nothing yields one empty PST.
 *
 * Damaged items are handled here (`onDamaged`), the ones a source reported and the messages the writer refused (a
 * date out of range, an attachment whose source gives another size than it said): kept as a placeholder message,
 * or skipped, each with a warning.
 */
import { AttachmentSizeError, PstInputError, PstWriter } from '@pstream/pst';
import { type DamagedItem, SourceError, type SourceMessage } from '@pstream/sources';
import type { ExportOptions } from '../api.js';
import type { FinishedPart, PstSplitter } from '../split/pst-splitter.js';
import { placeholderRecord, refusedItem } from './damaged-placeholder.js';
import type { SourceItem } from './read-sources.js';
import type { Tally } from './tally.js';

export interface SplitIntoPartsOptions {
  readonly splitter: PstSplitter;
  /** Folders are kept even when no message goes into them (an export without a keyword). */
  readonly keepFolders: boolean;
  readonly onDamaged: ExportOptions['onDamaged'];
  /** The part limit, for the warning about a message larger than it. */
  readonly limit: number;
  /** Where the empty PST of an export that wrote nothing goes, and its store's name and encryption. */
  readonly emptyPart: { readonly path: string; readonly displayName: string; readonly encryption: 'permute' | 'none' };
  readonly tally: Tally;
  /** Called after each message (a chance to report progress). */
  readonly onMessage: () => void;
  readonly signal: AbortSignal;
}

export async function* splitIntoParts(
  items: AsyncIterable<SourceItem>,
  options: SplitIntoPartsOptions,
): AsyncGenerator<FinishedPart> {
  const { splitter, signal } = options;
  let yielded = 0;
  let finished = false;
  try {
    for await (const item of items) {
      signal.throwIfAborted();
      if (item.kind === 'folder') await splitter.folder(item.spec, options.keepFolders);
      else if (item.kind === 'damaged') await handleDamaged(item.item, options);
      else {
        try {
          await addMessage(item.message, options);
        } finally {
          await item.message.dispose?.();
        }
        options.onMessage();
      }
      while (yielded < splitter.finished.length) yield splitter.finished[yielded++]!;
    }
    signal.throwIfAborted();
    await splitter.finish();
    finished = true;
    if (splitter.finished.length === 0) yield await emptyPart(options.emptyPart);
    while (yielded < splitter.finished.length) yield splitter.finished[yielded++]!;
  } finally {
    // Stopped early: the part being written goes (finished parts belong to whoever took them).
    if (!finished) await splitter.abort().catch(() => undefined);
  }
}

/** Writes a matched message; one the writer refuses is a damaged item (the writer has undone it and goes on). */
async function addMessage(message: SourceMessage, options: SplitIntoPartsOptions): Promise<void> {
  try {
    if (await options.splitter.add(message.folder, message.record)) warnOversized(message.origin, options);
  } catch (error) {
    if (!isUnstorableMessage(error)) throw error;
    if (options.onDamaged === 'stop')
      throw new SourceError('damaged', message.origin, (error as Error).message, { cause: error });
    options.tally.matched--;
    await handleDamaged(refusedItem(message, (error as Error).message), options);
  }
}

/** Applies `onDamaged` (`stop` has already thrown in the source or the writer): a placeholder, or a skip. */
async function handleDamaged(item: DamagedItem, options: SplitIntoPartsOptions): Promise<void> {
  const { splitter, tally } = options;
  tally.damaged++;
  if (options.onDamaged === 'skip') {
    tally.skipped++;
    tally.warnings.push({
      code: 'damaged-skipped',
      message: `skipped ${item.origin}: ${item.reason}`,
      origin: item.origin,
      reason: item.reason,
    });
    return;
  }
  let record = placeholderRecord(item);
  let oversize: boolean;
  try {
    oversize = await splitter.add(item.folder, record);
  } catch (error) {
    // The original bytes were refused (more than 4 GiB, or not the size they had when reported): keep the rest.
    if (!isUnstorableMessage(error) || item.bytes === undefined) throw error;
    record = placeholderRecord({ ...item, noBytes: `the writer refused them: ${(error as Error).message}` }, false);
    oversize = await splitter.add(item.folder, record);
  }
  const message = `damaged ${item.origin}: ${item.reason}; kept as "${record.subject}" in ${item.folder.length ? item.folder.join('/') : 'the top folder'}`;
  tally.warnings.push({
    code: 'damaged-kept',
    message,
    origin: item.origin,
    reason: item.reason,
    folder: item.folder,
    subject: record.subject,
  });
  if (oversize) warnOversized(item.origin, options);
}

/** A message larger than the part limit went alone into the part being written. */
function warnOversized(origin: string, options: SplitIntoPartsOptions): void {
  const { limit } = options;
  const part = options.splitter.currentPart;
  const message = `message ${origin} is larger than the part limit of ${limit} bytes; it was written alone to part ${part}`;
  options.tally.warnings.push({ code: 'oversized-message', message, origin, part, limitBytes: limit });
}

function isUnstorableMessage(error: unknown): boolean {
  return error instanceof PstInputError || error instanceof AttachmentSizeError;
}

/** An export that matched nothing is one valid, empty PST. */
async function emptyPart({ path, displayName, encryption }: SplitIntoPartsOptions['emptyPart']): Promise<FinishedPart> {
  const writer = await PstWriter.create(path, { displayName, encryption });
  const summary = await writer.finish();
  return { index: 1, path: summary.path, bytes: summary.bytes, messages: 0, oversize: false, last: true };
}
