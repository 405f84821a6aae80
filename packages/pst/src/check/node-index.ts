import { Growable } from './growable.js';

/**
 * The NBT's leaf entries (NBTENTRY: nid, bidData, bidSub, nidParent) in typed arrays, with lookups by NID. The NBT
 * holds them in ascending NID order; when it does not (reported by the BTree walk) a sorted permutation is built.
 */
export class NodeIndex {
  readonly nid = new Growable(Uint32Array);
  readonly bidData = new Growable(Float64Array);
  readonly bidSub = new Growable(Float64Array);
  readonly parent = new Growable(Uint32Array);
  private order: Uint32Array | undefined;

  /** Adds an NBTENTRY. */
  add(nid: number, bidData: number, bidSub: number, parent: number): void {
    this.nid.push(nid);
    this.bidData.push(bidData);
    this.bidSub.push(bidSub);
    this.parent.push(parent);
  }

  get length(): number {
    return this.nid.length;
  }

  /** Prepares lookups (call once every entry is added). */
  finish(): void {
    this.order = sortOrder(this.nid.view());
  }

  /** Index of the entry of `nid`, or -1. */
  find(nid: number): number {
    return findNid(this.nid.view(), this.order, nid);
  }
}

/** The indices of `nids` in ascending NID order, or undefined when they already ascend. */
export function sortOrder(nids: Uint32Array): Uint32Array | undefined {
  for (let i = 1; i < nids.length; i++) {
    if (nids[i]! <= nids[i - 1]!)
      return Uint32Array.from({ length: nids.length }, (_, k) => k).sort((a, b) => nids[a]! - nids[b]!);
  }
  return undefined;
}

/** Index in `nids` of `nid` by binary search (through `order` when given, see {@link sortOrder}), or -1. */
export function findNid(nids: Uint32Array, order: Uint32Array | undefined, nid: number): number {
  let lo = 0;
  let hi = nids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = order ? order[mid]! : mid;
    const v = nids[k]!;
    if (v === nid) return k;
    if (v < nid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
