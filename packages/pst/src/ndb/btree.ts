/**
 * The NDB layer's two B-trees — [MS-PST] §2.2.2.7.7: the Block BTree (BBT), which maps every BID to its block, and
 * the Node BTree (NBT), which maps every NID to its data and subnode blocks.
 *
 * The BBT's leaves are written as they fill: BIDs grow with the allocation cursor, so BBTENTRYs arrive sorted. NBT
 * entries arrive in any order; they are kept as compact typed arrays and sorted when the tree is written at finish.
 * Both trees then get BTENTRY levels above their leaves up to one root page.
 */
import { NumberList, setU64 } from '../io/bytes.js';
import type { Allocator } from './allocator.js';
import { PAGE_SIZE, PageType } from './constants.js';
import type { Sink } from './sink.js';
import { PageTrailer } from './trailers.js';

/** A reference to a page or block: BREF, [MS-PST] §2.2.2.4. */
export interface BlockRef {
  readonly bid: number;
  readonly ib: number;
}

/** BBT leaf capacity: 488 / 24 (BBTENTRY, [MS-PST] §2.2.2.7.7.3). */
export const BBT_LEAF_MAX = 20;
/** Intermediate BT page capacity: 488 / 24 (BTENTRY, §2.2.2.7.7.2). */
export const BT_INTERMEDIATE_MAX = 20;
/** NBT leaf capacity: 488 / 32 (NBTENTRY, §2.2.2.7.7.4). */
export const NBT_LEAF_MAX = 15;
/** B-tree pages written at finish between two pauses: about 50 µs of work each. */
const PAGES_PER_STEP = 256;
/** Offset of the BTPAGE fields after the entries (`cEnt`, `cEntMax`, `cbEnt`, `cLevel`): §2.2.2.7.7.1. */
const BTPAGE_FOOTER = 488;

/**
 * Writes BTPAGEs (§2.2.2.7.7.1) for both trees: allocates them, gives them page BIDs (`bidNextP`, a counter of its
 * own, §2.2.2.6) and builds the BTENTRY levels above a tree's leaves.
 */
export class BTreePages {
  /** The next page BID; the header's `bidNextP` once the trees are written. */
  nextPageBid = 1;

  constructor(private readonly allocator: Allocator) {}

  /**
   * Allocates and writes one BTPAGE: `fill` writes its `count` entries of `cbEnt` bytes (it is not called by a
   * counting sink), then the BTPAGE fields and the PAGETRAILER follow.
   */
  write(
    sink: Sink,
    ptype: number,
    count: number,
    max: number,
    cbEnt: number,
    level: number,
    fill: (view: DataView) => void,
  ): BlockRef {
    const ib = this.allocator.allocate(PAGE_SIZE, PAGE_SIZE, sink);
    const bid = this.nextPageBid++;
    sink.writePage(ib, PageTrailer.signed(ptype, ib, bid), (page) => {
      fill(new DataView(page.buffer, page.byteOffset, page.byteLength));
      page[BTPAGE_FOOTER] = count; // cEnt
      page[BTPAGE_FOOTER + 1] = max; // cEntMax
      page[BTPAGE_FOOTER + 2] = cbEnt; // cbEnt
      page[BTPAGE_FOOTER + 3] = level; // cLevel
    });
    return { bid, ib };
  }

