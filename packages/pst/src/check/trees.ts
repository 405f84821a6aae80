import { isInternalBid, u64 } from './binary.js';
import type { BlockTable } from './blocks.js';
import type { PositionalReader } from './io.js';
import { MAX_BLOCK_DATA } from './layout.js';
import { hex, type Reporter } from './report.js';

/** Called for every node found in a subnode tree (SLENTRY), with the NID and its data BID. */
export type SubnodeVisitor = (nid: number, bidData: number, owner: string) => Promise<void>;

/**
 * Walks data trees (XBLOCK/XXBLOCK) and subnode trees (SLBLOCK/SIBLOCK), counting references per block.
 * An internal block's children are walked only at its first reference, so shared trees are counted once
 * and cycles end.
 */
export class TreeWalker {
  subnodes = 0;

  constructor(
    private readonly reader: PositionalReader,
    private readonly blocks: BlockTable,
    private readonly rep: Reporter,
    private readonly onSubnode: SubnodeVisitor,
  ) {}

  /** Counts one reference to `bid` from `from`; returns the block index, or -1 when missing (reported). */
  ref(bid: number, from: string): number {
    const i = this.blocks.find(bid);
    if (i < 0) {
      this.rep.error('block.missing', from, undefined, `references block ${hex(bid)}, which is not in the BBT`);
      return -1;
    }
    if (bid % 2 === 1)
      this.rep.warn('bid.reserved-bit', from, undefined, `reference ${hex(bid)} has BID bit 0 (reserved) set`);
    this.blocks.refs[i]!++;
    return i;
  }

  /** Stored bytes of block `i`. */
  async raw(i: number): Promise<Buffer> {
    return this.reader.read(this.blocks.ib[i]!, this.blocks.cb[i]!);
  }

  /**
   * Walks the data tree rooted at `bid`: XBLOCK (cLevel 1, external children) and XXBLOCK (cLevel 2,
   * XBLOCK children), lcbTotal == sum of the children, every leaf except the last 8176 bytes.
   */
  async dataTree(bid: number, from: string): Promise<void> {
    const leaves = { count: 0, lastSize: -1, lastBid: 0, reported: false };
    await this.dataNode(bid, from, undefined, leaves);
  }

  private async dataNode(
    bid: number,
    from: string,
    expectLevel: number | undefined,
    leaves: { count: number; lastSize: number; lastBid: number; reported: boolean },
  ): Promise<number> {
    const i = this.ref(bid, from);
    if (i < 0) return 0;
    if (!isInternalBid(bid)) {
      if (expectLevel !== undefined && expectLevel !== 0) {
        this.rep.error(
          'datatree.child-type',
          from,
          this.blocks.ib[i],
          `XXBLOCK child ${hex(bid)} is an external block, expected an XBLOCK`,
        );
      }
      const size = this.blocks.cb[i]!;
      if (leaves.count > 0 && leaves.lastSize !== MAX_BLOCK_DATA && !leaves.reported) {
        this.rep.error(
          'datatree.leaf-size',
          from,
          undefined,
          `leaf block ${hex(leaves.lastBid)} holds ${leaves.lastSize} bytes but is not the last leaf (expected ${MAX_BLOCK_DATA})`,
        );
        leaves.reported = true;
      }
      leaves.count++;
      leaves.lastSize = size;
      leaves.lastBid = bid;
      return size;
    }
    const what = `XBLOCK ${hex(bid)}`;
    const b = await this.raw(i);
    const ib = this.blocks.ib[i]!;
    if (b.length < 8) {
      this.rep.error(
        'datatree.header',
        what,
        ib,
        `internal block of ${b.length} bytes is too short for an XBLOCK header`,
      );
      return 0;
    }
    const btype = b[0]!;
    const cLevel = b[1]!;
    const cEnt = b.readUInt16LE(2);
    const lcbTotal = b.readUInt32LE(4);
    if (btype !== 1 || (cLevel !== 1 && cLevel !== 2)) {
      this.rep.error(
        'datatree.header',
        what,
        ib,
        `btype ${btype} cLevel ${cLevel}, expected btype 1 and cLevel 1 or 2 (referenced from ${from})`,
      );
      return lcbTotal;
    }
    if (expectLevel !== undefined && cLevel !== expectLevel) {
      this.rep.error('datatree.child-type', what, ib, `cLevel ${cLevel}, expected ${expectLevel} below an XXBLOCK`);
    }
    if (this.blocks.refs[i]! > 1) return lcbTotal; // shared tree: children already counted
    if (8 + 8 * cEnt > b.length) {
      this.rep.error('datatree.fit', what, ib, `cEnt ${cEnt} does not fit in cb ${b.length}`);
      return lcbTotal;
    }
    if (cEnt === 0) this.rep.error('datatree.empty', what, ib, `cEnt is 0`);
    let total = 0;
    for (let k = 0; k < cEnt; k++) {
      const child = u64(b, 8 + 8 * k);
      if (cLevel === 1 && isInternalBid(child)) {
        this.rep.error(
          'datatree.child-type',
          what,
          ib,
          `XBLOCK entry ${k} ${hex(child)} is an internal block, expected a data block`,
        );
        continue;
      }
      if (cLevel === 2 && !isInternalBid(child)) {
        this.rep.error('datatree.child-type', what, ib, `XXBLOCK entry ${k} ${hex(child)} is not an internal block`);
        continue;
      }
      total += await this.dataNode(child, what, cLevel - 1, leaves);
    }
    if (total !== lcbTotal)
      this.rep.error('datatree.lcb-total', what, ib, `lcbTotal ${lcbTotal} != ${total}, the sum of its children`);
    return lcbTotal;
  }

