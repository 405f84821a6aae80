/**
 * The message that stands in the output for an item that could not be read or stored (`onDamaged: 'keep'`): in the
 * item's folder, with a subject naming it, a category to find all of them by, a short body saying why, and the
 * item's original bytes attached when the source has them.
 */
import type { FileAttachment, MessageRecord } from '@pstream/pst';
import type { DamagedItem, SourceMessage } from '@pstream/sources';

/** The category (Outlook's Categories, PidNameKeywords) of every placeholder. */
export const DAMAGED_CATEGORY = 'pstream: damaged';
export const DAMAGED_SUBJECT_PREFIX = 'Damaged item: ';

/** Why a refused message of a source that hands no bytes (an opened PST, an embedder's source) has none. */
const NO_SOURCE_BYTES = 'its source gives no original bytes of its messages';

/** One line of text: line breaks and other control characters become spaces. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** The placeholder of `item`; `withBytes: false` leaves the original bytes out (when the writer refused them). */
export function placeholderRecord(item: DamagedItem, withBytes = true): MessageRecord {
  const bytes = withBytes ? item.bytes : undefined;
  const attachment: FileAttachment | undefined = bytes && {
    kind: 'file',
    name: bytes.name,
    contentType: bytes.contentType,
    size: bytes.size,
    open: bytes.open,
  };
  const lines = [
    'pstream could not export this item as a message; this message stands in its place.',
    '',
    `Item: ${item.origin}`,
    `Reason: ${item.reason}`,
    '',
    bytes
      ? `The original bytes (${bytes.size} bytes) are attached as ${bytes.name}.`
      : `The original bytes are not attached: ${item.noBytes ?? 'the source has none'}.`,
  ];
  return {
    subject: `${DAMAGED_SUBJECT_PREFIX}${oneLine(item.label) || oneLine(item.origin)}`,
    categories: [DAMAGED_CATEGORY],
    body: lines.join('\r\n'),
    ...(attachment ? { attachments: [attachment] } : {}),
  };
}

/**
 * A message the writer refused, as a damaged item: labelled by its bytes' name (or its origin) and its subject, with
 * the writer's reason and its bytes when its source has them.
 */
export function refusedItem(message: SourceMessage, reason: string): DamagedItem {
  const subject = oneLine(message.record.subject);
  return {
    origin: message.origin,
    reason,
    folder: message.folder,
    label: `${message.bytes?.name ?? message.origin}${subject ? ` "${subject}"` : ''}`,
    ...(message.bytes ? { bytes: message.bytes } : { noBytes: NO_SOURCE_BYTES }),
  };
}
