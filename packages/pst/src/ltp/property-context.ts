/**
 * Property Context (PC) — [MS-PST] §2.3.3: a heap (bClientSig 0xBC) whose user root is a BTH keyed by property id
 * (cbKey 2) with 6-byte records {wPropType, dwValueHnid}. Values of 4 bytes or less sit in dwValueHnid; others are
 * heap allocations, or subnodes when larger than 3580 bytes; an empty variable value is HNID 0.
 */
import type { DataTree } from '../ndb/data-tree.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { putU16, putU32 } from '../io/bytes.js';
import { BthBuilder } from './bth.js';
import { Heap, HeapClient, MAX_HEAP_ALLOCATION } from './heap.js';
import { isInlineInPc, tagId, tagType } from './property-type.js';
import type { Property } from './property-value.js';
import type { Subnodes } from './subnodes.js';

/** readpst rejects a PC whose BTH needs an index level: one leaf holds 447 records. */
export const MAX_PC_PROPERTIES = 447;

/**
 * Lays out a PC in memory (values too large for the heap are written to subnodes at once), so that its size is known
 * and inline values can be patched before it is written.
 */
export class PropertyContextBuilder {
  private readonly heap: Heap;
  private readonly records: Uint8Array;
  private readonly ids: number[];

  constructor(ndb: NdbWriter, properties: readonly Property[], subnodes: Subnodes) {
    const sorted = [...properties].sort((a, b) => tagId(a.tag) - tagId(b.tag));
    if (sorted.length > MAX_PC_PROPERTIES) throw new RangeError(`a property context holds at most ${MAX_PC_PROPERTIES} properties`);
    this.heap = new Heap(ndb, HeapClient.PropertyContext, true);
    const bth = new BthBuilder(this.heap, 2, 6);
    const key = new Uint8Array(2);
    const record = new Uint8Array(6);
    this.ids = [];
    for (const p of sorted) {
      const id = tagId(p.tag);
      if (id === this.ids[this.ids.length - 1]) throw new Error(`internal: property 0x${id.toString(16)} set twice`);
      this.ids.push(id);
      const type = tagType(p.tag);
      let hnid: number;
      if (typeof p.value === 'number') {
        if (!isInlineInPc(type)) throw new Error(`internal: property 0x${p.tag.toString(16)} needs bytes`);
        hnid = p.value >>> 0;
      } else if (!(p.value instanceof Uint8Array)) {
        hnid = p.value.subnodeNid;
      } else if (p.value.length === 0) {
        hnid = 0;
      } else if (p.value.length <= MAX_HEAP_ALLOCATION) {
        hnid = this.heap.store(p.value);
      } else {
        hnid = subnodes.storeValue(p.value);
      }
      putU16(key, 0, id); // wPropId
      putU16(record, 0, type); // wPropType
      putU32(record, 2, hnid); // dwValueHnid
      bth.add(key, record);
    }
    bth.finish();
    this.headerHid = bth.headerHid;
    const leaf = bth.leafHids[0];
    this.records = leaf === undefined ? new Uint8Array(0) : this.heap.bytesOf(leaf);
  }

  private readonly headerHid: number;

  /** Bytes the PC's heap will take on disk (block data, without trailers). */
  get size(): number {
    return this.heap.totalLength();
  }

  /** Replaces an inline value (4 bytes or less) set before. */
  setInline(id: number, value: number): void {
    const i = this.ids.indexOf(id);
    if (i < 0) throw new Error(`internal: no property 0x${id.toString(16)} to patch`);
    putU32(this.records, i * 8 + 4, value >>> 0);
  }

  finish(): DataTree {
    return this.heap.finish(this.headerHid);
  }
}

export function writePropertyContext(ndb: NdbWriter, properties: readonly Property[], subnodes: Subnodes): DataTree {
  return new PropertyContextBuilder(ndb, properties, subnodes).finish();
}
