/**
 * Every property of a PST item (message or attachment), read from its property context (PC, [MS-PST] §2.3.3) as
 * pst-extractor has parsed it, and turned into the record model's `ExtraProperty`: tagged properties by id, named
 * ones (0x8000 and up) by their set and LID or name from the file's own Name-to-ID map (see `pst-named-map.ts`).
 *
 * Values are decoded by type ([MS-OXCDATA] §2.11.1); multi-valued ones from their [MS-PST] §2.3.3.4.2 layout (a
 * count and offsets for the variable-size types, packed values for the fixed-size ones). PtypObject (an attachment's
 * embedded data) and types the record model has no value for are not carried. PtypTime keeps millisecond precision
 * (a `Date`): the 100-ns ticks below a millisecond are lost. A named property id (0x8000 and up) that the file's
 * Name-to-ID map does not list is not carried: without a set and name it cannot be named in another file (some
 * writers leave such ids; libpff names none of them either).
 */
import type { MessageRecord } from '@pstream/pst';
import type { PropertyName } from './pst-named-map.js';

export type ExtraProperty = NonNullable<MessageRecord['extraProperties']>[number];
export type ExtraPropertyValue = ExtraProperty['value'];

/** pst-extractor's parsed PC entry (PSTTableItem). */
export interface PstTableItem {
  readonly entryType: { toNumber(): number };
  readonly entryValueType: number;
  readonly entryValueReference: number;
  readonly isExternalValueReference: boolean;
  readonly data: Buffer;
}

/** The protected members of pst-extractor's PSTObject that hold an item's PC and subnodes. */
export interface PstObjectInternals {
  readonly pstTableItems: Map<number, PstTableItem> | null;
  readonly localDescriptorItems: Map<number, { getData(): Buffer }> | null;
}

/** The PC entries of an item, in id order. */
export function objectProperties(object: unknown): PstTableItem[] {
  const items = (object as PstObjectInternals).pstTableItems;
  return items ? [...items.values()].sort((a, b) => a.entryType.toNumber() - b.entryType.toNumber()) : [];
}

/** The bytes of a variable-size value: in the PC's heap, or in a subnode; undefined when the subnode is missing. */
export function valueBytes(object: unknown, item: PstTableItem): Buffer | undefined {
  if (!item.isExternalValueReference) return item.data;
  const node = (object as PstObjectInternals).localDescriptorItems?.get(item.entryValueReference);
  return node?.getData();
}

/** FILETIME (100-ns ticks since 1601-01-01 UTC) to a Date. */
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;
function fileTime(bytes: Buffer, at: number): Date {
  return new Date(Number((bytes.readBigUInt64LE(at) - FILETIME_UNIX_EPOCH) / 10_000n));
}

/** Fixed-size multi-valued types: their element size and reader. */
const FIXED_MULTI: Readonly<
  Record<number, readonly [ExtraPropertyValue['type'], number, (b: Buffer, at: number) => unknown]>
> = {
  0x1002: ['MultipleInteger16', 2, (b, at) => b.readInt16LE(at)],
  0x1003: ['MultipleInteger32', 4, (b, at) => b.readInt32LE(at)],
  0x1004: ['MultipleFloating32', 4, (b, at) => b.readFloatLE(at)],
  0x1005: ['MultipleFloating64', 8, (b, at) => b.readDoubleLE(at)],
  0x1006: ['MultipleCurrency', 8, (b, at) => b.readBigInt64LE(at)],
  0x1014: ['MultipleInteger64', 8, (b, at) => b.readBigInt64LE(at)],
  0x1040: ['MultipleTime', 8, fileTime],
  0x1048: ['MultipleGuid', 16, (b, at) => Uint8Array.prototype.slice.call(b, at, at + 16)],
};

/** The elements of a variable-size multi-valued value: ulCount, rgulDataOffsets, then the data ([MS-PST] §2.3.3.4.2). */
function variableElements(bytes: Buffer): Buffer[] {
  if (bytes.length < 4) return [];
  const count = bytes.readUInt32LE(0);
  if (count * 4 + 4 > bytes.length)
    throw new Error(`a multi-valued property of ${count} values does not fit its ${bytes.length} bytes`);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const start = bytes.readUInt32LE(4 + i * 4);
    const end = i + 1 < count ? bytes.readUInt32LE(8 + i * 4) : bytes.length;
    if (start > end || end > bytes.length)
      throw new Error(`a multi-valued property's value ${i} lies outside its bytes`);
    out.push(bytes.subarray(start, end));
  }
  return out;
}

