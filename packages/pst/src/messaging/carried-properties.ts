/**
 * Storing the properties a record carries from a PST or MSG source (`extraProperties`) as they are, after the
 * writer's own: see `ExtraProperty` for the precedence. Values are encoded as [MS-PST] §2.3.3.4 stores them: fixed
 * sizes of 4 bytes or less inline, other fixed sizes as their bytes, multi-valued fixed sizes packed, multi-valued
 * variable sizes with a count and offsets. String8 values are stored as String (Unicode), which every reader reads as
 * the same text.
 */

import { MAX_PC_PROPERTIES } from '../ltp/property-context.js';
import { PropType, tag } from '../ltp/property-type.js';
import { cleanText, filetime, multipleStrings, multipleValues, type PropertyList } from '../ltp/property-value.js';
import type { ExtraProperty, ExtraPropertyValue } from './extra-properties.js';
import { PROPERTY_TYPE_CODES } from './extra-properties.js';
import { float64 } from './item-properties.js';
import { canonicalGuid, type NamedPropertyMap, PropertySet } from './named-properties.js';
import { PstInputError } from './validate.js';

/**
 * Tagged ids the writer owns for the file's structure, never taken from a source: sizes, flags and counts it
 * computes, object and entry identities, replication ids, the object-valued table properties, attachment data.
 */
const STRUCTURAL = new Set([
  0x0e07, // PidTagMessageFlags
  0x0e08, // PidTagMessageSize
  0x0e09, // PidTagParentEntryId
  0x0e12, // PidTagMessageRecipients
  0x0e13, // PidTagMessageAttachments
  0x0e1b, // PidTagHasAttachments
  0x0e20, // PidTagAttachSize
  0x0e21, // PidTagAttachNumber
  0x0e30,
  0x0e33,
  0x0e34,
  0x0e38, // replication ids
  0x0ff4, // PidTagAccess
  0x0ff6, // PidTagInstanceKey
  0x0ff9, // PidTagRecordKey
  0x0ffe, // PidTagObjectType
  0x0fff, // PidTagEntryId
  0x3701, // PidTagAttachDataBinary / PidTagAttachDataObject
  0x3705, // PidTagAttachMethod
  0x67f2,
  0x67f3, // LTP row id and version
]);

/** The property tag's type code and stored value of an extra property's value. */
function encode(v: ExtraPropertyValue): { type: number; value: number | string | Uint8Array } {
  switch (v.type) {
    case 'Integer16':
    case 'Integer32':
    case 'ErrorCode':
      return { type: PROPERTY_TYPE_CODES[v.type], value: v.value | 0 };
    case 'Boolean':
      return { type: PropType.Boolean, value: v.value ? 1 : 0 };
    case 'Floating32': {
      const view = new DataView(new ArrayBuffer(4));
      view.setFloat32(0, v.value, true);
      return { type: 0x0004, value: view.getInt32(0, true) };
    }
    case 'Floating64':
    case 'FloatingTime':
      return { type: PROPERTY_TYPE_CODES[v.type], value: float64(v.value) };
    case 'Integer64':
    case 'Currency':
      return {
        type: PROPERTY_TYPE_CODES[v.type],
        value: packed([v.value], 8, (view, at, x) => view.setBigInt64(at, x, true)),
      };
    case 'String':
    case 'String8':
      return { type: PropType.String, value: cleanText(v.value) };
    case 'Time':
      return { type: PropType.Time, value: filetime(v.value) };
    case 'Guid':
    case 'Binary':
      return { type: PROPERTY_TYPE_CODES[v.type], value: v.value };
    case 'MultipleInteger16':
      return { type: 0x1002, value: packed(v.value, 2, (view, at, x) => view.setInt16(at, x, true)) };
    case 'MultipleInteger32':
      return { type: 0x1003, value: packed(v.value, 4, (view, at, x) => view.setInt32(at, x, true)) };
    case 'MultipleFloating32':
      return { type: 0x1004, value: packed(v.value, 4, (view, at, x) => view.setFloat32(at, x, true)) };
    case 'MultipleFloating64':
      return { type: 0x1005, value: packed(v.value, 8, (view, at, x) => view.setFloat64(at, x, true)) };
    case 'MultipleInteger64':
    case 'MultipleCurrency':
      return {
        type: PROPERTY_TYPE_CODES[v.type],
        value: packed(v.value, 8, (view, at, x) => view.setBigInt64(at, x, true)),
      };
    case 'MultipleString':
    case 'MultipleString8':
      return { type: PropType.MultipleString, value: multipleStrings(v.value) };
    case 'MultipleTime':
      return { type: 0x1040, value: concat(v.value.map(filetime)) };
    case 'MultipleGuid':
      return { type: 0x1048, value: concat(v.value) };
    case 'MultipleBinary':
      return { type: PropType.MultipleBinary, value: multipleValues(v.value) };
  }
}

function packed<T>(
  values: readonly T[],
  size: number,
  put: (view: DataView, at: number, value: T) => void,
): Uint8Array {
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  values.forEach((x, i) => {
    put(view, i * size, x);
  });
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}

/** Adds the extra properties that neither the writer's own properties nor an earlier extra property hold. */
export function storeExtraProperties(
  names: NamedPropertyMap,
  extras: readonly ExtraProperty[] | undefined,
  p: PropertyList,
  field: string,
): void {
  if (!extras || extras.length === 0) return;
  const taken = new Set(p.items.map((item) => item.tag >>> 16));
  for (const extra of extras) {
    if (p.items.length >= MAX_PC_PROPERTIES) {
      throw new PstInputError(
        `${field}`,
        extras.length,
        `hold more properties than one item can (${MAX_PC_PROPERTIES} in all)`,
      );
    }
    let id: number;
    if (extra.kind === 'tagged') {
      if (STRUCTURAL.has(extra.id)) continue;
      id = extra.id;
    } else {
      const set = canonicalGuid(extra.propertySet)!;
      // PS_MAPI names a tagged property by its id ([MS-OXPROPS] §1.3.2): stored as that tagged property.
      const mapi = set === PropertySet.PS_MAPI && extra.lid !== undefined && extra.lid > 0 && extra.lid < 0x8000;
      if (mapi && STRUCTURAL.has(extra.lid!)) continue;
      id = mapi ? extra.lid! : names.npid({ set, id: extra.lid ?? extra.name! });
    }
    if (taken.has(id)) continue;
    taken.add(id);
    const { type, value } = encode(extra.value);
    p.raw(tag(id, type), value);
  }
}
