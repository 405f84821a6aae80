/**
 * Properties carried as they are from a PST or MSG source that the record model does not name, so that a
 * PST-to-PST export loses nothing: tagged properties (an id below 0x8000) and named ones (a property set GUID with a
 * numeric LID or a string name, [MS-OXCDATA] §2.6 PropertyName), in every type the writer stores ([MS-OXCDATA]
 * §2.11.1).
 *
 * Precedence, for a tagged property by its id and a named one by its set and LID or name, whatever the type:
 * 1. what the writer sets from the record's given fields, and the file's structure (object type, EntryIDs and record
 *    keys, sizes, PidTagMessageFlags, replication ids, the recipient and attachment tables, the bodies' sync and code
 *    page properties);
 * 2. the extra properties, the first of two with the same id or name;
 * 3. what the writer sets for a kind section's absent fields (not recurring, no reminder, no meeting, busy, a
 *    display name built from the name parts, …), so that a PST item's own values of those are kept.
 */

import { PropType } from '../ltp/property-type.js';

/** A value in one of the property types the writer stores, named as [MS-OXCDATA] §2.11.1 names them (PtypX). */
export type ExtraPropertyValue =
  /** Integer16, Integer32 and ErrorCode are 16- and 32-bit integers; Floating32 and Floating64 are IEEE floats. */
  | { readonly type: 'Integer16' | 'Integer32' | 'Floating32' | 'Floating64' | 'ErrorCode'; readonly value: number }
  /** A FloatingTime is an OLE automation date (days since 1899-12-30, as a float). */
  | { readonly type: 'FloatingTime'; readonly value: number }
  /** Currency is a 64-bit integer of ten-thousandths. */
  | { readonly type: 'Integer64' | 'Currency'; readonly value: bigint }
  | { readonly type: 'Boolean'; readonly value: boolean }
  /** String is Unicode; String8 text in the item's code page, given here decoded. */
  | { readonly type: 'String' | 'String8'; readonly value: string }
  | { readonly type: 'Time'; readonly value: Date }
  /** 16 bytes as stored (the first three fields little-endian). */
  | { readonly type: 'Guid'; readonly value: Uint8Array }
  | { readonly type: 'Binary'; readonly value: Uint8Array }
  | {
      readonly type: 'MultipleInteger16' | 'MultipleInteger32' | 'MultipleFloating32' | 'MultipleFloating64';
      readonly value: readonly number[];
    }
  | { readonly type: 'MultipleInteger64' | 'MultipleCurrency'; readonly value: readonly bigint[] }
  | { readonly type: 'MultipleString' | 'MultipleString8'; readonly value: readonly string[] }
  | { readonly type: 'MultipleTime'; readonly value: readonly Date[] }
  | { readonly type: 'MultipleGuid' | 'MultipleBinary'; readonly value: readonly Uint8Array[] };

export type ExtraPropertyType = ExtraPropertyValue['type'];

/** The type codes ([MS-OXCDATA] §2.11.1) of the types above, for sources that read them from a file. */
export const PROPERTY_TYPE_CODES: Readonly<Record<ExtraPropertyType, number>> = {
  Integer16: PropType.Integer16,
  Integer32: PropType.Integer32,
  Floating64: PropType.Floating64,
  ErrorCode: PropType.ErrorCode,
  Boolean: PropType.Boolean,
  Integer64: PropType.Integer64,
  String8: PropType.String8,
  String: PropType.String,
  Time: PropType.Time,
  Guid: PropType.Guid,
  Binary: PropType.Binary,
  MultipleInteger32: PropType.MultipleInteger32,
  MultipleString: PropType.MultipleString,
  MultipleBinary: PropType.MultipleBinary,
  Floating32: 0x0004,
  Currency: 0x0006,
  FloatingTime: 0x0007,
  MultipleInteger16: 0x1002,
  MultipleFloating32: 0x1004,
  MultipleFloating64: 0x1005,
  MultipleCurrency: 0x1006,
  MultipleInteger64: 0x1014,
  MultipleString8: 0x101e,
  MultipleTime: 0x1040,
  MultipleGuid: 0x1048,
};

/** A tagged property: id 0x0001..0x7FFF. */
export interface TaggedExtraProperty {
  readonly kind: 'tagged';
  readonly id: number;
  readonly value: ExtraPropertyValue;
}

/** A named property: its set and its numeric LID or its string name (exactly one of them). */
export interface NamedExtraProperty {
  readonly kind: 'named';
  /** The property set GUID as text, `00062002-0000-0000-c000-000000000046` (any case, braces allowed). */
  readonly propertySet: string;
  readonly lid?: number;
  readonly name?: string;
  readonly value: ExtraPropertyValue;
}

export type ExtraProperty = TaggedExtraProperty | NamedExtraProperty;
