/**
 * The allocator — [MS-PST] §2.6.1.1 — and the map pages that describe its work: the AMap (§2.2.2.7.2), the PMap
 * (§2.2.2.7.3), the FMap (§2.2.2.7.5) and the FPMap (§2.2.2.7.6).
 *
 * Allocation is append-only: a cursor moves forward through the AMap regions (`layout.ts`), skipping the map pages at
 * the start of each. A region's AMap page is written when the cursor leaves it, with a bit set for every 64-byte slot
 * in use; its longest free run goes into the FMap, written by `writeFMaps` once the file is complete. PMap and FPMap
 * pages say "no free pages" (all 0xFF): pages are never freed in a file this library writes.
 */
import { align, NumberList } from '../io/bytes.js';
import { PAGE_DATA_SIZE, PAGE_SIZE, PageType } from './constants.js';
import { fileEofFor, hasFMap, hasFPMap, hasPMap, regionDataStart, regionStart } from './layout.js';
import type { Sink } from './sink.js';
import { PageTrailer } from './trailers.js';

/**
 * The allocator's state at a checkpoint. Only scalars are saved at once: allocation is append-only, so what changes
 * afterwards is known from the cursor, except the region bitmap once its region is closed. That is captured when it
 * happens (or when a later checkpoint is taken), so that a message costs no copy of it.
 */
export interface AllocatorCheckpoint {
  readonly cursor: number;
  readonly region: number;
  readonly fmapLength: number;
  readonly freeBytes: number;
  /** The bitmap of `region` as it was when the region was closed (allocations after the cursor are cleared on restore). */
  regionBits?: Uint8Array;
}

/** What sealing the last region hands to the HEADER's ROOT (§2.2.2.5). */
export interface SealedAllocation {
  readonly lastRegion: number;
  /** End of the last allocation (the file is then padded to whole regions). */
  readonly usedEnd: number;
  /** `ibFileEof`. */
  readonly fileEof: number;
  /** `ibAMapLast`. */
  readonly amapLast: number;
  /** `cbAMapFree`. */
  readonly amapFree: number;
}

export class Allocator {
  private cursor = 0;
  private region = -1;
  private readonly regionBits = new Uint8Array(PAGE_DATA_SIZE);
  /** Per closed region: the longest run of free 64-byte slots, capped at 255 (FMap content, §2.2.2.7.5). */
  private readonly fmap = new NumberList(256);
  /** Free bytes of the closed regions. */
  private freeBytes = 0;
  /** The latest checkpoint that may still be restored: its lazy part is captured before it changes. */
  private guard: AllocatorCheckpoint | undefined;

  /** Opens the first region, whose map pages go to `sink`. */
  constructor(sink: Sink) {
    this.openRegion(0, sink);
  }

  /** The offset where the next allocation would start (before alignment). */
  get position(): number {
    return this.cursor;
  }

  /** Allocates `size` bytes aligned to `alignment`, in a new region when the current one has no room left. */
  allocate(size: number, alignment: number, sink: Sink): number {
    let ib = align(this.cursor, alignment);
    if (ib + size > regionStart(this.region + 1)) {
      this.closeRegion(sink);
      this.openRegion(this.region + 1, sink);
      ib = align(this.cursor, alignment);
    }
    this.markAllocated(ib - regionStart(this.region), size);
    this.cursor = ib + size;
    return ib;
  }

  /** Closes the last region (its AMap page, its FMap byte) and says what the file's ROOT needs. */
  seal(sink: Sink): SealedAllocation {
    const lastRegion = this.region;
    const usedEnd = this.cursor;
    this.closeRegion(sink);
    const fileEof = fileEofFor(usedEnd);
    if (fileEof !== regionStart(lastRegion + 1))
      throw new Error('internal: file end is not the end of the last region');
    return { lastRegion, usedEnd, fileEof, amapLast: regionStart(lastRegion), amapFree: this.freeBytes };
  }

  /** FMap pages (§2.2.2.7.5), once every region is closed: byte i is the longest free run of the i-th AMap the page covers. */
  writeFMaps(lastRegion: number, sink: Sink): void {
    for (let k = 128; k <= lastRegion; k += 496) {
      if (!hasFMap(k)) continue;
      const ib = regionStart(k) + 2 * PAGE_SIZE;
      sink.writePage(ib, PageTrailer.forMapPage(PageType.FreeMap, ib), (page) => {
        for (let i = 0; i < PAGE_DATA_SIZE && k + i < this.fmap.length; i++) page[i] = this.fmap.get(k + i);
      });
    }
  }

