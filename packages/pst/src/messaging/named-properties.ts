/**
 * The Name-to-ID map (NID 0x61) — [MS-PST] §2.4.7. This writer uses a fixed set of named properties, the same in
 * every file, so the map never grows while messages are written: PidNameKeywords (categories) and, so that the GUID
 * stream is not empty (libpff treats an empty one as a missing map), PidLidReminderDelta in PSETID_Common.
 */
import { pstCrc } from '../encode/crc.js';
import { utf16 } from '../ltp/property-value.js';
import { PropType, tag } from '../ltp/property-type.js';
import { PropertyList } from '../ltp/property-value.js';
import { viewOf } from '../io/bytes.js';
import { Prop } from './schema.js';

/** PidNameKeywords: the message's categories (PS_PUBLIC_STRINGS, "Keywords"), NPID 0x8000. */
export const TAG_KEYWORDS = tag(0x8000, PropType.MultipleString);

const BUCKET_COUNT = 251;
/** PSETID_Common {00062008-0000-0000-C000-000000000046}, in GUID stream order (little-endian fields). */
const PSETID_COMMON = Uint8Array.from([0x08, 0x20, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46]);

interface NameEntry {
  /** Numeric id, or the name for string-named properties. */
  readonly id: number | string;
  /** wGuid: 1 PS_MAPI, 2 PS_PUBLIC_STRINGS, 3+ the GUID stream. */
  readonly guid: number;
}

const NAMES: readonly NameEntry[] = [
  { id: 'Keywords', guid: 2 },
  { id: 0x8501, guid: 3 },
];

/** The properties of the map's PC. */
export function nameToIdMapProperties(): PropertyList {
  const strings: Uint8Array[] = [];
  let stringBytes = 0;
  const entries = new Uint8Array(NAMES.length * 8);
  const entryView = viewOf(entries);
  const buckets = new Map<number, Uint8Array[]>();
  NAMES.forEach((name, index) => {
    let dw: number;
    let hash: number;
    if (typeof name.id === 'string') {
      const text = utf16(name.id);
      const padded = new Uint8Array(4 + Math.ceil(text.length / 4) * 4);
      viewOf(padded).setUint32(0, text.length, true);
      padded.set(text, 4);
      dw = stringBytes;
      hash = pstCrc(text);
      strings.push(padded);
      stringBytes += padded.length;
    } else {
      dw = name.id;
      hash = name.id;
    }
    const guidAndKind = (name.guid << 1) | (typeof name.id === 'string' ? 1 : 0);
    // NAMEID — [MS-PST] §2.4.7.1.
    entryView.setUint32(index * 8, dw, true); // dwPropertyID
    entryView.setUint16(index * 8 + 4, guidAndKind, true); // wGuid << 1 | N
    entryView.setUint16(index * 8 + 6, index, true); // wPropIdx
    const hashed = new Uint8Array(8);
    const hv = viewOf(hashed);
    hv.setUint32(0, hash, true);
    hv.setUint16(4, guidAndKind, true);
    hv.setUint16(6, index, true);
    const bucket = ((hash ^ guidAndKind) >>> 0) % BUCKET_COUNT;
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), hashed]);
  });
  const stringStream = new Uint8Array(stringBytes);
  let at = 0;
  for (const s of strings) {
    stringStream.set(s, at);
    at += s.length;
  }
  const props = new PropertyList()
    .int32(Prop.NameidBucketCount, BUCKET_COUNT)
    .binary(Prop.NameidStreamGuid, PSETID_COMMON)
    .binary(Prop.NameidStreamEntry, entries)
    .binary(Prop.NameidStreamString, stringStream);
  for (const [bucket, items] of [...buckets].sort((a, b) => a[0] - b[0])) {
    const bytes = new Uint8Array(items.length * 8);
    items.forEach((item, i) => bytes.set(item, i * 8));
    props.binary(Prop.NameidBucketBase + bucket, bytes);
  }
  return props;
}
