/**
 * The items of text files (`.ics`, `.vcf`) as records, and the plain item that keeps one the format cannot hold.
 */
import type { MessageRecord } from '@pstream/pst';
import iconv from 'iconv-lite';
import { bytesSource } from './spool.js';

/**
 * The bytes of a text file as UTF-8 without a byte-order mark: a UTF-16 file (with its BOM, as Windows tools may
 * write an address book) is converted; anything else is left as it is (iCalendar and vCard 3.0/4.0 are UTF-8;
 * a vCard 2.1 card names its own charset).
 */
export function utf8Bytes(bytes: Uint8Array): Buffer {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3);
  if (b[0] === 0xff && b[1] === 0xfe) return Buffer.from(iconv.decode(b.subarray(2), 'utf16le'), 'utf8');
  if (b[0] === 0xfe && b[1] === 0xff) return Buffer.from(iconv.decode(b.subarray(2), 'utf16be'), 'utf8');
  return b;
}

/** One item read from a text file. */
export interface TextItem {
  readonly record: MessageRecord;
  /** The item's own text (a component with the calendar's time zones, a card), as the item's original bytes. */
  readonly text: string;
  /** A name for the item within its file, e.g. `VEVENT 2`, `VCARD 3 (line 41)`. */
  readonly label: string;
  /** What the reader changed or left out of the item (said in the export's warnings). */
  readonly warnings: readonly string[];
  /** Why the item is kept as a plain item holding its text (`keptAsText`), when it is. */
  readonly keptAsText?: string;
}

/** The category of an item kept as a plain item holding its original text. */
export const KEPT_AS_TEXT_CATEGORY = 'pstream: kept as text';

/**
 * An item the format cannot hold as its kind (an event with no start, a card with no name, a recurrence the format
 * cannot express): a plain message (IPM.Note) named after it, saying why, with its original text attached, so
 * that nothing of it is lost and a person can import it by hand.
 */
export function keptAsText(what: {
  subject: string;
  kind: string;
  reason: string;
  text: string;
  fileName: string;
  contentType: string;
}): MessageRecord {
  const bytes = Buffer.from(what.text, 'utf8');
  return {
    messageClass: 'IPM.Note',
    subject: what.subject,
    categories: [KEPT_AS_TEXT_CATEGORY],
    body: `This ${what.kind} could not be stored as one: ${what.reason}. Its original text is attached (${what.fileName}).\r\n`,
    attachments: [
      {
        kind: 'file',
        name: what.fileName,
        contentType: what.contentType,
        size: bytes.length,
        open: bytesSource(bytes),
      },
    ],
  };
}

/** Drops the undefined fields of a record section, so that optional fields are absent rather than undefined. */
export function defined<T extends object>(fields: T): T {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)),
  ) as T;
}
