/**
 * Watches the writer lay out heaps, data trees and subnode trees (through their public methods only, never changing
 * what they do), so that a property test can tell which of the writer's limits its generated input reached: a
 * boundary the generator no longer reaches is a defect of the test.
 */
import { Heap, HeapClient } from '../../src/ltp/heap.js';
import { Subnodes } from '../../src/ltp/subnodes.js';
import { type DataTree, DataTreeWriter } from '../../src/ndb/data-tree.js';

/** [MS-PST] §2.2.2.8.3.1 / §2.3.1.1 / §2.2.2.8.3.3.1, stated here rather than imported from the writer. */
const BLOCK_DATA = 8176;
const HEAP_MAX = 3580;
const XBLOCK_ENTRIES = 1021;
const SLBLOCK_ENTRIES = 340;

/** The layouts a probe recognises. */
export const BOUNDARIES = [
  'PC heap of 2 pages or more',
  'PC heap of 8 pages (the most a PC takes)',
  'PC: the BTH leaf is the first allocation of page 1',
  'PC: the BTH leaf is the first allocation of a later page',
  'PC: a value is the first allocation of page 1',
  'TC heap with a bitmap page (page 8)',
  'TC row index with an index level',
  'TC row matrix in a subnode',
  'heap allocation of exactly 3580 bytes',
  'value of 3581 or 3582 bytes in a subnode',
  'data tree of exactly 8176 bytes (one block)',
  'data tree of 8177 or 8178 bytes (XBLOCK of two)',
  'data tree above 8176 × 1021 bytes (XXBLOCK)',
  'subnode tree of more than 340 entries (SIBLOCK)',
] as const;
export type Boundary = (typeof BOUNDARIES)[number];

/** Where a PC's BTH leaf (its last allocation) went: page and 1-based allocation index. */
export interface PcLayout {
  readonly pages: number;
  readonly leafPage: number;
  readonly leafIndex: number;
  /** The PC holds PidTagMessageClass: a message object (not a folder or attachment). */
  readonly isMessage: boolean;
}

export class LayoutProbe {
  readonly seen = new Map<Boundary, number>();
  /** PC layouts in the order their heaps were finished. */
  readonly pcs: PcLayout[] = [];
  /** Most allocations seen in one heap page. */
  maxAllocationsPerPage = 0;
  /** Most pages of a PC heap written (the writer keeps PCs to 8: see MAX_PC_PAGES). */
  maxPcPages = 0;
  /** While false (projections that only explore a layout), nothing counts as reached; `pcs` still grows. */
  counting = true;

  private hit(b: Boundary): void {
    if (!this.counting) return;
    this.seen.set(b, (this.seen.get(b) ?? 0) + 1);
  }

  /** The boundaries not reached since the probe was installed. */
  missed(): Boundary[] {
    return BOUNDARIES.filter((b) => !this.seen.has(b));
  }

  /** Wraps the observed methods; returns the function that restores them. */
  install(): () => void {
    const probe = this;
    const heap = Heap.prototype;
    const { finish, allocate, store, storeString } = heap;
    const noteHid = (hid: number, size: number): void => {
      if (probe.counting) probe.maxAllocationsPerPage = Math.max(probe.maxAllocationsPerPage, (hid >>> 5) & 0x7ff);
      if (size === HEAP_MAX) probe.hit('heap allocation of exactly 3580 bytes');
    };
    heap.allocate = function (this: Heap, size: number) {
      const r = allocate.call(this, size);
      noteHid(r.hid, size);
      return r;
    };
    heap.store = function (this: Heap, value: Uint8Array) {
      const hid = store.call(this, value);
      noteHid(hid, value.length);
      return hid;
    };
    heap.storeString = function (this: Heap, value: string) {
      const hid = storeString.call(this, value);
      noteHid(hid, 2 * value.length);
      return hid;
    };
    heap.finish = function (this: Heap, userRoot: number) {
      probe.observeHeap(this, userRoot);
      return finish.call(this, userRoot);
    };
    const tree = DataTreeWriter.prototype;
    const treeFinish = tree.finish;
    tree.finish = function (this: DataTreeWriter): DataTree {
      const r = treeFinish.call(this);
      if (r.size === BLOCK_DATA) probe.hit('data tree of exactly 8176 bytes (one block)');
      if (r.size === BLOCK_DATA + 1 || r.size === BLOCK_DATA + 2)
        probe.hit('data tree of 8177 or 8178 bytes (XBLOCK of two)');
      if (r.size > BLOCK_DATA * XBLOCK_ENTRIES) probe.hit('data tree above 8176 × 1021 bytes (XXBLOCK)');
      return r;
    };
    const sub = Subnodes.prototype;
    const { storeValue, finish: subFinish } = sub;
    sub.storeValue = function (this: Subnodes, bytes: Uint8Array) {
      if (bytes.length === HEAP_MAX + 1 || bytes.length === HEAP_MAX + 2)
        probe.hit('value of 3581 or 3582 bytes in a subnode');
      return storeValue.call(this, bytes);
    };
    sub.finish = function (this: Subnodes) {
      if (this.entries.length > SLBLOCK_ENTRIES) probe.hit('subnode tree of more than 340 entries (SIBLOCK)');
      return subFinish.call(this);
    };
    return () => {
      Object.assign(heap, { finish, allocate, store, storeString });
      tree.finish = treeFinish;
      Object.assign(sub, { storeValue, finish: subFinish });
    };
  }

  private observeHeap(h: Heap, userRoot: number): void {
    // Every page but the last is a full block, so the page count follows from the heap's length.
    const pages = Math.ceil(h.totalLength() / BLOCK_DATA);
    if (h.clientSig === HeapClient.PropertyContext) {
      const header = h.bytesOf(userRoot);
      const hidRoot = u32(header, 4);
      const leafPage = hidRoot >>> 16;
      const leafIndex = (hidRoot >>> 5) & 0x7ff;
      // PCs keep every page in memory until finished (see Heap's holdAll): the leaf can be read wherever it is.
      const leaf = hidRoot ? h.bytesOf(hidRoot) : new Uint8Array(0);
      let isMessage = false;
      for (let at = 0; at + 8 <= leaf.length; at += 8)
        if ((leaf[at]! | (leaf[at + 1]! << 8)) === 0x001a) isMessage = true;
      this.pcs.push({ pages, leafPage, leafIndex, isMessage });
      if (pages >= 2) this.hit('PC heap of 2 pages or more');
      if (pages === 8) this.hit('PC heap of 8 pages (the most a PC takes)');
      this.maxPcPages = Math.max(this.maxPcPages, pages);
      if (leafIndex === 1 && leafPage === 1) this.hit('PC: the BTH leaf is the first allocation of page 1');
      if (leafIndex === 1 && leafPage > 1) this.hit('PC: the BTH leaf is the first allocation of a later page');
      if (pages >= 2 && !(leafPage === 1 && leafIndex === 1)) this.hit('PC: a value is the first allocation of page 1');
    } else if (h.clientSig === HeapClient.TableContext) {
      const info = h.bytesOf(userRoot);
      if (pages >= 9) this.hit('TC heap with a bitmap page (page 8)');
      if (h.bytesOf(u32(info, 10))[3]! > 0) this.hit('TC row index with an index level');
      if ((u32(info, 14) & 0x1f) !== 0) this.hit('TC row matrix in a subnode');
    }
  }
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
