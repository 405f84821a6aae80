/**
 * Heap-on-Node (HN) — [MS-PST] §2.3.1.
 *
 * A heap is a node's data: a sequence of pages, one data block each (at most 8176 bytes). Page 0 starts with HNHDR,
 * pages 8, 136, 264, … with HNBITMAPHDR, the others with HNPAGEHDR; each ends with its HNPAGEMAP listing where its
 * allocations start. An allocation is addressed by an HID: page index << 16 | 1-based allocation index << 5.
 *
 * Every page but the last is written as a full 8176-byte block, its HNPAGEMAP followed by unused bytes, as Outlook
 * does: a data tree's leaves are all full but the last (§2.2.2.8.3.2), and readers index pages by block.
 *
 * Pages fill in order. A full page is written to the file at once, except page 0 and the bitmap pages, whose fill
 * levels are known only at the end; so a heap of any size (a contents table of a million rows) needs only a few
 * pages of memory.
 */
import { Buffer } from 'node:buffer';
import { putU16, putU32 } from '../io/bytes.js';
import { MAX_BLOCK_DATA } from '../ndb/constants.js';
import { type DataTree, DataTreeWriter } from '../ndb/data-tree.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';

/** The largest heap allocation: [MS-PST] §2.3.1.1. */
export const MAX_HEAP_ALLOCATION = 3580;
/** `bClientSig` values: [MS-PST] §2.3.1.2. */
export const HeapClient = {
  /** bTypeTC */
  TableContext: 0x7c,
  /** bTypeBTH */
  BTreeOnHeap: 0xb5,
  /** bTypePC */
  PropertyContext: 0xbc,
} as const;

/** Most allocations in one page: the allocation index has 11 bits. */
const MAX_ALLOCATIONS_PER_PAGE = 2047;
const MAX_PAGES = 65536;

/**
 * Sizes of a page's buffer: it starts small and grows as allocations arrive, up to one block. Most heaps are small,
 * and a folder's contents table keeps its first page for the writer's lifetime.
 */
const PAGE_SIZES = [2048, 4096, MAX_BLOCK_DATA] as const;
/** Most buffers kept per size. */
const POOL_LIMIT = 64;

/**
 * A page's buffer: its bytes, and a `Buffer` over the same memory for encoding strings. Buffers of finished pages
 * go back to a pool for the next ones: a message makes several heaps, and a fresh typed array (and `Buffer`) for
 * each costs more than clearing a used one.
 */
class PageBuffer {
  readonly text: Buffer;
  constructor(readonly bytes: Uint8Array) {
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}

/** Zeroed buffers by size class (index into PAGE_SIZES). */
const pools: PageBuffer[][] = PAGE_SIZES.map(() => []);

/** A zeroed buffer of the smallest size holding `length` bytes. */
function takePageBuffer(length: number): PageBuffer {
  let k = 0;
  while (PAGE_SIZES[k]! < length) k++;
  return pools[k]!.pop() ?? new PageBuffer(new Uint8Array(PAGE_SIZES[k]!));
}

/** Gives a buffer back, its first `dirty` bytes (everything written to it) cleared. */
function returnPageBuffer(buffer: PageBuffer, dirty: number): void {
  const pool = pools[PAGE_SIZES.indexOf(buffer.bytes.length as (typeof PAGE_SIZES)[number])];
  if (!pool || pool.length >= POOL_LIMIT) return;
  buffer.bytes.fill(0, 0, Math.min(dirty, buffer.bytes.length));
  pool.push(buffer);
}

/** Strings up to this many characters are encoded by a loop; longer ones by `Buffer.write`. */
const SHORT_STRING = 16;

class HeapPage {
  buffer: PageBuffer;
  /** Start offset of each allocation, then the end of the last one. */
  readonly offsets: number[];

  constructor(
    readonly index: number,
    buffer?: PageBuffer,
  ) {
    this.offsets = [headerSize(index)];
    this.buffer = buffer ?? takePageBuffer(0);
  }

  get bytes(): Uint8Array {
    return this.buffer.bytes;
  }

  get end(): number {
    return this.offsets[this.offsets.length - 1]!;
  }

  get count(): number {
    return this.offsets.length - 1;
  }

  fits(size: number): boolean {
    const mapStart = align2(this.end + size);
    return this.count < MAX_ALLOCATIONS_PER_PAGE && mapStart + 4 + 2 * (this.count + 2) <= MAX_BLOCK_DATA;
  }

  /** Length of the page's block once its HNPAGEMAP is written. */
  get blockLength(): number {
    return align2(this.end) + 4 + 2 * (this.count + 1);
  }

  /** Makes room for the page's first `length` bytes. */
  reserve(length: number): void {
    const old = this.buffer;
    if (length <= old.bytes.length) return;
    const grown = takePageBuffer(Math.min(MAX_BLOCK_DATA, Math.max(length, old.bytes.length * 2)));
    grown.bytes.set(old.bytes);
    returnPageBuffer(old, old.bytes.length);
    this.buffer = grown;
  }

