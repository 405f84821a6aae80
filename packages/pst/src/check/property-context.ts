import { walkBth } from './bth.js';
import { resolveHnid, type HnidValue, type LtpNode } from './ltp-node.js';
import { describeProp, inlineInPc, propTypeInfo, valueSizeProblem, type PropTypeInfo } from './property-types.js';
import { hex } from './report.js';

/** One record of a PC's BTH: {wPropId, wPropType, dwValueHnid} ([MS-PST] §2.3.3.3). */
export interface PcRecord {
  readonly id: number;
  readonly type: number;
  readonly hnid: number;
}

/** PtypObject, whose PC value is a HID to {nid, ulSize} ([MS-PST] §2.3.3.5). */
const PTYP_OBJECT = 0x000d;

/**
 * Heap blocks of a PC that libpff (20180714, Debian's pff-tools and pypff) resolves correctly: in a PC of more blocks
 * it reads the BTH records from the wrong allocation ("unsupported value type") and loses the message. [MS-PST] sets
 * no such limit (block 8 is the first with an HNBITMAPHDR, §2.3.1.4), but a file that a reader cannot read is damaged
 * for that reader's users; Outlook moves large values to subnodes long before.
 */
export const MAX_READABLE_PC_BLOCKS = 8;

/**
 * Checks the PC ([MS-PST] §2.3.3) of a node: the BTH at hidUserRoot has cbKey 2 and cbEnt 6, keys (property ids)
 * ascend and are unique, every record has a known property type, values of fixed types above 4 bytes are
 * allocations of exactly their size, variable values resolve (HIDs to allocations, NIDs to the node's subnodes) with
 * a size that fits the type, and PtypObject values name an existing subnode; the heap has at most
 * {@link MAX_READABLE_PC_BLOCKS} blocks. Returns the records.
 */
export async function checkPropertyContext(node: LtpNode): Promise<PcRecord[]> {
  const records: PcRecord[] = [];
  if (node.heap.pageCount > MAX_READABLE_PC_BLOCKS) {
    node.problem('pc.blocks', `PC heap of ${node.heap.pageCount} blocks: libpff misreads the BTH records of a PC of more than ${MAX_READABLE_PC_BLOCKS} (large values belong in subnodes)`);
  }
  await walkBth(
    node.heap,
    node.heap.hidUserRoot,
    2,
    6,
    (code, message) => node.problem(code === 'bth.key-order' ? 'pc.key-order' : code, `PC ${message}`),
    (rec) => {
      const r: PcRecord = { id: rec.readUInt16LE(0), type: rec.readUInt16LE(2), hnid: rec.readUInt32LE(4) };
      records.push(r);
      return checkRecord(node, r);
    },
  );
  return records;
}

function checkRecord(node: LtpNode, r: PcRecord): void | Promise<void> {
  const info = propTypeInfo(r.type);
  if (info && inlineInPc(info)) return;
  if (!info) {
    node.problem('pc.type', `${describeProp(r.id, r.type)} (dwValueHnid ${hex(r.hnid)}): unknown property type`);
    return;
  }
  const value = resolveHnid(node, r.hnid, info.variableElements || r.type === PTYP_OBJECT);
  return value instanceof Promise ? value.then((v) => checkValue(node, r, info, v)) : checkValue(node, r, info, value);
}

function checkValue(node: LtpNode, r: PcRecord, info: PropTypeInfo, value: HnidValue): void {
  if (value.problem !== undefined) {
    node.problem('pc.hnid', `${describeProp(r.id, r.type)}: dwValueHnid ${hex(r.hnid)} is ${value.problem}`);
    return;
  }
  const sizeProblem = valueSizeProblem(info, r.type, value.size, value.bytes);
  const what = sizeProblem || r.type === PTYP_OBJECT ? describeProp(r.id, r.type) : '';
  if (sizeProblem) node.problem('pc.size', `${what}: value ${sizeProblem}`);
  if (r.type === PTYP_OBJECT && value.bytes && (r.hnid & 0x1f) === 0 && r.hnid !== 0) {
    if (value.bytes.length !== 8) node.problem('pc.size', `${what}: PtypObject value holds ${value.bytes.length} bytes, expected 8 (nid, ulSize)`);
    else {
      const nid = value.bytes.readUInt32LE(0);
      if (!node.subnodes.get(nid)) node.problem('pc.hnid', `${what}: PtypObject names subnode ${hex(nid)}, which is not in the node's subnode tree`);
    }
  }
}

/** The inline 32-bit value of property `id` (a PtypInteger32 or PtypBoolean record), or undefined. */
export function inlineValue(records: readonly PcRecord[], id: number): number | undefined {
  const r = records.find((x) => x.id === id);
  return r && (r.type === 0x0003 || r.type === 0x000b) ? (r.type === 0x000b ? r.hnid & 0xff : r.hnid | 0) : undefined;
}
