/**
 * Writing an item kind's properties: tagged ones straight into the message's property list, named ones
 * ([MS-OXPROPS] PidLid*) through the file's Name-to-ID map, which gives each its NPID.
 */
import { PropType, tag } from '../ltp/property-type.js';
import { filetime, multipleValues, type PropertyList } from '../ltp/property-value.js';
import type { NamedPropertyMap } from './named-properties.js';

/** PtypFloating64 as stored. */
export function float64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return bytes;
}

/** A message's property list with the named properties of one property set. */
export class NamedSetWriter {
  constructor(
    private readonly p: PropertyList,
    private readonly names: NamedPropertyMap,
    private readonly set: string,
  ) {}

  private id(lid: number): number {
    return this.names.npid({ set: this.set, id: lid });
  }

  string(lid: number, value: string | undefined): this {
    if (value !== undefined && value !== '') this.p.string(this.id(lid), value);
    return this;
  }

  int32(lid: number, value: number): this {
    this.p.int32(this.id(lid), value);
    return this;
  }

  bool(lid: number, value: boolean): this {
    this.p.bool(this.id(lid), value);
    return this;
  }

  time(lid: number, value: Date | undefined): this {
    if (value) this.p.raw(tag(this.id(lid), PropType.Time), filetime(value));
    return this;
  }

  binary(lid: number, value: Uint8Array): this {
    this.p.binary(this.id(lid), value);
    return this;
  }

  float64(lid: number, value: number): this {
    this.p.raw(tag(this.id(lid), PropType.Floating64), float64(value));
    return this;
  }

  int32s(lid: number, values: readonly number[]): this {
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      view.setInt32(4 * i, v, true);
    });
    this.p.raw(tag(this.id(lid), PropType.MultipleInteger32), bytes);
    return this;
  }

  binaries(lid: number, values: readonly Uint8Array[]): this {
    this.p.raw(tag(this.id(lid), PropType.MultipleBinary), multipleValues(values));
    return this;
  }
}
