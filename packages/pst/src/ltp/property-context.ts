/**
 * Property Context (PC) — [MS-PST] §2.3.3: a heap (bClientSig 0xBC) whose user root is a BTH keyed by property id
 * (cbKey 2) with 6-byte records {wPropType, dwValueHnid}. Values of 4 bytes or less sit in dwValueHnid; others are
 * heap allocations, or subnodes when larger than 3580 bytes; an empty variable value is HNID 0.
 */

import { Buffer } from 'node:buffer';
import { putU16, putU32 } from '../io/bytes.js';
import { MAX_BLOCK_DATA } from '../ndb/constants.js';
import type { DataTree } from '../ndb/data-tree.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { BTH_HEADER_SIZE } from './bth.js';
import { Heap, HeapClient, MAX_HEAP_ALLOCATION } from './heap.js';
import { isInlineInPc, tagId, tagType } from './property-type.js';
import type { Property } from './property-value.js';
import type { Subnodes } from './subnodes.js';

/** readpst rejects a PC whose BTH needs an index level: one leaf holds 447 records. */
export const MAX_PC_PROPERTIES = 447;

/**
 * The most heap pages a PC takes. libpff 20180714 (Debian's, one of the readers the files are checked with) reads a
 * PC's BTH records through its cache of 8 heap blocks and keeps pointing into the cached leaf while it reads the
 * values: in a heap of 9 pages or more, a value on a block 8 apart from the leaf's evicts it, and the records after
 * that one are read from the value's bytes ("unsupported value type"). Values that would make the heap longer go to
 * subnodes instead, largest first ([MS-PST] §2.3.3.2: dwValueHnid may be the NID of a subnode whatever the size).
 */
export const MAX_PC_PAGES = 8;
/**
 * Heap bytes (allocations plus page map entries) that fit in MAX_PC_PAGES pages however they fall: a page holds its
 * header (12 bytes at most), its map and allocations until the next one (3580 bytes at most) does not fit.
 */
const SURELY_FITTING = MAX_PC_PAGES * (MAX_BLOCK_DATA - 12 - MAX_HEAP_ALLOCATION - 8);

/** Scratch for the BTH leaf of a PC being built (one leaf holds every record: 447 × 8 bytes) and its sort keys. */
const leafScratch = new Uint8Array(MAX_PC_PROPERTIES * 8);
const orderScratch = new Uint32Array(MAX_PC_PROPERTIES);
/** Heap bytes of each value in id order (0: inline, empty or in a subnode), for a PC that may outgrow MAX_PC_PAGES. */
const sizeScratch = new Uint16Array(MAX_PC_PROPERTIES);

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
    const sizes = sizeScratch.subarray(0, n);
    let demand = BTH_HEADER_SIZE + 8 * n + 4;
    for (let k = 0; k < n; k++) {
      const size = heapBytes(properties[order[k]! & 0x7ff]!.value);
      sizes[k] = size;
      demand += size + 3;
    }
    // Only a large PC can outgrow MAX_PC_PAGES: a smaller one is laid out without a trial.
    if (demand > SURELY_FITTING) moveToSubnodes(ndb, sizes);
    const heap = new Heap(ndb, HeapClient.PropertyContext, true);
    this.heap = heap;
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
        else if (sizes[k] !== 0) hnid = heap.storeString(value);
        else hnid = subnodes.storeValue(Buffer.from(value, 'utf16le'));
      } else if (!(value instanceof Uint8Array)) {
        hnid = value.subnodeNid;
      } else if (value.length === 0) {
        hnid = 0;
      } else if (sizes[k] !== 0) {
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

/** Bytes a value takes in the PC's heap: 0 when it is inline, empty or too large for the heap. */
function heapBytes(value: Property['value']): number {
  if (typeof value === 'number') return 0;
  const bytes = typeof value === 'string' ? 2 * value.length : value instanceof Uint8Array ? value.length : 0;
  return bytes <= MAX_HEAP_ALLOCATION ? bytes : 0;
}

/**
 * Lays the heap out on trial (a held heap writes nothing before it is finished) and sets the size of its largest
 * value to 0, meaning "in a subnode", until the header, the values and the leaf fit in MAX_PC_PAGES pages.
 */
function moveToSubnodes(ndb: NdbWriter, sizes: Uint16Array): void {
  for (;;) {
    const trial = new Heap(ndb, HeapClient.PropertyContext, true);
    trial.allocate(BTH_HEADER_SIZE);
    let largest = -1;
    for (let k = 0; k < sizes.length; k++) {
      if (sizes[k] === 0) continue;
      trial.allocate(sizes[k]!);
      if (largest < 0 || sizes[k]! > sizes[largest]!) largest = k;
    }
    if (sizes.length > 0) trial.allocate(8 * sizes.length);
    if (Math.ceil(trial.totalLength() / MAX_BLOCK_DATA) <= MAX_PC_PAGES || largest < 0) return;
    sizes[largest] = 0;
  }
}

export function writePropertyContext(ndb: NdbWriter, properties: readonly Property[], subnodes: Subnodes): DataTree {
  return new PropertyContextBuilder(ndb, properties, subnodes).finish();
}