  /** Gives the page's buffer back; the page is not used afterwards. */
  release(): void {
    if (this.buffer === EMPTY) return;
    returnPageBuffer(this.buffer, this.blockLength);
    this.buffer = EMPTY;
  }

  /** Writes `ibHnpm` and the HNPAGEMAP — [MS-PST] §2.3.1.5. */
  seal(): number {
    this.reserve(this.blockLength);
    const bytes = this.bytes;
    const mapStart = align2(this.end);
    putU16(bytes, 0, mapStart); // ibHnpm
    putU16(bytes, mapStart, this.count); // cAlloc
    putU16(bytes, mapStart + 2, 0); // cFree
    for (let i = 0; i < this.offsets.length; i++) putU16(bytes, mapStart + 4 + 2 * i, this.offsets[i]!); // rgibAlloc
    return this.blockLength;
  }

  clone(): HeapPage {
    const copy = new HeapPage(this.index, takePageBuffer(this.bytes.length));
    copy.bytes.set(this.bytes);
    copy.offsets.length = 0;
    copy.offsets.push(...this.offsets);
    return copy;
  }
}

export class Heap {
  private page0: HeapPage;
  private current: HeapPage;
  /** Bitmap pages kept until the end, by index. */
  private held = new Map<number, HeapPage>();
  /** Used lengths of every sealed page, for the fill levels. */
  private lengths: number[] = [];
  /** Block lengths of every sealed page as written (a full block for all but the last page). */
  private written: number[] = [];
  /** The pages' data tree, made when a second page starts (most heaps have one page: one block, no tree). */
  private tree: DataTreeWriter | undefined;

  /**
   * `holdAll` keeps every page in memory until `finish`, so that values can still be patched after their size is
   * known (a message PC stores PidTagMessageSize, which counts the PC itself).
   */
  constructor(
    private readonly ndb: NdbWriter,
    readonly clientSig: number,
    private readonly holdAll = false,
  ) {
    this.page0 = new HeapPage(0);
    this.current = this.page0;
  }

  private pagesTree(): DataTreeWriter {
    if (!this.tree) {
      this.tree = new DataTreeWriter(this.ndb);
      this.tree.addLeaf(0, 0); // page 0, written last
    }
    return this.tree;
  }

  /** Allocates `size` bytes (1..3580) and returns the HID and the bytes to fill. */
  allocate(size: number): { hid: number; bytes: Uint8Array } {
    const hid = this.allocateHid(size);
    return { hid, bytes: this.current.bytes.subarray(this.lastStart, this.lastStart + size) };
  }

  /** Where the last allocation starts in the current page's bytes. */
  private lastStart = 0;

  /** Allocates `size` bytes (1..3580) in the current page (from `lastStart`) and returns the HID. */
  private allocateHid(size: number): number {
    if (size <= 0 || size > MAX_HEAP_ALLOCATION)
      throw new RangeError(`heap allocation of ${size} bytes is outside 1..${MAX_HEAP_ALLOCATION}`);
    let page = this.current;
    if (!page.fits(size)) {
      this.nextPage();
      page = this.current;
    }
    const start = page.end;
    page.reserve(start + size);
    page.offsets.push(start + size);
    this.lastStart = start;
    return ((page.index << 16) | (page.count << 5)) >>> 0;
  }

  /** Allocates and fills. */
  store(value: Uint8Array): number {
    const hid = this.allocateHid(value.length);
    this.current.bytes.set(value, this.lastStart);
    return hid;
  }

  /**
   * Allocates and fills with `text` as UTF-16LE (PtypString), encoded straight into the page. `text` must be clean
   * (see `cleanText`) and take 1..3580 bytes.
   */
  storeString(text: string): number {
    const n = text.length;
    const hid = this.allocateHid(2 * n);
    const buffer = this.current.buffer;
    const bytes = buffer.bytes;
    const at = this.lastStart;
    if (n <= SHORT_STRING) {
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        bytes[at + 2 * i] = c & 0xff;
        bytes[at + 2 * i + 1] = c >>> 8;
      }
    } else {
      buffer.text.write(text, at, 2 * n, 'utf16le');
    }
    return hid;
  }

  /** The bytes of an allocation made earlier, while its page is still in memory (page 0 always is). */
  bytesOf(hid: number): Uint8Array {
    const index = hid >>> 16;
    const page = index === 0 ? this.page0 : index === this.current.index ? this.current : this.held.get(index);
    if (!page) throw new Error(`internal: heap page ${index} is no longer in memory`);
    const k = ((hid >>> 5) & 0x7ff) - 1;
    return page.bytes.subarray(page.offsets[k]!, page.offsets[k + 1]!);
  }

  private nextPage(): void {
    const index = this.current.index + 1;
    if (index >= MAX_PAGES) throw new RangeError('heap full: 65,536 pages');
    if (this.current !== this.page0) this.release(this.current, false);
    this.current = new HeapPage(index);
  }

