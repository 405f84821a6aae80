/**
 * Every property of the objects of a .msg file — the message, its attachments and recipients, embedded messages —
 * read from the file's compound-file storages ([MS-OXMSG] §2.4): the property stream (`__properties_version1.0`,
 * 16 bytes per property: tag, flags, and the value itself when it is of fixed size) and one stream per
 * variable-size value (`__substg1.0_TTTTTTTT`; a multi-valued one has a stream of lengths and one stream per
 * value, `…-0000000N`). Named properties (0x8000 and up) are named by the file's `__nameid_version1.0` storage
 * ([MS-OXMSG] §2.2.3), which embedded messages share with the top-level message.
 *
 * The storages are reached through @kenjiuno/msgreader's compound-file reader, whose own property decoding keeps
 * neither every type (times become text) nor the property set of a named property with a string name.
 */
import type { PropertyName } from './pst-named-map.js';
import { parseNameMap } from './pst-named-map.js';
import { decodeValue, type ExtraProperty, type ExtraPropertyValue, extraProperty } from './pst-properties.js';

/** A storage of msgreader's compound-file reader. */
export interface MsgStorage {
  readonly name: string;
  subFolders(): MsgStorage[];
  readFile(fileName: string): Uint8Array | null;
}

/** The header before a property stream's entries: 32 bytes in the top-level message, 24 in an embedded one, 8 elsewhere. */
export type StorageKind = 'message' | 'embedded' | 'other';
const HEADER_BYTES: Readonly<Record<StorageKind, number>> = { message: 32, embedded: 24, other: 8 };
const PROPERTIES = '__properties_version1.0';
const NAMEID = '__nameid_version1.0';
const ATTACH_PREFIX = '__attach_version1.0_#';
const RECIP_PREFIX = '__recip_version1.0_#';
/** An embedded message's storage inside its attachment's: PidTagAttachDataObject as an object. */
const EMBEDDED = '__substg1.0_3701000D';

const VARIABLE_TYPES = new Set([0x001e, 0x001f, 0x0102, 0x0048, 0x000d]);
const MULTI_VARIABLE = new Set([0x101e, 0x101f, 0x1102]);

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function streamName(tag: number, index?: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return index === undefined
    ? `__substg1.0_${hex}`
    : `__substg1.0_${hex}-${index.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** The file's named-property map, from the root storage. */
export function msgNameMap(root: MsgStorage): Map<number, PropertyName> {
  const nameid = root.subFolders().find((f) => f.name === NAMEID);
  if (nameid === undefined) return new Map();
  const stream = (id: number): Buffer | undefined => {
    const bytes = nameid.readFile(streamName((id << 16) | 0x0102));
    return bytes === null ? undefined : buffer(bytes);
  };
  return parseNameMap(stream(0x0002), stream(0x0003), stream(0x0004));
}

/** The values of a variable-size multi-valued property: a lengths stream, then one stream per value. */
function multiValues(storage: MsgStorage, tag: number, codePage: string): ExtraPropertyValue | undefined {
  const lengths = storage.readFile(streamName(tag));
  if (lengths === null) return undefined;
  const type = tag & 0xffff;
  // Lengths are 4 bytes per value for strings and 8 (length, reserved) for binaries ([MS-OXMSG] §2.1.4.2.2).
  const count = Math.floor(lengths.length / (type === 0x1102 ? 8 : 4));
  const values: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = storage.readFile(streamName(tag, i));
    if (bytes === null) return undefined;
    values.push(buffer(bytes));
  }
  if (type === 0x101f)
    return { type: 'MultipleString', value: values.map((b) => b.toString('utf16le').replace(/\0+$/, '')) };
  if (type === 0x1102) return { type: 'MultipleBinary', value: values.map((b) => Uint8Array.prototype.slice.call(b)) };
  const strings = values.map((b) => (decodeValue(0x001e, b, codePage) as { value: string } | undefined)?.value ?? '');
  return { type: 'MultipleString8', value: strings };
}

/** Every property of one storage, but the tagged ones in `skip` and named ones the map does not name. */
export function storageProperties(
  storage: MsgStorage,
  kind: StorageKind,
  names: ReadonlyMap<number, PropertyName>,
  skip: ReadonlySet<number>,
  codePage: string,
): ExtraProperty[] {
  const stream = storage.readFile(PROPERTIES);
  if (stream === null) return [];
  const bytes = buffer(stream);
  const out: ExtraProperty[] = [];
  for (let at = HEADER_BYTES[kind]; at + 16 <= bytes.length; at += 16) {
    const tag = bytes.readUInt32LE(at);
    const id = tag >>> 16;
    const type = tag & 0xffff;
    if (tag === 0 || skip.has(id)) continue;
    let value: ExtraPropertyValue | undefined;
    try {
      if (MULTI_VARIABLE.has(type)) value = multiValues(storage, tag, codePage);
      else if (VARIABLE_TYPES.has(type) || (type & 0x1000) !== 0) {
        const data = storage.readFile(streamName(tag));
        value = data === null ? undefined : decodeValue(type, buffer(data), codePage);
      } else {
        value = decodeValue(type, bytes.subarray(at + 8, at + 16), codePage);
      }
    } catch {
      // A value whose bytes do not fit their type is not carried.
      continue;
    }
    const carried = value === undefined ? undefined : extraProperty(id, value, names);
    if (carried !== undefined) out.push(carried);
  }
  return out;
}

/** The attachment storages of a message storage, in the reader's order (the order of msgreader's `attachments`). */
export function attachmentStorages(message: MsgStorage): MsgStorage[] {
  return message.subFolders().filter((f) => f.name.startsWith(ATTACH_PREFIX));
}

/** The recipient storages of a message storage, in the reader's order (the order of msgreader's `recipients`). */
export function recipientStorages(message: MsgStorage): MsgStorage[] {
  return message.subFolders().filter((f) => f.name.startsWith(RECIP_PREFIX));
}

/** The embedded message's storage of an attachment storage, if it holds one. */
export function embeddedStorage(attachment: MsgStorage): MsgStorage | undefined {
  return attachment.subFolders().find((f) => f.name === EMBEDDED);
}

/** A code page number as a label TextDecoder knows. */
export function codePageLabel(codePage: number | undefined): string {
  if (codePage === undefined) return 'windows-1252';
  if (codePage === 65001) return 'utf-8';
  if (codePage === 20127) return 'us-ascii';
  if (codePage === 932) return 'shift_jis';
  if (codePage === 936) return 'gbk';
  if (codePage === 949) return 'euc-kr';
  if (codePage === 950) return 'big5';
  if (codePage >= 1250 && codePage <= 1258) return `windows-${codePage}`;
  if (codePage >= 28591 && codePage <= 28605) return `iso-8859-${codePage - 28590}`;
  return 'windows-1252';
}