  /**
   * Builds BTENTRY levels (§2.2.2.7.7.2) above the leaves `bids`/`ibs` until one root remains, pausing (a `yield`)
   * every `PAGES_PER_STEP` pages. An entry's `btkey` is the key of the first leaf under it: `leafKey(i)` for leaf i,
   * asked only when the page is filled.
   */
  *writeLevels(
    sink: Sink,
    ptype: number,
    leafKey: (leaf: number) => number,
    bids: Float64Array,
    ibs: Float64Array,
  ): Generator<void, BlockRef> {
    if (bids.length === 0) throw new Error('internal: empty B-tree');
    /** Per child page: the index of its first leaf (at level 1, the child is that leaf). */
    let firsts: Float64Array | undefined;
    let level = 0;
    while (bids.length > 1) {
      level++;
      const pages = Math.ceil(bids.length / BT_INTERMEDIATE_MAX) + 1;
      const nextFirsts = new NumberList(pages);
      const nextBids = new NumberList(pages);
      const nextIbs = new NumberList(pages);
      const children = { firsts, bids, ibs };
      const firstLeaf = (child: number): number => (children.firsts ? children.firsts[child]! : child);
      for (let start = 0; start < bids.length; start += BT_INTERMEDIATE_MAX) {
        const count = Math.min(BT_INTERMEDIATE_MAX, bids.length - start);
        const ref = this.write(sink, ptype, count, BT_INTERMEDIATE_MAX, 24, level, (view) => {
          for (let j = 0; j < count; j++) {
            const at = j * 24;
            setU64(view, at, leafKey(firstLeaf(start + j))); // btkey
            setU64(view, at + 8, children.bids[start + j]!); // BREF.bid
            setU64(view, at + 16, children.ibs[start + j]!); // BREF.ib
          }
        });
        nextFirsts.push(firstLeaf(start));
        nextBids.push(ref.bid);
        nextIbs.push(ref.ib);
        if (nextBids.length % PAGES_PER_STEP === 0) yield;
      }
      firsts = nextFirsts.view();
      bids = nextBids.view();
      ibs = nextIbs.view();
    }
    return { bid: bids[0]!, ib: ibs[0]! };
  }
}

/** The BBT's state at a checkpoint; the pending entries are captured once they are written out. */
export interface BlockBTreeCheckpoint {
  readonly pendingCount: number;
  readonly leafCount: number;
  /** The first `pendingCount` pending BBTENTRYs, once they were written out. */
  pending?: { bid: Float64Array; ib: Float64Array; cb: Uint16Array };
}

/** The Block BTree: one BBTENTRY (§2.2.2.7.7.3) per block, leaves written as they fill. */
export class BlockBTree {
  // Entries waiting for a full leaf, and the leaves already written.
  private pendingCount = 0;
  private readonly pendingBid = new Float64Array(BBT_LEAF_MAX);
  private readonly pendingIb = new Float64Array(BBT_LEAF_MAX);
  private readonly pendingCb = new Uint16Array(BBT_LEAF_MAX);
  private readonly leafKey = new NumberList();
  private readonly leafBid = new NumberList();
  private readonly leafIb = new NumberList();
  /** The latest checkpoint that may still be restored: its lazy part is captured before it changes. */
  private guard: BlockBTreeCheckpoint | undefined;

  constructor(private readonly pages: BTreePages) {}

  /** Adds the entry of a block just written; a full leaf is written at once. */
  add(bid: number, ib: number, cb: number, sink: Sink): void {
    const i = this.pendingCount++;
    this.pendingBid[i] = bid;
    this.pendingIb[i] = ib;
    this.pendingCb[i] = cb;
    if (this.pendingCount === BBT_LEAF_MAX) this.writeLeaf(sink);
  }

  /** Writes the last leaf and the levels above the leaves; returns the root. */
  *write(sink: Sink): Generator<void, BlockRef> {
    this.writeLeaf(sink);
    const keys = this.leafKey;
    return yield* this.pages.writeLevels(
      sink,
      PageType.BlockBTree,
      (leaf) => keys.get(leaf),
      this.leafBid.view(),
      this.leafIb.view(),
    );
  }

  checkpoint(): BlockBTreeCheckpoint {
    if (this.guard && !this.guard.pending) this.capturePending(this.guard);
    const s: BlockBTreeCheckpoint = { pendingCount: this.pendingCount, leafCount: this.leafKey.length };
    this.guard = s;
    return s;
  }

  release(s: BlockBTreeCheckpoint): void {
    if (this.guard === s) this.guard = undefined;
  }

  restore(s: BlockBTreeCheckpoint): void {
    if (s.pending) {
      this.pendingBid.set(s.pending.bid);
      this.pendingIb.set(s.pending.ib);
      this.pendingCb.set(s.pending.cb);
    }
    this.pendingCount = s.pendingCount;
    this.leafKey.truncate(s.leafCount);
    this.leafBid.truncate(s.leafCount);
    this.leafIb.truncate(s.leafCount);
    if (this.guard === s) this.guard = undefined;
  }

  private capturePending(s: BlockBTreeCheckpoint): void {
    const n = s.pendingCount;
    s.pending = { bid: this.pendingBid.slice(0, n), ib: this.pendingIb.slice(0, n), cb: this.pendingCb.slice(0, n) };
  }

