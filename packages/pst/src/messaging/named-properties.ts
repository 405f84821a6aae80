/**
 * The Name-to-ID map (NID 0x61) — [MS-PST] §2.4.7: the named properties a file uses, each mapped to a property id
 * (NPID) from 0x8000 up. Every file starts with PidNameKeywords (categories) and, so that the GUID stream is not
 * empty (libpff treats an empty one as a missing map), PidLidReminderDelta in PSETID_Common. Item kinds and carried
 * properties add names as messages are written; the map is one per writer, written by `finish()`, and a message
 * that is rolled back (a failed write, a size projection) takes its names with it (`mark` / `truncate`).
 */
import { pstCrc } from '../encode/crc.js';
import { viewOf } from '../io/bytes.js';
import { PropType, tag } from '../ltp/property-type.js';
import { PropertyList, utf16 } from '../ltp/property-value.js';
import { Prop } from './schema.js';

/** PidNameKeywords: the message's categories (PS_PUBLIC_STRINGS, "Keywords"), NPID 0x8000. */
export const TAG_KEYWORDS = tag(0x8000, PropType.MultipleString);

/** Property sets ([MS-OXPROPS] §1.3.2) as GUID text. */
export const PropertySet = {
  PS_MAPI: '00020328-0000-0000-c000-000000000046',
  PS_PUBLIC_STRINGS: '00020329-0000-0000-c000-000000000046',
  Common: '00062008-0000-0000-c000-000000000046',
  Address: '00062004-0000-0000-c000-000000000046',
  Appointment: '00062002-0000-0000-c000-000000000046',
  Task: '00062003-0000-0000-c000-000000000046',
  Note: '0006200e-0000-0000-c000-000000000046',
} as const;

/** A named property: a set and a numeric LID or a string name. */
export interface PropertyName {
  readonly set: string;
  readonly id: number | string;
}

const BUCKET_COUNT = 251;
/** NPIDs run from 0x8000 to 0xFFFE. */
export const MAX_NAMED_PROPERTIES = 0x7fff;
const GUID_TEXT = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/** The GUID text in canonical form (lower case, no braces), or undefined when it is not a GUID. */
export function canonicalGuid(text: string): string | undefined {
  const m = GUID_TEXT.exec(text.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase() : undefined;
}

/** A GUID's 16 bytes as stored ([MS-OXCDATA] §2.5.1: Data1..3 little-endian, Data4 as is). */
export function guidBytes(canonical: string): Uint8Array {
  const hex = canonical.replaceAll('-', '');
  const b = Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  return Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

function nameKey(set: string, id: number | string): string {
  return typeof id === 'number' ? `${set}#${id}` : `${set}$${id}`;
}

/** The named properties of one file, in NPID order. */
export class NamedPropertyMap {
  private readonly names: PropertyName[] = [];
  private readonly byKey = new Map<string, number>();
  /** Changes whenever the map does (also when truncated), so that a recorded write of it can be known stale. */
  private changes = 0;

  constructor() {
    this.npid({ set: PropertySet.PS_PUBLIC_STRINGS, id: 'Keywords' });
    this.npid({ set: PropertySet.Common, id: 0x8501 });
  }

  get generation(): number {
    return this.changes;
  }

  get size(): number {
    return this.names.length;
  }

  /** The NPID of a name, added when new. `set` must be canonical (see `canonicalGuid`). */
  npid(name: PropertyName): number {
    const key = nameKey(name.set, name.id);
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    if (this.names.length >= MAX_NAMED_PROPERTIES)
      throw new RangeError(`a PST holds at most ${MAX_NAMED_PROPERTIES} named properties`);
    const id = 0x8000 + this.names.length;
    this.names.push(name);
    this.byKey.set(key, id);
    this.changes++;
    return id;
  }

  /** The NPID of a name if the map has it. */
  find(set: string, id: number | string): number | undefined {
    return this.byKey.get(nameKey(set, id));
  }

  /** A point to go back to with `truncate`. */
  mark(): number {
    return this.names.length;
  }

  /** Drops the names added since `mark`. */
  truncate(mark: number): void {
    if (mark >= this.names.length) return;
    for (const name of this.names.splice(mark)) this.byKey.delete(nameKey(name.set, name.id));
    this.changes++;
  }

  /** The properties of the map's PC. */
  properties(): PropertyList {
    // wGuid: 1 PS_MAPI, 2 PS_PUBLIC_STRINGS, 3 + n the n-th GUID of the GUID stream.
    const guids: string[] = [];
    const guidIndex = new Map<string, number>();
    const wGuid = (set: string): number => {
      if (set === PropertySet.PS_MAPI) return 1;
      if (set === PropertySet.PS_PUBLIC_STRINGS) return 2;
      let i = guidIndex.get(set);
      if (i === undefined) {
        i = guids.length;
        guids.push(set);
        guidIndex.set(set, i);
      }
      return 3 + i;
    };
    const strings: Uint8Array[] = [];
    let stringBytes = 0;
    const entries = new Uint8Array(this.names.length * 8);
    const entryView = viewOf(entries);
    const buckets = new Map<number, Uint8Array[]>();
    this.names.forEach((name, index) => {
      let dw: number;
      let hash: number;
      if (typeof name.id === 'string') {
        const text = utf16(name.id);
        // The string stream: a 4-byte length, the UTF-16LE name, padded to a multiple of 4 bytes (§2.4.7.4).
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
      const guidAndKind = (wGuid(name.set) << 1) | (typeof name.id === 'string' ? 1 : 0);
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
      const list = buckets.get(bucket);
      if (list) list.push(hashed);
      else buckets.set(bucket, [hashed]);
    });
    const stringStream = new Uint8Array(stringBytes);
    let at = 0;
    for (const s of strings) {
      stringStream.set(s, at);
      at += s.length;
    }
    const guidStream = new Uint8Array(guids.length * 16);
    guids.forEach((g, i) => {
      guidStream.set(guidBytes(g), i * 16);
    });
    const props = new PropertyList()
      .int32(Prop.NameidBucketCount, BUCKET_COUNT)
      .binary(Prop.NameidStreamGuid, guidStream)
      .binary(Prop.NameidStreamEntry, entries)
      .binary(Prop.NameidStreamString, stringStream);
    for (const [bucket, items] of [...buckets].sort((a, b) => a[0] - b[0])) {
      const bytes = new Uint8Array(items.length * 8);
      items.forEach((item, i) => {
        bytes.set(item, i * 8);
      });
      props.binary(Prop.NameidBucketBase + bucket, bytes);
    }
    return props;
  }
}
