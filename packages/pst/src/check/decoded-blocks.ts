import { decodeBlock } from './permute.js';
import type { TreeWalker } from './trees.js';

/** Decoded blocks kept: a node's heap is checked by `checkHeap` and then read by its PC or TC check. */
const KEPT = 32;

/** Stored bytes of data blocks decoded per bCryptMethod (0 or 1), the last few kept by BBT index. */
export class DecodedBlocks {
  private readonly kept = new Map<number, Buffer>();

  constructor(
    private readonly trees: TreeWalker,
    readonly crypt: number,
  ) {}

  /** The decoded bytes of the block at BBT index `i`. */
  async get(i: number): Promise<Buffer> {
    const hit = this.kept.get(i);
    if (hit) return hit;
    const bytes = decodeBlock(await this.trees.raw(i), this.crypt);
    this.kept.set(i, bytes);
    if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value!);
    return bytes;
  }
}
