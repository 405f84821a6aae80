import { walkBth } from './bth.js';
import { type HnidValue, type LtpNode, resolveHnid } from './ltp-node.js';
import { describeProp, inlineInPc, type PropTypeInfo, propTypeInfo, valueSizeProblem } from './property-types.js';
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
 * Heap blocks libpff (20180714: Debian's pff-tools and pypff) keeps in its cache while it reads a PC: it reads the
 * values while pointing into the cached BTH leaf, so a value in a block 8 apart from the leaf's evicts the leaf, and
 * the records after that value are read from the value's bytes ("unsupported value type"): the message is lost.
 * [MS-PST] sets no such limit, but a file a reader cannot read is damaged for that reader's users. Our writer keeps
 * message PCs to this many blocks; Outlook moves large values to subnodes long before.
 */
export const LIBPFF_PC_BLOCKS = 8;

/**
 * Checks the PC ([MS-PST] §2.3.3) of a node: the BTH at hidUserRoot has cbKey 2 and cbEnt 6, keys (property ids)
 * ascend and are unique, every record has a known property type, values of fixed types above 4 bytes are
 * allocations of exactly their size, variable values resolve (HIDs to allocations, NIDs to the node's subnodes) with
 * a size that fits the type, and PtypObject values name an existing subnode; no value evicts the BTH leaf from
 * libpff's cache ({@link LIBPFF_PC_BLOCKS}). Returns the records.
 */
export async function checkPropertyContext(node: LtpNode): Promise<PcRecord[]> {
  const records: PcRecord[] = [];
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
  if (node.heap.pageCount > LIBPFF_PC_BLOCKS) await checkLibpffCache(node, records);
  return records;
}

/** The PC of more than {@link LIBPFF_PC_BLOCKS} heap blocks: a value 8 blocks from the leaf's makes libpff lose it. */
async function checkLibpffCache(node: LtpNode, records: readonly PcRecord[]): Promise<void> {
  const header = await node.heap.alloc(node.heap.hidUserRoot);
  if (header.bytes?.length !== 8 || header.bytes[3] !== 0) return; // one leaf (an index level is reported apart)
  const leafBlock = header.bytes.readUInt32LE(4) >>> 16;
  const blocks = node.heap.pageCount;
  const evicting = records.findIndex((r, i) => {
    const info = propTypeInfo(r.type);
    const block = r.hnid >>> 16;
    return (
      i < records.length - 1 &&
      info !== undefined &&
      !inlineInPc(info) &&
      r.hnid !== 0 &&
      (r.hnid & 0x1f) === 0 &&
      block !== leafBlock &&
      Math.abs(block - leafBlock) % LIBPFF_PC_BLOCKS === 0
    );
  });
  if (evicting >= 0) {
    const r = records[evicting]!;
    node.problem(
      'pc.blocks',
      `PC heap of ${blocks} blocks: the value of ${describeProp(r.id, r.type)} is in heap block ${r.hnid >>> 16}, ${LIBPFF_PC_BLOCKS} blocks from the BTH leaf's block ${leafBlock}: libpff evicts the leaf from its cache there and reads the ${records.length - evicting - 1} records after it from the value's bytes`,
    );
  }
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
    if (value.bytes.length !== 8)
      node.problem('pc.size', `${what}: PtypObject value holds ${value.bytes.length} bytes, expected 8 (nid, ulSize)`);
    else {
      const nid = value.bytes.readUInt32LE(0);
      if (!node.subnodes.get(nid))
        node.problem(
          'pc.hnid',
          `${what}: PtypObject names subnode ${hex(nid)}, which is not in the node's subnode tree`,
        );
    }
  }
}

/** The inline 32-bit value of property `id` (a PtypInteger32 or PtypBoolean record), or undefined. */
export function inlineValue(records: readonly PcRecord[], id: number): number | undefined {
  const r = records.find((x) => x.id === id);
  return r && (r.type === 0x0003 || r.type === 0x000b) ? (r.type === 0x000b ? r.hnid & 0xff : r.hnid | 0) : undefined;
}