  /** BIDs of the leaf blocks of a data tree, in order, without counting references (for heap checks). */
  async leaves(bid: number, out: number[] = [], depth = 0): Promise<number[]> {
    const i = this.blocks.find(bid);
    if (i < 0) return out;
    if (!isInternalBid(bid)) {
      out.push(bid);
      return out;
    }
    if (depth > 2) return out;
    const b = await this.raw(i);
    if (b.length < 8 || b[0] !== 1) return out;
    const cEnt = Math.min(b.readUInt16LE(2), Math.floor((b.length - 8) / 8));
    for (let k = 0; k < cEnt; k++) await this.leaves(u64(b, 8 + 8 * k), out, depth + 1);
    return out;
  }

  /**
   * Walks the subnode tree rooted at `bid` (SLBLOCK cLevel 0 with SLENTRY {nid, bidData, bidSub},
   * SIBLOCK cLevel 1 with SIENTRY {nid, bid}): internal blocks, cEnt > 0, NIDs strictly ascending and
   * inside the parent's range, SIENTRY key == first NID of its child; each SLENTRY's data tree and
   * nested subnode tree are walked too.
   */
  async subTree(
    bid: number,
    from: string,
    owner: string,
    expectLevel?: number,
    lo?: number,
    hi?: number,
  ): Promise<number | undefined> {
    const i = this.ref(bid, from);
    if (i < 0) return undefined;
    const ib = this.blocks.ib[i]!;
    const what = `subnode block ${hex(bid)} of ${owner}`;
    if (!isInternalBid(bid)) {
      this.rep.error(
        'subnode.not-internal',
        what,
        ib,
        `a subnode tree block must be an internal block (BID bit 1 set)`,
      );
      return undefined;
    }
    const b = await this.raw(i);
    if (b.length < 8) {
      this.rep.error(
        'subnode.header',
        what,
        ib,
        `block of ${b.length} bytes is too short for an SLBLOCK/SIBLOCK header`,
      );
      return undefined;
    }
    const btype = b[0]!;
    const cLevel = b[1]!;
    const cEnt = b.readUInt16LE(2);
    if (btype !== 2 || (cLevel !== 0 && cLevel !== 1)) {
      this.rep.error('subnode.header', what, ib, `btype ${btype} cLevel ${cLevel}, expected btype 2 and cLevel 0 or 1`);
      return undefined;
    }
    if (expectLevel !== undefined && cLevel !== expectLevel)
      this.rep.error('subnode.header', what, ib, `cLevel ${cLevel}, expected ${expectLevel} below an SIBLOCK`);
    const esz = cLevel === 0 ? 24 : 16;
    if (cEnt === 0) this.rep.error('subnode.empty', what, ib, `cEnt is 0 (use bidSub 0 for no subnodes)`);
    if (8 + esz * cEnt > b.length) {
      this.rep.error('subnode.fit', what, ib, `cEnt ${cEnt} entries of ${esz} bytes do not fit in cb ${b.length}`);
      return undefined;
    }
    const first = cEnt > 0 ? b.readUInt32LE(8) : undefined;
    if (this.blocks.refs[i]! > 1) return first; // shared: already walked
    let prev: number | undefined;
    for (let k = 0; k < cEnt; k++) {
      const off = 8 + esz * k;
      const nid = b.readUInt32LE(off);
      if (prev !== undefined && nid <= prev)
        this.rep.error('subnode.order', what, ib, `entry ${k} NID ${hex(nid)} not above the previous ${hex(prev)}`);
      if ((lo !== undefined && nid < lo) || (hi !== undefined && nid >= hi)) {
        this.rep.error(
          'subnode.order',
          what,
          ib,
          `entry ${k} NID ${hex(nid)} outside the SIENTRY range [${hex(lo ?? 0)}, ${hi === undefined ? '-' : hex(hi)})`,
        );
      }
      prev = nid;
      if (cLevel === 0) {
        const bidData = u64(b, off + 8);
        const bidSub = u64(b, off + 16);
        this.subnodes++;
        const sub = `subnode ${hex(nid)} of ${owner}`;
        if (bidData === 0)
          this.rep.error('subnode.bid-data-zero', what, ib, `SLENTRY ${k} (NID ${hex(nid)}) has bidData 0`);
        else {
          await this.dataTree(bidData, sub);
          await this.onSubnode(nid, bidData, sub);
        }
        if (bidSub !== 0) await this.subTree(bidSub, sub, sub);
      } else {
        const child = u64(b, off + 8);
        const next = k + 1 < cEnt ? b.readUInt32LE(off + esz) : hi;
        const childFirst = await this.subTree(child, what, owner, 0, nid, next);
        if (childFirst !== undefined && childFirst !== nid) {
          this.rep.error(
            'subnode.order',
            what,
            ib,
            `SIENTRY ${k} NID ${hex(nid)} != first NID ${hex(childFirst)} of its SLBLOCK`,
          );
        }
      }
    }
    return first;
  }
}