  checkpoint(): AllocatorCheckpoint {
    // An earlier checkpoint that was not released may still be restored: capture what it would lose from now on.
    if (this.guard) this.captureBits(this.guard);
    const s: AllocatorCheckpoint = {
      cursor: this.cursor,
      region: this.region,
      fmapLength: this.fmap.length,
      freeBytes: this.freeBytes,
    };
    this.guard = s;
    return s;
  }

  /** Says that `s` will not be restored. */
  release(s: AllocatorCheckpoint): void {
    if (this.guard === s) this.guard = undefined;
  }

  /** Forgets every allocation since `s`. */
  restore(s: AllocatorCheckpoint): void {
    const regionStartOffset = regionStart(s.region);
    if (s.regionBits) {
      // The region was closed (or a later checkpoint was taken) since: its bitmap then, without what came after s.
      this.regionBits.set(s.regionBits);
      this.clearSlots(s.cursor - regionStartOffset, regionStart(s.region + 1) - regionStartOffset);
    } else {
      if (s.region !== this.region) throw new Error('internal: a checkpoint lost the bitmap of its region');
      // Still the same region: everything allocated since s lies in [s.cursor, cursor).
      this.clearSlots(s.cursor - regionStartOffset, this.cursor - regionStartOffset);
    }
    this.cursor = s.cursor;
    this.region = s.region;
    this.fmap.truncate(s.fmapLength);
    this.freeBytes = s.freeBytes;
    if (this.guard === s) this.guard = undefined;
  }

  private captureBits(s: AllocatorCheckpoint): void {
    if (!s.regionBits && s.region === this.region) s.regionBits = this.regionBits.slice();
  }

  /** Sets the AMap bits of the 64-byte slots of [from, from + size) (offsets in the current region), whole bytes at once. */
  private markAllocated(from: number, size: number): void {
    const bits = this.regionBits;
    let slot = from / 64;
    const last = slot + size / 64;
    for (; slot < last && (slot & 7) !== 0; slot++) bits[slot >> 3]! |= 0x80 >> (slot & 7);
    const wholeEnd = last & ~7;
    if (slot < wholeEnd) {
      bits.fill(0xff, slot >> 3, wholeEnd >> 3);
      slot = wholeEnd;
    }
    for (; slot < last; slot++) bits[slot >> 3]! |= 0x80 >> (slot & 7);
  }

  /** Marks the 64-byte slots of [from, to) (offsets in the current region, multiples of 64) free. */
  private clearSlots(from: number, to: number): void {
    const bits = this.regionBits;
    for (let slot = from / 64; slot < to / 64; slot++) bits[slot >> 3]! &= ~(0x80 >> (slot & 7));
  }

  /** Starts region k: its map pages are allocated, its PMap and FPMap written; the AMap page waits for `closeRegion`. */
  private openRegion(k: number, sink: Sink): void {
    if (this.guard && !this.guard.regionBits && this.guard.region === this.region)
      this.guard.regionBits = this.regionBits.slice();
    this.region = k;
    this.regionBits.fill(0);
    const start = regionStart(k);
    const dataStart = regionDataStart(k);
    this.markAllocated(0, dataStart - start);
    this.cursor = dataStart;
    // The AMap page's place is zero until the region is closed; the FMap page's until the file is complete.
    sink.writeZeros(start, dataStart - start);
    let page = start + PAGE_SIZE;
    if (hasPMap(k)) {
      sink.writePage(page, PageTrailer.forMapPage(PageType.PageMap, page), fillFullMap);
      page += PAGE_SIZE;
    }
    if (hasFPMap(k)) sink.writePage(page, PageTrailer.forMapPage(PageType.FreePageMap, page), fillFullMap);
  }

  /** Seals the current region: its AMap page (§2.2.2.7.2) and its FMap byte. */
  private closeRegion(sink: Sink): void {
    const bits = this.regionBits;
    let free = 0;
    let run = 0;
    let longest = 0;
    for (let i = 0; i < PAGE_DATA_SIZE; i++) {
      const byte = bits[i]!;
      if (byte === 0xff) {
        run = 0;
        continue;
      }
      if (byte === 0) {
        free += 8;
        run += 8;
        if (run > longest) longest = run;
        continue;
      }
      for (let b = 7; b >= 0; b--) {
        if (byte & (1 << b)) run = 0;
        else {
          free++;
          run++;
          if (run > longest) longest = run;
        }
      }
    }
    this.freeBytes += free * 64;
    this.fmap.push(Math.min(longest, 255));
    const ib = regionStart(this.region);
    sink.writePage(ib, PageTrailer.forMapPage(PageType.AllocationMap, ib), (page) => page.set(bits));
  }
}

/** PMap and FPMap content: "no free pages" (§2.2.2.7.3, §2.2.2.7.6). */
function fillFullMap(page: Uint8Array): void {
  page.fill(0xff, 0, PAGE_DATA_SIZE);
}
