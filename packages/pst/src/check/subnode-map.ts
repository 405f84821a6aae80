import { isInternalBid, u64 } from './binary.js';
import type { BlockTable } from './blocks.js';
import type { DecodedBlocks } from './decoded-blocks.js';
import type { TreeWalker } from './trees.js';

/** An SLENTRY ([MS-PST] §2.2.2.8.3.3.1.1): a subnode's data tree and its own subnode tree. */
export interface SubnodeEntry {
  readonly bidData: number;
  readonly bidSub: number;
}

/** Nesting of subnode trees followed when sizing an object (see `MAX_OBJECT_DEPTH`). */
const MAX_SUBNODE_DEPTH = 100;

/** Values read whole from a subnode up to this size (longer ones are only measured). */
export const MAX_VALUE_READ = 1 << 20;

/**
 * The top-level subnodes of one node (the SLENTRYs reachable from its bidSub through SIBLOCKs), for resolving the
 * NIDs its PC or TC names. The tree's structure is checked by `TreeWalker.subTree`; here a broken block is skipped.
 */
export class SubnodeMap {
  private readonly entries = new Map<number, SubnodeEntry>();

  private constructor(
    private readonly blocks: BlockTable,
    private readonly trees: TreeWalker,
    private readonly decoded: DecodedBlocks,
  ) {}

  /** Reads the subnode tree at `bidSub` (0: none). */
  static async load(
    bidSub: number,
    blocks: BlockTable,
    trees: TreeWalker,
    decoded: DecodedBlocks,
  ): Promise<SubnodeMap> {
    const map = new SubnodeMap(blocks, trees, decoded);
    if (bidSub !== 0) await map.read(bidSub, 0);
    return map;
  }

  private async read(bid: number, depth: number): Promise<void> {
    const i = this.blocks.find(bid);
    if (i < 0 || !isInternalBid(bid) || depth > 2) return;
    const b = await this.trees.raw(i);
    if (b.length < 8 || b[0] !== 2) return;
    const level = b[1]!;
    const size = level === 0 ? 24 : 16;
    const n = Math.min(b.readUInt16LE(2), Math.floor((b.length - 8) / size));
    for (let k = 0; k < n; k++) {
      const at = 8 + size * k;
      if (level === 0) this.entries.set(b.readUInt32LE(at), { bidData: u64(b, at + 8), bidSub: u64(b, at + 16) });
      else await this.read(u64(b, at + 8), depth + 1);
    }
  }

  get(nid: number): SubnodeEntry | undefined {
    return this.entries.get(nid);
  }

  /** The subnodes in NID order. */
  list(): [number, SubnodeEntry][] {
    return [...this.entries].sort((a, b) => a[0] - b[0]);
  }

  /** BIDs of the leaf blocks of data tree `bidData`, in order. */
  leaves(bidData: number): Promise<number[]> {
    return this.trees.leaves(bidData);
  }

  /** cb of block `bid` in the BBT (0 when missing). */
  blockSize(bid: number): number {
    const i = this.blocks.find(bid);
    return i < 0 ? 0 : this.blocks.cb[i]!;
  }

  /** The decoded bytes of block `bid`, or undefined when it is not in the BBT. */
  async readBlock(bid: number): Promise<Buffer | undefined> {
    const i = this.blocks.find(bid);
    return i < 0 ? undefined : this.decoded.get(i);
  }

  /** Bytes of the data tree `bidData`: the sum of its leaf blocks' sizes. */
  async dataSize(bidData: number): Promise<number> {
    let size = 0;
    for (const leaf of await this.trees.leaves(bidData)) size += this.blockSize(leaf);
    return size;
  }

  /** The decoded bytes of the data tree `bidData`, or undefined when it is larger than `limit`. */
  async readData(bidData: number, limit = MAX_VALUE_READ): Promise<Buffer | undefined> {
    const leaves = await this.trees.leaves(bidData);
    const parts: Buffer[] = [];
    let size = 0;
    for (const leaf of leaves) {
      size += this.blockSize(leaf);
      if (size > limit) return undefined;
      const bytes = await this.readBlock(leaf);
      if (bytes) parts.push(bytes);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Bytes of the object held by data tree `bidData` and this subnode tree: its leaf blocks and those of every
   * subnode below it, at any depth (internal blocks, trailers and padding not counted). This is what the writer
   * stores as PidTagMessageSize and PidTagAttachSize.
   */
  async objectBytes(bidData: number, depth = 0): Promise<number> {
    let total = bidData === 0 ? 0 : await this.dataSize(bidData);
    if (depth > MAX_SUBNODE_DEPTH) return total; // a subnode tree that contains itself (reported by the object checks)
    for (const [, e] of this.entries) {
      if (e.bidSub === 0) total += await this.dataSize(e.bidData);
      else
        total += await (await SubnodeMap.load(e.bidSub, this.blocks, this.trees, this.decoded)).objectBytes(
          e.bidData,
          depth + 1,
        );
    }
    return total;
  }
}
