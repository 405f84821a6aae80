import type { BlockTable } from './blocks.js';
import type { DecodedBlocks } from './decoded-blocks.js';
import { hex } from './report.js';
import type { TreeWalker } from './trees.js';

/** Decoded heap blocks kept per heap: a TC's heap of a million rows spans thousands of blocks, read in order. */
const CACHED_BLOCKS = 8;

/** One decoded heap block with its HNPAGEMAP ([MS-PST] §2.3.1.5), or why it has none. */
interface HeapPage {
  readonly bytes: Buffer;
  readonly ibHnpm: number;
  readonly cAlloc: number;
}

/** An allocation of a heap, or the reason a HID does not resolve to one. */
export type HeapAllocation =
  | { readonly bytes: Buffer; readonly problem?: undefined }
  | { readonly bytes?: undefined; readonly problem: string };

/**
 * Read access to the heap-on-node ([MS-PST] §2.3.1) of one node's data tree: HIDs resolve to their allocations.
 * Blocks are read and decoded when a HID names them (a few kept), so a heap of any size costs a few blocks of memory.
 * The page structure itself (HNHDR, page maps) is checked by `checkHeap`; here a broken page makes its HIDs dangle.
 */
export class NodeHeap {
  private readonly cache = new Map<number, HeapPage | string>();

  private constructor(
    private readonly leaves: readonly number[],
    private readonly blocks: BlockTable,
    private readonly decoded: DecodedBlocks,
    /** HNHDR bClientSig: 0xBC PC, 0x7C TC, 0xB5 BTH. */
    readonly clientSig: number,
    /** HNHDR hidUserRoot. */
    readonly hidUserRoot: number,
  ) {}

  /** Opens the heap of the data tree `bidData`; undefined when its first block is missing or not a heap (bSig 0xEC). */
  static async open(
    bidData: number,
    blocks: BlockTable,
    trees: TreeWalker,
    decoded: DecodedBlocks,
  ): Promise<NodeHeap | undefined> {
    const leaves = await trees.leaves(bidData);
    if (leaves.length === 0) return undefined;
    const first = blocks.find(leaves[0]!);
    if (first < 0) return undefined;
    const head = await decoded.get(first);
    if (head.length < 12 || head[2] !== 0xec) return undefined;
    return new NodeHeap(leaves, blocks, decoded, head[3]!, head.readUInt32LE(4));
  }

  /** Number of blocks of the heap. */
  get pageCount(): number {
    return this.leaves.length;
  }

  /**
   * The allocation `hid` names ([MS-PST] §2.3.1.1: hidType 0, hidIndex 1-based, hidBlockIndex). Synchronous when its
   * block is at hand: PCs and table rows resolve millions of HIDs, and a promise for each would cost more than the
   * lookup.
   */
  alloc(hid: number): HeapAllocation | Promise<HeapAllocation> {
    if ((hid & 0x1f) !== 0) return { problem: `${hex(hid)} is not a HID (nidType ${hex(hid & 0x1f)})` };
    const block = hid >>> 16;
    if (block >= this.leaves.length)
      return { problem: `HID ${hex(hid)} names heap block ${block}, the heap has ${this.leaves.length}` };
    const page = this.cache.get(block);
    return page !== undefined ? this.fromPage(hid, page) : this.page(block).then((p) => this.fromPage(hid, p));
  }

  private fromPage(hid: number, page: HeapPage | string): HeapAllocation {
    const index = (hid >>> 5) & 0x7ff;
    const block = hid >>> 16;
    if (typeof page === 'string') return { problem: `HID ${hex(hid)}: ${page}` };
    if (index < 1 || index > page.cAlloc)
      return { problem: `HID ${hex(hid)} names allocation ${index} of heap block ${block}, which has ${page.cAlloc}` };
    const at = page.ibHnpm + 4 + 2 * (index - 1);
    const start = page.bytes.readUInt16LE(at);
    const end = page.bytes.readUInt16LE(at + 2);
    if (start > end || end > page.ibHnpm)
      return { problem: `HID ${hex(hid)}: allocation [${start}, ${end}) is not inside heap block ${block}` };
    return { bytes: page.bytes.subarray(start, end) };
  }

  private async page(block: number): Promise<HeapPage | string> {
    const hit = this.cache.get(block);
    if (hit !== undefined) return hit;
    const page = await this.readPage(block);
    this.cache.set(block, page);
    if (this.cache.size > CACHED_BLOCKS) this.cache.delete(this.cache.keys().next().value!);
    return page;
  }

  private async readPage(block: number): Promise<HeapPage | string> {
    const i = this.blocks.find(this.leaves[block]!);
    if (i < 0) return `heap block ${block} is missing`;
    const bytes = await this.decoded.get(i);
    if (bytes.length < 4) return `heap block ${block} is too short`;
    const ibHnpm = bytes.readUInt16LE(0);
    if (ibHnpm + 4 > bytes.length) return `heap block ${block} has its page map outside the block`;
    const cAlloc = bytes.readUInt16LE(ibHnpm);
    if (ibHnpm + 4 + 2 * (cAlloc + 1) > bytes.length) return `heap block ${block} has a page map that does not fit`;
    return { bytes, ibHnpm, cAlloc };
  }
}