  /** Seals a finished page: written now, or held when it carries fill levels. `last`: no page follows it. */
  private release(page: HeapPage, last: boolean): void {
    const used = page.seal();
    const length = last ? used : MAX_BLOCK_DATA;
    page.reserve(length);
    this.lengths[page.index] = used;
    this.written[page.index] = length;
    const tree = this.pagesTree();
    if (this.holdAll || isBitmapPage(page.index)) {
      this.held.set(page.index, page);
      tree.addLeaf(0, 0);
    } else {
      tree.addLeaf(this.ndb.writeBlock(page.bytes, length, false), length);
      // The block is in the writer's buffer now; the page's buffer serves the next heap.
      page.release();
    }
  }

  /** The bytes the heap's pages will take (its share of PidTagMessageSize), were it finished now. */
  totalLength(): number {
    if (this.current === this.page0) return this.page0.blockLength;
    let total = MAX_BLOCK_DATA;
    for (const length of this.written) total += length ?? 0;
    return total + this.current.blockLength;
  }

  /** Writes what is left and returns the heap's data tree. `hidUserRoot` goes into the HNHDR. */
  finish(userRoot: number): DataTree {
    const single = this.current === this.page0;
    if (!single) this.release(this.current, true);
    const sealed = this.page0.seal();
    const length0 = single ? sealed : MAX_BLOCK_DATA;
    this.page0.reserve(length0);
    this.page0.bytes[2] = 0xec; // bSig
    this.page0.bytes[3] = this.clientSig; // bClientSig
    putU32(this.page0.bytes, 4, userRoot); // hidUserRoot
    this.writeFillLevels(this.page0.bytes, 8, 0, 8); // rgbFillLevel
    if (!this.tree) {
      const bid = this.ndb.writeBlock(this.page0.bytes, length0, false);
      // The block is in the writer's buffer now; the page's buffer serves the next heap.
      this.page0.release();
      return { bid, size: length0 };
    }
    for (const [index, page] of this.held) {
      // Only an HNBITMAPHDR carries fill levels; with `holdAll` every page is held, and an HNPAGEHDR is followed at
      // once by the page's first allocation.
      if (isBitmapPage(index)) this.writeFillLevels(page.bytes, 2, index, 128);
      this.tree.setLeaf(index, this.ndb.writeBlock(page.bytes, this.written[index]!, false), this.written[index]!);
      page.release();
    }
    this.tree.setLeaf(0, this.ndb.writeBlock(this.page0.bytes, length0, false), length0);
    this.page0.release();
    return this.tree.finish();
  }

  /** `rgbFillLevel`: a nibble a page, the free space class of [MS-PST] §2.3.1.2. */
  private writeFillLevels(bytes: Uint8Array, at: number, first: number, count: number): void {
    if (first === 0 && this.lengths.length === 0) {
      // One page: only page 0 has a level (the low nibble of the first byte); the other nibbles are 0.
      bytes[at] = fillLevel(MAX_BLOCK_DATA - this.page0.blockLength);
      for (let i = 1; i < count >> 1; i++) bytes[at + i] = 0;
      return;
    }
    for (let i = 0; i < count; i++) {
      const length = first + i === 0 ? this.page0.blockLength : this.lengths[first + i];
      const level = length === undefined ? 0 : fillLevel(MAX_BLOCK_DATA - length);
      const byte = at + (i >> 1);
      bytes[byte] = i & 1 ? (bytes[byte]! & 0x0f) | (level << 4) : (bytes[byte]! & 0xf0) | level;
    }
  }

  /** A deep copy, for projecting what finishing would write without disturbing this heap. */
  clone(): Heap {
    const copy = Object.create(Heap.prototype) as Heap;
    Object.assign(copy, this);
    copy.page0 = this.page0.clone();
    copy.current = this.current === this.page0 ? copy.page0 : this.current.clone();
    copy.held = new Map([...this.held].map(([k, p]) => [k, p.clone()]));
    copy.lengths = [...this.lengths];
    copy.written = [...this.written];
    copy.tree = this.tree?.clone();
    return copy;
  }
}

const EMPTY = new PageBuffer(new Uint8Array(0));

function headerSize(index: number): number {
  if (index === 0) return 12; // HNHDR
  return isBitmapPage(index) ? 66 : 2; // HNBITMAPHDR : HNPAGEHDR
}

function isBitmapPage(index: number): boolean {
  return index >= 8 && (index - 8) % 128 === 0;
}

function align2(n: number): number {
  return (n + 1) & ~1;
}

const FILL_THRESHOLDS = [3584, 2560, 2048, 1792, 1536, 1280, 1024, 768, 512, 256, 128, 64, 32, 16, 8];

function fillLevel(free: number): number {
  for (let i = 0; i < FILL_THRESHOLDS.length; i++) if (free >= FILL_THRESHOLDS[i]!) return i;
  return 0xf;
}
