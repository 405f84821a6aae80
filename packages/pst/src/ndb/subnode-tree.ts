/**
 * Subnode BTrees — [MS-PST] §2.2.2.8.3.3: the subnodes of a node, listed by SLBLOCKs (up to 340 SLENTRYs), with an
 * SIBLOCK (up to 510 SIENTRYs) above them when there are more. A node without subnodes has `bidSub = 0`: a
 * zero-entry SLBLOCK is invalid.
 */
import { setU64, viewOf } from '../io/bytes.js';
import type { NdbWriter } from './ndb-writer.js';

export const SLBLOCK_MAX_ENTRIES = 340;
export const SIBLOCK_MAX_ENTRIES = 510;

/** SLENTRY — [MS-PST] §2.2.2.8.3.3.1.1. */
export interface SubnodeEntry {
  readonly nid: number;
  readonly bidData: number;
  readonly bidSub: number;
}

/** Writes the subnode tree of `entries` (any order) and returns its BID, or 0 when there are none. */
export function writeSubnodeTree(ndb: NdbWriter, entries: readonly SubnodeEntry[]): number {
  if (entries.length === 0) return 0;
  const sorted = [...entries].sort((a, b) => a.nid - b.nid);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.nid === sorted[i - 1]!.nid)
      throw new Error(`internal: subnode NID 0x${sorted[i]!.nid.toString(16)} used twice`);
  }
  const leaves: { nid: number; bid: number }[] = [];
  for (let start = 0; start < sorted.length; start += SLBLOCK_MAX_ENTRIES) {
    const chunk = sorted.slice(start, start + SLBLOCK_MAX_ENTRIES);
    const length = 8 + chunk.length * 24;
    const bytes = new Uint8Array(length);
    const view = viewOf(bytes);
    bytes[0] = 0x02; // btype
    bytes[1] = 0x00; // cLevel
    view.setUint16(2, chunk.length, true); // cEnt
    chunk.forEach((e, i) => {
      setU64(view, 8 + i * 24, e.nid); // nid
      setU64(view, 16 + i * 24, e.bidData); // bidData
      setU64(view, 24 + i * 24, e.bidSub); // bidSub
    });
    leaves.push({ nid: chunk[0]!.nid, bid: ndb.writeBlock(bytes, length, true) });
  }
  if (leaves.length === 1) return leaves[0]!.bid;
  if (leaves.length > SIBLOCK_MAX_ENTRIES) {
    throw new RangeError(`a node with ${entries.length} subnodes exceeds ${SLBLOCK_MAX_ENTRIES * SIBLOCK_MAX_ENTRIES}`);
  }
  const length = 8 + leaves.length * 16;
  const bytes = new Uint8Array(length);
  const view = viewOf(bytes);
  bytes[0] = 0x02; // btype
  bytes[1] = 0x01; // cLevel
  view.setUint16(2, leaves.length, true); // cEnt
  leaves.forEach((l, i) => {
    setU64(view, 8 + i * 16, l.nid); // SIENTRY.nid
    setU64(view, 16 + i * 16, l.bid); // SIENTRY.bid
  });
  return ndb.writeBlock(bytes, length, true);
}
