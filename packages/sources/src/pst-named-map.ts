/**
 * The Name-to-ID map of a source PST (NID 0x61, [MS-PST] §2.4.7), read by this package for each file: which property
 * set and LID or string name each named property id (0x8000 and up) of the file stands for.
 *
 * pst-extractor reads the map too, but into a static field shared by every open file, and keeps a set's GUID only
 * when it is one it knows: a named property of another set would come out under the wrong name. Here the map is
 * the file's own, read from the map's three streams through pst-extractor's node access.
 */
import type { PSTFile, PSTFolder } from 'pst-extractor';
import { objectProperties, type PstObjectInternals, valueBytes } from './pst-properties.js';

/** A named property's identity ([MS-OXCDATA] §2.6.1 PropertyName): the set, and a LID or a string name. */
export interface PropertyName {
  /** The property set GUID, lowercase, `00062002-0000-0000-c000-000000000046`. */
  readonly propertySet: string;
  readonly lid?: number;
  readonly name?: string;
}

/** PS_MAPI and PS_PUBLIC_STRINGS, the sets of wGuid 1 and 2 ([MS-PST] §2.4.7.1). */
const PS_MAPI = '00020328-0000-0000-c000-000000000046';
const PS_PUBLIC_STRINGS = '00020329-0000-0000-c000-000000000046';
const NID_NAME_TO_ID_MAP = 0x61;
/** The map's PC: PidTagNameidStreamGuid, PidTagNameidStreamEntry, PidTagNameidStreamString. */
const STREAM_GUID = 0x0002;
const STREAM_ENTRY = 0x0003;
const STREAM_STRING = 0x0004;

/** A GUID in its 16-byte form (Data1..Data3 little-endian) as text. */
export function guidText(bytes: Uint8Array, at = 0): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset + at, 16);
  const hex = (from: number, to: number): string => b.subarray(from, to).toString('hex');
  return [
    b.readUInt32LE(0).toString(16).padStart(8, '0'),
    b.readUInt16LE(4).toString(16).padStart(4, '0'),
    b.readUInt16LE(6).toString(16).padStart(4, '0'),
    hex(8, 10),
    hex(10, 16),
  ].join('-');
}

/**
 * Reads the map of `pst`. A file without a readable map gives an empty one: its named properties are then not
 * carried (they cannot be named), which `readNamedMap`'s caller says in its doc.
 */
export function readNamedMap(pst: PSTFile, anyFolder: PSTFolder): Map<number, PropertyName> {
  let streams: Map<number, Buffer>;
  try {
    // A PSTObject (the class every pst-extractor item extends) on the map's node reads its PC and subnodes.
    const PSTObject = Object.getPrototypeOf(anyFolder.constructor) as new (
      file: PSTFile,
      node: unknown,
    ) => PstObjectInternals;
    const Long = (anyFolder.descriptorNodeId as unknown as { constructor: { fromNumber(n: number): unknown } })
      .constructor;
    const node = (pst as unknown as { getDescriptorIndexNode(id: unknown): unknown }).getDescriptorIndexNode(
      Long.fromNumber(NID_NAME_TO_ID_MAP),
    );
    const object = new PSTObject(pst, node);
    streams = new Map();
    for (const item of objectProperties(object)) {
      const bytes = valueBytes(object, item);
      if (bytes !== undefined) streams.set(item.entryType.toNumber(), bytes);
    }
  } catch {
    return new Map();
  }
  return parseNameMap(streams.get(STREAM_GUID), streams.get(STREAM_ENTRY), streams.get(STREAM_STRING));
}

/**
 * The map from its GUID, entry and string streams, which a PST's map PC ([MS-PST] §2.4.7) and a .msg file's
 * `__nameid_version1.0` storage ([MS-OXMSG] §2.2.3) hold alike.
 */
export function parseNameMap(
  guids: Buffer = Buffer.alloc(0),
  entries: Buffer = Buffer.alloc(0),
  strings: Buffer = Buffer.alloc(0),
): Map<number, PropertyName> {
  const map = new Map<number, PropertyName>();
  // NAMEID entries of 8 bytes: dwPropertyID, wGuid << 1 | N, wPropIdx ([MS-PST] §2.4.7.1).
  for (let at = 0; at + 8 <= entries.length; at += 8) {
    const dw = entries.readUInt32LE(at);
    const guidAndKind = entries.readUInt16LE(at + 4);
    const id = 0x8000 + entries.readUInt16LE(at + 6);
    const guidIndex = guidAndKind >> 1;
    let propertySet: string;
    if (guidIndex === 1) propertySet = PS_MAPI;
    else if (guidIndex === 2) propertySet = PS_PUBLIC_STRINGS;
    else if (guidIndex >= 3 && (guidIndex - 3) * 16 + 16 <= guids.length)
      propertySet = guidText(guids, (guidIndex - 3) * 16);
    else continue;
    if ((guidAndKind & 1) === 0) {
      map.set(id, { propertySet, lid: dw });
    } else if (dw + 4 <= strings.length) {
      // The string stream: a 4-byte length, then the name in UTF-16LE.
      const length = strings.readUInt32LE(dw);
      if (dw + 4 + length > strings.length) continue;
      map.set(id, { propertySet, name: strings.toString('utf16le', dw + 4, dw + 4 + length).replace(/\0+$/, '') });
    }
  }
  return map;
}
