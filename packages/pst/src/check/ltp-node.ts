import type { HeapAllocation, NodeHeap } from './node-heap.js';
import { hex } from './report.js';
import { MAX_VALUE_READ, type SubnodeMap } from './subnode-map.js';

/** The LTP view of one node or subnode being checked: its heap, its subnodes, and where its findings go. */
export interface LtpNode {
  /** Names the node, e.g. `message 0x200024` or `attachment 0x8025 of message 0x200024`. */
  readonly label: string;
  readonly heap: NodeHeap;
  readonly subnodes: SubnodeMap;
  /** Records an error about this node. */
  problem(code: string, message: string): void;
}

/** A value an HNID names: its size, and its bytes when asked for and not too large. */
export type HnidValue =
  | { readonly size: number; readonly bytes?: Buffer; readonly problem?: undefined }
  | { readonly problem: string };

const EMPTY = Buffer.alloc(0);

/**
 * Resolves an HNID ([MS-PST] §2.3.3.2): 0 is an empty value, a HID (nidType 0) an allocation of the node's heap, any
 * other NID a subnode of the node's subnode tree. Synchronous for HIDs whose heap block is at hand.
 */
export function resolveHnid(node: LtpNode, hnid: number, wantBytes: boolean): HnidValue | Promise<HnidValue> {
  if (hnid === 0) return EMPTY_VALUE;
  if ((hnid & 0x1f) === 0) {
    const a = node.heap.alloc(hnid);
    return a instanceof Promise ? a.then(fromAllocation) : fromAllocation(a);
  }
  return resolveSubnode(node, hnid, wantBytes);
}

const EMPTY_VALUE: HnidValue = { size: 0, bytes: EMPTY };

function fromAllocation(a: HeapAllocation): HnidValue {
  return a.bytes === undefined ? { problem: `dangling: ${a.problem}` } : { size: a.bytes.length, bytes: a.bytes };
}

async function resolveSubnode(node: LtpNode, hnid: number, wantBytes: boolean): Promise<HnidValue> {
  const entry = node.subnodes.get(hnid);
  if (!entry) return { problem: `dangling: subnode NID ${hex(hnid)} is not in the node's subnode tree` };
  const size = await node.subnodes.dataSize(entry.bidData);
  if (!wantBytes || size > MAX_VALUE_READ) return { size };
  const bytes = await node.subnodes.readData(entry.bidData);
  return bytes === undefined ? { size } : { size, bytes };
}
