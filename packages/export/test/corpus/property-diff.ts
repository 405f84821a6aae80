/**
 * A property-by-property comparison of a PST and its re-export as libpff's pffexport reads them (see
 * `pffexportItems`): every property of every source item must be in the re-export's item with the same value, but
 * those listed in `NOT_COMPARED`, each with its reason. Items are paired by folder, message class, subject and
 * creation time (the writer gives an item without a creation time one). The differences are counted per property, one line each, so that a sample's known differences
 * are short to list.
 */
import type { PffItem } from '../../../pst/test/support/pffexport-items.js';

/**
 * Properties the re-export does not keep as the source has them, by design:
 * - the item's identity in its store and values computed from the item as stored, which the writer makes anew (see
 *   MESSAGE_NOT_CARRIED in packages/sources/src/pst.ts): PidTagEntryId, PidTagRecordKey, PidTagInstanceKey,
 *   PidTagParentEntryId, PidTagStoreEntryId, PidTagStoreRecordKey, PidTagObjectType, PidTagMessageSize,
 *   PidTagMessageFlags, PidTagHasAttachments, PidTagParentDisplay, PidTagAccess, PidTagAccessLevel, PidTagLtpRowId,
 *   PidTagLtpRowVer; the replication state, which ties an item to its source store's replica (PidTagReplItemid,
 *   PidTagReplChangenum, PidTagReplVersionhistory, PidTagReplFlags); PidTagSearchKey, which the writer gives each
 *   message it stores;
 * - PidTagRtfCompressed: the writer compresses the RTF anew (LZFu, [MS-OXRTFCP]); the bytes differ, the text is
 *   the same (compared by `rtfText` through pst-extractor instead);
 * - PidTagHtml and PidTagInternetCodepage: the writer stores HTML as UTF-8 (code page 65001) whatever the source's
 *   code page was; the readers' summaries compare the HTML's text; PidTagMessageCodepage: the writer stores every
 *   string in Unicode; PidTagNativeBody: the writer sets it for the bodies it stores.
 */
const NOT_COMPARED: ReadonlySet<string> = new Set(
  [
    0x0fff, 0x0ff9, 0x0ff6, 0x0e09, 0x0ffb, 0x0ffa, 0x0ffe, 0x0e08, 0x0e07, 0x0e1b, 0x0e05, 0x0ff4, 0x0ff7, 0x67f2,
    0x67f3, 0x0e30, 0x0e33, 0x0e34, 0x0e38, 0x300b, 0x1009, 0x1013, 0x3fde, 0x3ffd, 0x1016,
  ].map((id) => `0x${id.toString(16).padStart(4, '0')}`),
);

/** PtypTime and PtypMultipleTime: compared to the millisecond (the record model's `Date`). */
function timeKey(key: string): boolean {
  return key.endsWith('/0040') || key.endsWith('/1040');
}

/** FILETIMEs (8 bytes each, hex) to milliseconds. */
function milliseconds(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  const out: string[] = [];
  for (let at = 0; at + 8 <= b.length; at += 8) out.push((b.readBigUInt64LE(at) / 10_000n).toString());
  return out.join(',');
}

/**
 * The properties of an item with its strings as text: a PtypString8 (`/001e`, its bytes read as windows-1252 here)
 * under the key of a PtypString (`/001f`), since a writer may store either, and the text is what must stay.
 */
function textual(properties: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, hex] of properties) {
    if (key.endsWith('/001f')) out.set(key, Buffer.from(hex, 'hex').toString('utf16le').replace(/\0+$/, ''));
    else if (key.endsWith('/001e'))
      out.set(
        `${key.slice(0, -4)}001f`,
        new TextDecoder('windows-1252').decode(Buffer.from(hex, 'hex')).replace(/\0+$/, ''),
      );
    else out.set(key, hex);
  }
  return out;
}

/** A PidTagSubject text without the two-character prefix marker 0x01 n that some writers store. */
function subjectText(s: string | undefined): string {
  return s === undefined ? '' : s.startsWith('\u0001') ? s.slice(2) : s;
}

interface TextItem {
  readonly folder: string;
  readonly name: string;
  readonly properties: ReadonlyMap<string, string>;
}

function pairKey(item: TextItem, folder: (path: string) => string): string {
  const p = item.properties;
  return JSON.stringify([folder(item.folder), p.get('0x001a/001f') ?? '', subjectText(p.get('0x0037/001f'))]);
}

/** PidTagCreationTime, which tells items of one subject apart (a source item without one pairs with the first left). */
const created = (item: TextItem): string | undefined => {
  const hex = item.properties.get('0x3007/0040');
  return hex === undefined ? undefined : milliseconds(hex);
};

function comparable(key: string, value: string): string {
  if (key.startsWith('0x0037/')) return subjectText(value);
  return timeKey(key) ? milliseconds(value) : value;
}

/**
 * The differences, one line per property: `<key>: missing in N of M items` or `<key>: differs in N of M items`;
 * and a line for each source item with no partner. `folder` maps a source folder path to the re-export's.
 */
export function diffItemProperties(
  sourceItems: readonly PffItem[],
  reexportItems: readonly PffItem[],
  folder: (path: string) => string = (p) => p,
): string[] {
  const asText = (i: PffItem): TextItem => ({ folder: i.folder, name: i.name, properties: textual(i.properties) });
  const source = sourceItems.map(asText);
  const reexport = reexportItems.map(asText);
  const partners = new Map<string, TextItem[]>();
  for (const item of reexport) {
    const k = pairKey(item, (p) => p);
    partners.set(k, [...(partners.get(k) ?? []), item]);
  }
  const missing = new Map<string, number>();
  const differs = new Map<string, number>();
  const seen = new Map<string, number>();
  const lines: string[] = [];
  for (const item of source) {
    const candidates = partners.get(pairKey(item, folder)) ?? [];
    const at = candidates.findIndex((c) => created(item) === undefined || created(c) === created(item));
    const partner = at < 0 ? undefined : candidates.splice(at, 1)[0];
    if (partner === undefined) {
      lines.push(
        `item ${JSON.stringify(`${item.folder}/${subjectText(item.properties.get('0x0037/001f'))}`)} (${item.name}) has no partner in the re-export`,
      );
      continue;
    }
    for (const [key, value] of item.properties) {
      // A named property id the source's Name-to-ID map does not name cannot be carried (nor named by any reader).
      if (/^0x[89a-f]/.test(key) || NOT_COMPARED.has(key.slice(0, 6))) continue;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const theirs = partner.properties.get(key);
      if (theirs === undefined) missing.set(key, (missing.get(key) ?? 0) + 1);
      else if (comparable(key, theirs) !== comparable(key, value)) differs.set(key, (differs.get(key) ?? 0) + 1);
    }
  }
  for (const [key, n] of [...missing].sort()) lines.push(`${key}: missing in ${n} of ${seen.get(key)} items`);
  for (const [key, n] of [...differs].sort()) lines.push(`${key}: differs in ${n} of ${seen.get(key)} items`);
  return lines;
}
