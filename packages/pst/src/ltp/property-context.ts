/**
 * Property Context (PC) — [MS-PST] §2.3.3: a heap (bClientSig 0xBC) whose user root is a BTH keyed by property id
 * (cbKey 2) with 6-byte records {wPropType, dwValueHnid}. Values of 4 bytes or less sit in dwValueHnid; others are
 * heap allocations, or subnodes when larger than 3580 bytes; an empty variable value is HNID 0.
 */
import type { DataTree } from '../ndb/data-tree.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { putU16, putU32 } from '../io/bytes.js';
import { Buffer } from 'node:buffer';
import { BTH_HEADER_SIZE } from './bth.js';
import { Heap, HeapClient, MAX_HEAP_ALLOCATION } from './heap.js';
import { isInlineInPc, tagId, tagType } from './property-type.js';
import type { Property } from './property-value.js';
import type { Subnodes } from './subnodes.js';

/** readpst rejects a PC whose BTH needs an index level: one leaf holds 447 records. */
export const MAX_PC_PROPERTIES = 447;

/** Scratch for the BTH leaf of a PC being built (one leaf holds every record: 447 × 8 bytes) and its sort keys. */
const leafScratch = new Uint8Array(MAX_PC_PROPERTIES * 8);
const orderScratch = new Uint32Array(MAX_PC_PROPERTIES);

/**
 * Lays out a PC in memory (values too large for the heap are written to subnodes at once), so that its size is known
 * and inline values can be patched before it is written.
 *
 * The BTH has one leaf, so it is written here directly ([MS-PST] §2.3.2): the BTHHEADER is allocated first, then the
 * values in property-id order, then the leaf of {wPropId, wPropType, dwValueHnid} records.
 */
export class PropertyContextBuilder {
  private readonly heap: Heap;
  /** The BTH leaf: {wPropId, wPropType, dwValueHnid} records in id order. */
  private readonly records: Uint8Array;
  private readonly headerHid: number;

  constructor(ndb: NdbWriter, properties: readonly Property[], subnodes: Subnodes) {
    const n = properties.length;
    if (n > MAX_PC_PROPERTIES) throw new RangeError(`a property context holds at most ${MAX_PC_PROPERTIES} properties`);
    // Sort by id without a comparator: id << 11 | index (index < 2048) orders by id, then by position.
    const order = orderScratch.subarray(0, n);
    for (let i = 0; i < n; i++) order[i] = ((tagId(properties[i]!.tag) << 11) | i) >>> 0;
    order.sort();
    const heap = (this.heap = new Heap(ndb, HeapClient.PropertyContext, true));
    this.headerHid = heap.allocate(BTH_HEADER_SIZE).hid;
    const leaf = leafScratch;
    let last = -1;
    for (let k = 0; k < n; k++) {
      const p = properties[order[k]! & 0x7ff]!;
      const id = order[k]! >>> 11;
      if (id === last) throw new Error(`internal: property 0x${id.toString(16)} set twice`);
      last = id;
      const type = tagType(p.tag);
      const value = p.value;
      let hnid: number;
      if (typeof value === 'number') {
        if (!isInlineInPc(type)) throw new Error(`internal: property 0x${p.tag.toString(16)} needs bytes`);
        hnid = value >>> 0;
      } else if (typeof value === 'string') {
        if (value.length === 0) hnid = 0;
        else if (2 * value.length <= MAX_HEAP_ALLOCATION) hnid = heap.storeString(value);
        else hnid = subnodes.storeValue(Buffer.from(value, 'utf16le'));
      } else if (!(value instanceof Uint8Array)) {
        hnid = value.subnodeNid;
      } else if (value.length === 0) {
        hnid = 0;
      } else if (value.length <= MAX_HEAP_ALLOCATION) {
        hnid = heap.store(value);
      } else {
        hnid = subnodes.storeValue(value);
      }
      const at = 8 * k;
      putU16(leaf, at, id); // wPropId
      putU16(leaf, at + 2, type); // wPropType
      putU32(leaf, at + 4, hnid); // dwValueHnid
    }
    const leafHid = n > 0 ? heap.store(leaf.subarray(0, 8 * n)) : 0;
    // BTHHEADER — [MS-PST] §2.3.2.1.
    const header = heap.bytesOf(this.headerHid);
    header[0] = HeapClient.BTreeOnHeap; // bType
    header[1] = 2; // cbKey
    header[2] = 6; // cbEnt
    header[3] = 0; // bIdxLevels
    putU32(header, 4, leafHid); // hidRoot
    this.records = n > 0 ? heap.bytesOf(leafHid) : new Uint8Array(0);
  }

  /** Bytes the PC's heap will take on disk (block data, without trailers). */
  get size(): number {
    return this.heap.totalLength();
  }

  /** Replaces an inline value (4 bytes or less) set before. */
  setInline(id: number, value: number): void {
    const records = this.records;
    for (let at = 0; at < records.length; at += 8) {
      if ((records[at]! | (records[at + 1]! << 8)) === id) {
        putU32(records, at + 4, value >>> 0);
        return;
      }
    }
    throw new Error(`internal: no property 0x${id.toString(16)} to patch`);
  }

  finish(): DataTree {
    return this.heap.finish(this.headerHid);
  }
}

export function writePropertyContext(ndb: NdbWriter, properties: readonly Property[], subnodes: Subnodes): DataTree {
  return new PropertyContextBuilder(ndb, properties, subnodes).finish();
}
