/**
 * Encodings of property values — [MS-PST] §2.3.3.4 and [MS-OXCDATA] §2.11.1.
 */
import { Buffer } from 'node:buffer';
import { putU32, setU64, viewOf } from '../io/bytes.js';
import { PropType, tag, tagType } from './property-type.js';

/** A value already written to a subnode of the node (a large attachment's data): the PC stores its NID. */
export interface SubnodeValue {
  readonly subnodeNid: number;
}

/**
 * A property to store: fixed values of 4 bytes or less as numbers, a value already in a subnode as its NID, a
 * PtypString as its clean text (see `cleanText`; encoded as UTF-16LE where it is stored), everything else as its
 * encoded bytes.
 */
export interface Property {
  readonly tag: number;
  readonly value: number | string | Uint8Array | SubnodeValue;
}

/** Text made safe to store: lone surrogates become U+FFFD, NULs are dropped. */
export function cleanText(text: string): string {
  let s = text.isWellFormed() ? text : text.toWellFormed();
  if (s.includes('\0')) s = s.replaceAll('\0', '');
  return s;
}

/** PtypString: UTF-16LE without a terminating NUL (a trailing NUL shows as garbage in some clients). */
export function utf16(text: string): Uint8Array {
  return Buffer.from(cleanText(text), 'utf16le');
}

/** Slab that short UTF-8 values are encoded into, a view each (fewer, larger allocations than `Buffer.from`). */
const UTF8_SLAB = 65536;
let utf8Slab = Buffer.allocUnsafeSlow(UTF8_SLAB);
let utf8At = 0;

/** `text` as UTF-8. Lone surrogates become U+FFFD, as with `TextEncoder`. */
export function utf8(text: string): Uint8Array {
  const n = Buffer.byteLength(text, 'utf8');
  if (n > UTF8_SLAB / 4) return Buffer.from(text, 'utf8');
  if (utf8At + n > UTF8_SLAB) {
    utf8Slab = Buffer.allocUnsafeSlow(UTF8_SLAB);
    utf8At = 0;
  }
  const at = utf8At;
  utf8Slab.write(text, at, n, 'utf8');
  utf8At = (at + n + 7) & ~7;
  return new Uint8Array(utf8Slab.buffer, utf8Slab.byteOffset + at, n);
}

/** Milliseconds from 1601-01-01 to 1970-01-01. */
const EPOCH_OFFSET_MS = 11_644_473_600_000;

/** PtypTime: a FILETIME, 100-nanosecond intervals since 1601-01-01 UTC. */
export function filetime(date: Date): Uint8Array {
  const bytes = new Uint8Array(8);
  // ms × 10,000 exceeds 2^53: multiply in 16-bit halves of ms (below 2^44 from 1601 to 30828), exactly.
  const ms = date.getTime() + EPOCH_OFFSET_MS;
  const msLow = ms % 0x10000;
  const p = ((ms - msLow) / 0x10000) * 10_000; // below 2^42
  const pLow = p % 0x10000;
  const low = pLow * 0x10000 + msLow * 10_000; // below 2^33
  const carry = Math.floor(low / 0x1_0000_0000);
  putU32(bytes, 0, low - carry * 0x1_0000_0000);
  putU32(bytes, 4, (p - pLow) / 0x10000 + carry);
  return bytes;
}

export function int64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  setU64(viewOf(bytes), 0, value);
  return bytes;
}

/** PtypMultipleString: ulCount, rgulDataOffsets, then the strings ([MS-PST] §2.3.3.4.2). */
export function multipleStrings(values: readonly string[]): Uint8Array {
  return multipleValues(values.map(utf16));
}

/** A variable-size multi-valued property (PtypMultipleString, PtypMultipleBinary): ulCount, the offsets, the values. */
export function multipleValues(parts: readonly Uint8Array[]): Uint8Array {
  const head = 4 + 4 * parts.length;
  const total = head + parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  const view = viewOf(bytes);
  view.setUint32(0, parts.length, true);
  let at = head;
  parts.forEach((p, i) => {
    view.setUint32(4 + 4 * i, at, true);
    bytes.set(p, at);
    at += p.length;
  });
  return bytes;
}

/** Builds a property list in a readable way. */
export class PropertyList {
  readonly items: Property[] = [];

  int32(id: number, value: number): this {
    this.items.push({ tag: tag(id, PropType.Integer32), value: value | 0 });
    return this;
  }

  bool(id: number, value: boolean): this {
    this.items.push({ tag: tag(id, PropType.Boolean), value: value ? 1 : 0 });
    return this;
  }

  string(id: number, value: string): this {
    this.items.push({ tag: tag(id, PropType.String), value: cleanText(value) });
    return this;
  }

  /** A PtypString whose text is already clean (see `cleanText`), e.g. one shared by several properties. */
  cleanString(id: number, text: string): this {
    this.items.push({ tag: tag(id, PropType.String), value: text });
    return this;
  }

  binary(id: number, value: Uint8Array): this {
    this.items.push({ tag: tag(id, PropType.Binary), value });
    return this;
  }

  time(id: number, value: Date): this {
    this.items.push({ tag: tag(id, PropType.Time), value: filetime(value) });
    return this;
  }

  int64(id: number, value: number): this {
    this.items.push({ tag: tag(id, PropType.Integer64), value: int64(value) });
    return this;
  }

  strings(id: number, values: readonly string[]): this {
    this.items.push({ tag: tag(id, PropType.MultipleString), value: multipleStrings(values) });
    return this;
  }

  raw(t: number, value: Property['value']): this {
    this.items.push({ tag: t, value });
    return this;
  }

  get(id: number): Property | undefined {
    return this.items.find((p) => p.tag >>> 16 === id);
  }

  /** Replaces a fixed value of 4 bytes or less. */
  setInt(id: number, value: number): void {
    const i = this.items.findIndex((p) => p.tag >>> 16 === id);
    if (i < 0 || typeof this.items[i]!.value !== 'number')
      throw new Error(`internal: no inline property 0x${id.toString(16)}`);
    this.items[i] = { tag: this.items[i]!.tag, value: value | 0 };
  }

  has(id: number): boolean {
    return this.items.some((p) => p.tag >>> 16 === id);
  }

  typeOf(id: number): number | undefined {
    const p = this.get(id);
    return p && tagType(p.tag);
  }
}