  /** Writes the pending BBTENTRYs as one leaf page; every block is referenced once, so cRef = 2 (§2.2.2.7.7.3). */
  private writeLeaf(sink: Sink): void {
    const n = this.pendingCount;
    if (n === 0) return;
    if (this.guard && !this.guard.pending) this.capturePending(this.guard);
    const ref = this.pages.write(sink, PageType.BlockBTree, n, BBT_LEAF_MAX, 24, 0, (view) => {
      for (let i = 0; i < n; i++) {
        const at = i * 24;
        setU64(view, at, this.pendingBid[i]!); // BREF.bid
        setU64(view, at + 8, this.pendingIb[i]!); // BREF.ib
        view.setUint16(at + 16, this.pendingCb[i]!, true); // cb
        view.setUint16(at + 18, 2, true); // cRef
      }
    });
    this.leafKey.push(this.pendingBid[0]!);
    this.leafBid.push(ref.bid);
    this.leafIb.push(ref.ib);
    this.pendingCount = 0;
  }
}

/** The Node BTree: one NBTENTRY (§2.2.2.7.7.4) per node, in the order added until written. */
export class NodeBTree {
  private readonly nid = new NumberList(1024, (n) => new Uint32Array(n));
  private readonly bidData = new NumberList();
  private readonly bidSub = new NumberList();
  private readonly nidParent = new NumberList(1024, (n) => new Uint32Array(n));

  constructor(private readonly pages: BTreePages) {}

  add(nid: number, bidData: number, bidSub: number, nidParent: number): void {
    this.nid.push(nid);
    this.bidData.push(bidData);
    this.bidSub.push(bidSub);
    this.nidParent.push(nidParent);
  }

  /**
   * Writes the leaves in NID order and the levels above them; returns the root. The order is computed only when a
   * page is filled: a counting sink, which fills none, costs no sort.
   */
  *write(sink: Sink): Generator<void, BlockRef> {
    const n = this.nid.length;
    let order: Uint32Array | undefined;
    const sorted = (): Uint32Array => (order ??= sortedOrder(this.nid.view()));
    const leaves = Math.ceil(n / NBT_LEAF_MAX) + 1;
    const bids = new NumberList(leaves);
    const ibs = new NumberList(leaves);
    for (let start = 0; start < n; start += NBT_LEAF_MAX) {
      const count = Math.min(NBT_LEAF_MAX, n - start);
      const ref = this.pages.write(sink, PageType.NodeBTree, count, NBT_LEAF_MAX, 32, 0, (view) => {
        const at = sorted();
        for (let j = 0; j < count; j++) {
          const i = at[start + j]!;
          const offset = j * 32;
          if (j > 0 && this.nid.get(i) === this.nid.get(at[start + j - 1]!)) {
            throw new Error(`internal: NID 0x${this.nid.get(i).toString(16)} added twice`);
          }
          setU64(view, offset, this.nid.get(i)); // nid
          setU64(view, offset + 8, this.bidData.get(i)); // bidData
          setU64(view, offset + 16, this.bidSub.get(i)); // bidSub
          view.setUint32(offset + 24, this.nidParent.get(i), true); // nidParent
        }
      });
      bids.push(ref.bid);
      ibs.push(ref.ib);
      if (bids.length % PAGES_PER_STEP === 0) yield;
    }
    const leafKey = (leaf: number): number => this.nid.get(sorted()[leaf * NBT_LEAF_MAX]!);
    return yield* this.pages.writeLevels(sink, PageType.NodeBTree, leafKey, bids.view(), ibs.view());
  }

  /** The node count, to go back to with `restore`. */
  checkpoint(): number {
    return this.nid.length;
  }

  restore(count: number): void {
    this.nid.truncate(count);
    this.bidData.truncate(count);
    this.bidSub.truncate(count);
    this.nidParent.truncate(count);
  }
}

/**
 * The indexes of `nids` in ascending NID order (ties in index order): a least-significant-digit radix sort on two
 * 16-bit digits, linear in the node count, where a comparison sort of a million NBT entries held the thread for
 * hundreds of milliseconds.
 */
export function sortedOrder(nids: Uint32Array): Uint32Array {
  const n = nids.length;
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (const shift of [0, 16]) {
    const counts = new Uint32Array(65537);
    for (let i = 0; i < n; i++) counts[((nids[i]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d <= 65536; d++) counts[d]! += counts[d - 1]!;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      next[counts[(nids[i]! >>> shift) & 0xffff]!++] = i;
    }
    [order, next] = [next, order];
  }
  return order;
}