/** Text in a code page; windows-1252 when the platform does not know it. */
function decode8(bytes: Buffer, codePage: string): string {
  let text: string;
  try {
    text = new TextDecoder(codePage || 'windows-1252').decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.replace(/\0+$/, '');
}

const utf16 = (bytes: Buffer): string => bytes.toString('utf16le').replace(/\0+$/, '');
const copy = (bytes: Buffer): Uint8Array => Uint8Array.prototype.slice.call(bytes);

/** The value of one PC entry, or undefined for a type not carried. `codePage`: for PtypString8 (a label TextDecoder knows). */
export function propertyValue(object: unknown, item: PstTableItem, codePage: string): ExtraPropertyValue | undefined {
  const type = item.entryValueType;
  if (INLINE_TYPES.has(type)) {
    // A value of 4 bytes or less is the PC entry's dwValueHnid itself ([MS-PST] §2.3.3.3).
    const inline = Buffer.alloc(4);
    inline.writeUInt32LE(item.entryValueReference >>> 0);
    return decodeValue(type, inline, codePage);
  }
  const bytes = valueBytes(object, item);
  return bytes === undefined ? undefined : decodeValue(type, bytes, codePage);
}

/** The types a PC holds in the entry itself: Integer16, Integer32, Floating32, ErrorCode, Boolean. */
const INLINE_TYPES = new Set([0x0002, 0x0003, 0x0004, 0x000a, 0x000b]);

/**
 * A value of property type `type` from its bytes (fixed-size values at the start of `bytes`, as a .msg file's
 * property stream holds them in 8 bytes); undefined for a type not carried or bytes too short.
 */
export function decodeValue(type: number, bytes: Buffer, codePage: string): ExtraPropertyValue | undefined {
  switch (type) {
    case 0x0002:
      return bytes.length >= 2 ? { type: 'Integer16', value: bytes.readInt16LE(0) } : undefined;
    case 0x0003:
      return bytes.length >= 4 ? { type: 'Integer32', value: bytes.readInt32LE(0) } : undefined;
    case 0x000a:
      return bytes.length >= 4 ? { type: 'ErrorCode', value: bytes.readUInt32LE(0) } : undefined;
    case 0x0004:
      return bytes.length >= 4 ? { type: 'Floating32', value: bytes.readFloatLE(0) } : undefined;
    case 0x000b:
      return bytes.length >= 1 ? { type: 'Boolean', value: bytes[0] !== 0 } : undefined;
  }
  const fixed = FIXED_MULTI[type];
  if (fixed !== undefined) {
    const [name, size, read] = fixed;
    const values = Array.from({ length: Math.floor(bytes.length / size) }, (_, i) => read(bytes, i * size));
    return { type: name, value: values } as ExtraPropertyValue;
  }
  switch (type) {
    case 0x0005:
      return bytes.length >= 8 ? { type: 'Floating64', value: bytes.readDoubleLE(0) } : undefined;
    case 0x0006:
      return bytes.length >= 8 ? { type: 'Currency', value: bytes.readBigInt64LE(0) } : undefined;
    case 0x0007:
      return bytes.length >= 8 ? { type: 'FloatingTime', value: bytes.readDoubleLE(0) } : undefined;
    case 0x0014:
      return bytes.length >= 8 ? { type: 'Integer64', value: bytes.readBigInt64LE(0) } : undefined;
    case 0x0040:
      return bytes.length >= 8 ? { type: 'Time', value: fileTime(bytes, 0) } : undefined;
    case 0x0048:
      return bytes.length >= 16 ? { type: 'Guid', value: copy(bytes.subarray(0, 16)) } : undefined;
    case 0x001f:
      return { type: 'String', value: utf16(bytes) };
    case 0x001e:
      return { type: 'String8', value: decode8(bytes, codePage) };
    case 0x0102:
      return { type: 'Binary', value: copy(bytes) };
    case 0x101f:
      return { type: 'MultipleString', value: variableElements(bytes).map(utf16) };
    case 0x101e:
      return { type: 'MultipleString8', value: variableElements(bytes).map((b) => decode8(b, codePage)) };
    case 0x1102:
      return { type: 'MultipleBinary', value: variableElements(bytes).map(copy) };
    default:
      return undefined;
  }
}

/**
 * The tagged properties of a message that are not carried in `extraProperties`, because the writer makes them anew
 * for the file it writes and the source's values would be wrong there: the item's identity in the source store
 * (PidTagEntryId 0x0FFF, PidTagRecordKey 0x0FF9, PidTagInstanceKey 0x0FF6, PidTagParentEntryId 0x0E09,
 * PidTagStoreEntryId 0x0FFB, PidTagStoreRecordKey 0x0FFA, PidTagObjectType 0x0FFE), values computed from the item
 * (PidTagMessageSize 0x0E08, PidTagMessageFlags 0x0E07, PidTagHasAttachments 0x0E1B, PidTagDisplayTo / Cc / Bcc
 * 0x0E04 / 0x0E03 / 0x0E02, PidTagParentDisplay 0x0E05), the access rights the store grants (PidTagAccess 0x0FF4,
 * PidTagAccessLevel 0x0FF7), the table-row ids (PidTagLtpRowId 0x67F2, PidTagLtpRowVer 0x67F3), and the
 * replication state that ties the item to its source store's replica (PidTagReplItemid 0x0E30, PidTagReplChangenum
 * 0x0E33, PidTagReplVersionhistory 0x0E34, PidTagReplFlags 0x0E38), which the writer leaves out too.
 */
export const MESSAGE_NOT_CARRIED: ReadonlySet<number> = new Set([
  0x0fff, 0x0ff9, 0x0ff6, 0x0e09, 0x0ffb, 0x0ffa, 0x0ffe, 0x0e08, 0x0e07, 0x0e1b, 0x0e04, 0x0e03, 0x0e02, 0x0e05,
  0x0ff4, 0x0ff7, 0x67f2, 0x67f3, 0x0e30, 0x0e33, 0x0e34, 0x0e38,
]);

/**
 * An attachment's properties not carried: those of a message above, and those the writer sets from the attachment it
 * stores — the data itself (PidTagAttachDataBinary / PidTagAttachDataObject 0x3701, given by `open` or `message`),
 * PidTagAttachSize 0x0E20, PidTagAttachNumber 0x0E21 and PidTagAttachMethod 0x3705 (an OLE object's data is stored
 * by value).
 */
export const ATTACHMENT_NOT_CARRIED: ReadonlySet<number> = new Set([
  ...MESSAGE_NOT_CARRIED,
  0x3701,
  0x0e20,
  0x0e21,
  0x3705,
]);

/**
 * Tagged properties the record has a field for, which the sources read into those fields and leave out of
 * `extraProperties` (the bodies would otherwise be held twice): subject and its parts, message class, the bodies
 * (plain, HTML, RTF), transport headers, message ids and references, the times, importance, sensitivity, sender and
 * author.
 */
export const NAMED_BY_RECORD: ReadonlySet<number> = new Set([
  0x0037, 0x0e1d, 0x003d, 0x001a, 0x1000, 0x1013, 0x1009, 0x007d, 0x1035, 0x1042, 0x1039, 0x0039, 0x0e06, 0x3007,
  0x3008, 0x0017, 0x0036, 0x0c1a, 0x0c1f, 0x0c1e, 0x0042, 0x0065, 0x0064,
]);

/**
 * The properties to carry beside a record's own fields: all but the tagged ones the record has a field for
 * (`NAMED_BY_RECORD`); of those, an empty string is carried as it is, since a record field is absent when empty.
 */
export function besideRecord(properties: readonly ExtraProperty[]): ExtraProperty[] {
  return properties.filter(
    (p) =>
      p.kind === 'named' ||
      !NAMED_BY_RECORD.has(p.id) ||
      ((p.value.type === 'String' || p.value.type === 'String8') && p.value.value === ''),
  );
}

/** A property by its id: tagged below 0x8000, else named by `names` (undefined when the map does not name it). */
export function extraProperty(
  id: number,
  value: ExtraPropertyValue,
  names: ReadonlyMap<number, PropertyName>,
): ExtraProperty | undefined {
  if (id < 0x8000) return { kind: 'tagged', id, value };
  const name = names.get(id);
  if (name === undefined) return undefined;
  return {
    kind: 'named',
    propertySet: name.propertySet,
    ...(name.lid !== undefined ? { lid: name.lid } : { name: name.name ?? '' }),
    value,
  };
}

/**
 * Every property of `object` as an `ExtraProperty`, but those in `skip` (tagged ids) and named ones the map does not
 * name. `codePage` decodes PtypString8 values (pst-extractor's charset name of the item's code page).
 */
export function extraProperties(
  object: unknown,
  names: ReadonlyMap<number, PropertyName>,
  skip: ReadonlySet<number>,
  codePage: string,
): ExtraProperty[] {
  const out: ExtraProperty[] = [];
  for (const item of objectProperties(object)) {
    const id = item.entryType.toNumber();
    if (skip.has(id)) continue;
    let value: ExtraPropertyValue | undefined;
    try {
      value = propertyValue(object, item, codePage);
    } catch {
      // A value whose bytes cannot be read or do not fit their type is not carried.
      continue;
    }
    const carried = value === undefined ? undefined : extraProperty(id, value, names);
    if (carried !== undefined) out.push(carried);
  }
  return out;
}
