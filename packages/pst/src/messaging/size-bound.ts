/**
 * Upper bounds of what a message adds to a file, computed from the record alone. They let a splitter decide that a
 * message fits without the exact projection while the file is far from its limit; they are deliberately generous.
 */
import { MAX_BLOCK_DATA } from '../ndb/constants.js';
import { compressedRtfSize } from './compressed-rtf.js';
import type { MessageRecord } from './record.js';

/** Bytes of data blocks, trailers, padding, index blocks and region gaps the message object can take. */
export function messageUpperBound(record: MessageRecord): number {
  const { heap, bulk } = rawBytes(record);
  // Values of up to 3580 bytes live in heap pages, and a heap page that is not the last is a full 8176-byte block:
  // when the next value does not fit, up to 3580 bytes of a page stay unused, so a heap can take up to
  // 8176 / 4596 ≈ 1.78 times its values. Counting heap-resident bytes twice covers that.
  const raw = 2 * heap + bulk;
  const blocks = Math.ceil(raw / MAX_BLOCK_DATA) + 16 + 8 * (record.attachments?.length ?? 0);
  // Per block: its trailer and padding (≤ 79 bytes), its BBT entry (24 bytes and a share of the pages), and the gap a
  // block may leave at the end of a 253,952-byte region (one 8 KiB block per 31 blocks, at worst).
  return raw + blocks * (80 + 32) + Math.ceil(raw / (253_952 - 8192)) * (8192 + 1536) + 16_384;
}

/**
 * Bytes the message's contents-table row and NBT entry can add to the finished structure, and the names its kind and
 * carried properties can add to the Name-to-ID map (an entry, a bucket record, a GUID and the name of each).
 */
export function rowUpperBound(record: MessageRecord): number {
  let names =
    record.appointment || record.contact || record.task || record.note || record.distributionList ? 64 * 48 : 0;
  for (const x of record.extraProperties ?? []) if (x.kind === 'named') names += 48 + 2 * (x.name?.length ?? 0);
  const strings =
    record.subject.length * 3 + // subject, normalized subject is not a column; topic is
    (record.messageClass?.length ?? 8) +
    (record.from?.name?.length ?? 0) +
    (record.from?.address?.length ?? 0) +
    (record.recipients ?? []).reduce((n, r) => n + (r.name?.length ?? r.address?.length ?? 0) + 2, 0);
  // A meeting's display-to/cc strings list its organizer and attendees instead of the recipients.
  const organizer = record.appointment?.organizer;
  const meeting =
    (organizer ? (organizer.name?.length ?? 0) + (organizer.address?.length ?? 0) + 2 : 0) +
    (record.appointment?.attendees ?? []).reduce((n, r) => n + (r.name?.length ?? 0) + (r.address?.length ?? 0) + 2, 0);
  return 512 + 4 * (strings + meeting) + names;
}

/** Bytes of the values a record's kind section and carried properties add, counted generously. */
function kindBytes(record: MessageRecord): number {
  let bytes = 0;
  const section = record.appointment ?? record.contact ?? record.task ?? record.note ?? record.distributionList;
  if (section) bytes += 4096 + JSON.stringify(section).length * 8;
  for (const x of record.extraProperties ?? []) {
    const v = x.value.value;
    const size =
      v instanceof Uint8Array
        ? v.length
        : Array.isArray(v)
          ? (v as readonly unknown[]).reduce<number>(
              (n, e) => n + (e instanceof Uint8Array ? e.length : typeof e === 'string' ? 2 * e.length : 8) + 8,
              8,
            )
          : typeof v === 'string'
            ? 2 * v.length
            : 8;
    bytes += size + 32;
  }
  return bytes;
}

/** Bytes that may sit in heaps (strings, tables, small attachments) and bytes that go straight to data trees. */
function rawBytes(record: MessageRecord): { heap: number; bulk: number } {
  let chars = record.subject.length * 3 + (record.body?.length ?? 0) + (record.messageClass?.length ?? 8);
  chars += (record.internetMessageId?.length ?? 0) + (record.inReplyTo?.length ?? 0) + (record.references?.length ?? 0);
  chars += record.transportHeaders?.length ?? 0;
  for (const a of [record.from, record.sender]) chars += ((a?.name?.length ?? 0) + (a?.address?.length ?? 0) + 8) * 2;
  for (const r of record.recipients ?? []) chars += ((r.name?.length ?? 0) + (r.address?.length ?? 0)) * 6 + 64;
  for (const c of record.categories ?? []) chars += c.length + 4;
  let heap =
    kindBytes(record) +
    chars * 2 +
    (record.html?.length ?? 0) * 3 +
    (record.rtf === undefined ? 0 : compressedRtfSize(record.rtf.length)) +
    2048 +
    (record.recipients?.length ?? 0) * 160;
  let bulk = 0;
  for (const a of record.attachments ?? []) {
    heap +=
      1024 +
      a.name.length * 8 +
      (a.kind === 'file' ? (a.contentType?.length ?? 0) * 2 + (a.contentId?.length ?? 0) * 2 : 0);
    if (a.kind === 'file') {
      if (a.size > 3580) bulk += a.size;
      else heap += a.size;
    } else {
      const inner = rawBytes(a.message);
      heap += inner.heap;
      bulk += inner.bulk;
    }
  }
  return { heap, bulk };
}
