/**
 * Property Context (PC) — [MS-PST] §2.3.3: a heap (bClientSig 0xBC) whose user root is a BTH keyed by property id
 * (cbKey 2) with 6-byte records {wPropType, dwValueHnid}. Values of 4 bytes or less sit in dwValueHnid; others are
 * heap allocations, or subnodes when larger than 3580 bytes; an empty variable value is HNID 0.
 */
import type { DataTree } from '../ndb/data-tree.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { viewOf } from '../io/bytes.js';
import { BthBuilder } from './bth.js';
import { Heap, HeapClient, MAX_HEAP_ALLOCATION } from './heap.js';
import { isInlineInPc, tagId, tagType } from './property-type.js';
import type { Property } from './property-value.js';
import type { Subnodes } from './subnodes.js';

/** readpst rejects a PC whose BTH needs an index level: one leaf holds 447 records. */
export const MAX_PC_PROPERTIES = 447;

export function writePropertyContext(ndb: NdbWriter, properties: readonly Property[], subnodes: Subnodes): DataTree {
  const sorted = [...properties].sort((a, b) => tagId(a.tag) - tagId(b.tag));
  if (sorted.length > MAX_PC_PROPERTIES) throw new RangeError(`a property context holds at most ${MAX_PC_PROPERTIES} properties`);
  const heap = new Heap(ndb, HeapClient.PropertyContext);
  const bth = new BthBuilder(heap, 2, 6);
  const key = new Uint8Array(2);
  const record = new Uint8Array(6);
  const keyView = viewOf(key);
  const recordView = viewOf(record);
  let previous = -1;
  for (const p of sorted) {
    const id = tagId(p.tag);
    if (id === previous) throw new Error(`internal: property 0x${id.toString(16)} set twice`);
    previous = id;
    const type = tagType(p.tag);
    let hnid: number;
    if (typeof p.value === 'number') {
      if (!isInlineInPc(type)) throw new Error(`internal: property 0x${p.tag.toString(16)} needs bytes`);
      hnid = p.value >>> 0;
    } else if (p.value.length === 0) {
      hnid = 0;
    } else if (p.value.length <= MAX_HEAP_ALLOCATION) {
      hnid = heap.store(p.value);
    } else {
      hnid = subnodes.storeValue(p.value);
    }
    keyView.setUint16(0, id, true); // wPropId
    recordView.setUint16(0, type, true); // wPropType
    recordView.setUint32(2, hnid, true); // dwValueHnid
    bth.add(key, record);
  }
  bth.finish();
  return heap.finish(bth.headerHid);
}
