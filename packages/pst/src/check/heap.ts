import type { BlockTable } from './blocks.js';
import type { DecodedBlocks } from './decoded-blocks.js';
import { hex, type Reporter } from './report.js';
import type { TreeWalker } from './trees.js';

/** bClientSig values of MS-PST 2.3.1.2 plus those Outlook writes (0x9C hierarchy map, 0xCC node 0xE01). */
const KNOWN_CLIENT_SIGS = new Set([0x6c, 0x7c, 0x8c, 0x9c, 0xa5, 0xac, 0xb5, 0xbc, 0xcc]);
/** NID types whose node data is a heap-on-node (PC or TC). */
const HEAP_NID_TYPES = new Set([0x02, 0x03, 0x04, 0x05, 0x08, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12]);

/** True when the data of the node `nid` is a heap-on-node: folders, messages, attachments, tables, store, name map. */
export function isHeapNid(nid: number): boolean {
  return nid === 0x21 || nid === 0x61 || HEAP_NID_TYPES.has(nid & 0x1f);
}

/** Size of the page header at the start of heap block `i`: HNHDR, HNBITMAPHDR or HNPAGEHDR. */
function pageHeaderSize(i: number): number {
  if (i === 0) return 12;
  if (i >= 8 && (i - 8) % 128 === 0) return 66;
  return 2;
}

/**
 * Checks the heap-on-node (MS-PST 2.3.1) of a node's data: HNHDR bSig 0xEC and a known bClientSig in the
 * first block; in every block the HNPAGEMAP at ibHnpm is 2-byte aligned and inside the block, the
 * allocation offsets ascend from the end of the page header up to ibHnpm; hidUserRoot points at an
 * existing allocation holding a BTHHEADER (PC) or TCINFO (TC). Blocks are decoded per bCryptMethod 0 or 1.
 */
export async function checkHeap(
  label: string,
  bidData: number,
  blocks: BlockTable,
  trees: TreeWalker,
  decoded: DecodedBlocks,
  rep: Reporter,
): Promise<boolean> {
  const rootIndex = blocks.find(bidData);
  if (rootIndex < 0 || (blocks.flags[rootIndex]! & 1) !== 0) return false;
  blocks.flags[rootIndex]! |= 1;
  const leaves = await trees.leaves(bidData);
  let clientSig = 0;
  let hidRoot = 0;
  for (let i = 0; i < leaves.length; i++) {
    const bi = blocks.find(leaves[i]!);
    if (bi < 0) return true;
    const ib = blocks.ib[bi]!;
    const blk = await decoded.get(bi);
    const what = `heap of ${label}, block ${i} (${hex(leaves[i]!)})`;
    const hdr = pageHeaderSize(i);
    if (blk.length < hdr + 4) {
      rep.error('heap.page-map-bounds', what, ib, `block of ${blk.length} bytes is too short for a heap page`);
      continue;
    }
    const ibHnpm = blk.readUInt16LE(0);
    if (i === 0) {
      const bSig = blk[2]!;
      clientSig = blk[3]!;
      hidRoot = blk.readUInt32LE(4);
      if (bSig !== 0xec) {
        rep.error('heap.signature', what, ib, `HNHDR bSig ${hex(bSig)}, expected 0xec`);
        return true;
      }
      if (!KNOWN_CLIENT_SIGS.has(clientSig))
        rep.error('heap.client-sig', what, ib, `HNHDR bClientSig ${hex(clientSig)} is not a known heap client`);
    }
    if (ibHnpm % 2 !== 0) rep.error('heap.page-map-align', what, ib, `ibHnpm ${ibHnpm} is not 2-byte aligned`);
    if (ibHnpm < hdr || ibHnpm + 4 > blk.length) {
      rep.error(
        'heap.page-map-bounds',
        what,
        ib,
        `ibHnpm ${ibHnpm} outside the block (${blk.length} bytes, header ${hdr})`,
      );
      continue;
    }
    const cAlloc = blk.readUInt16LE(ibHnpm);
    if (ibHnpm + 4 + 2 * (cAlloc + 1) > blk.length) {
      rep.error(
        'heap.page-map-bounds',
        what,
        ib,
        `HNPAGEMAP with cAlloc ${cAlloc} at ${ibHnpm} does not fit in ${blk.length} bytes`,
      );
      continue;
    }
    let prev = hdr;
    let bad = false;
    for (let k = 0; k <= cAlloc && !bad; k++) {
      const o = blk.readUInt16LE(ibHnpm + 4 + 2 * k);
      if (o < prev) {
        rep.error(
          'heap.alloc-order',
          what,
          ib,
          `rgibAlloc[${k}] ${o} is below ${k === 0 ? `the end of the page header (${hdr})` : `rgibAlloc[${k - 1}] ${prev}`}`,
        );
        bad = true;
      } else if (o > ibHnpm) {
        rep.error('heap.alloc-bounds', what, ib, `rgibAlloc[${k}] ${o} is past the page map at ${ibHnpm}`);
        bad = true;
      }
      prev = o;
    }
    if (bad || hidRoot === 0) continue;
    const rootBlock = hidRoot >>> 16;
    if (i === 0 && (hidRoot & 0x1f) !== 0) {
      rep.error('heap.root', what, ib, `hidUserRoot ${hex(hidRoot)} is not a HID (hidType ${hidRoot & 0x1f})`);
      hidRoot = 0;
      continue;
    }
    if (i === 0 && rootBlock >= leaves.length) {
      rep.error(
        'heap.root',
        what,
        ib,
        `hidUserRoot ${hex(hidRoot)} names block ${rootBlock}, but the heap has ${leaves.length}`,
      );
      continue;
    }
    if (rootBlock !== i) continue;
    const idx = (hidRoot >>> 5) & 0x7ff;
    if (idx < 1 || idx > cAlloc) {
      rep.error('heap.root', what, ib, `hidUserRoot ${hex(hidRoot)} allocation ${idx} outside 1..${cAlloc}`);
      continue;
    }
    const s = blk.readUInt16LE(ibHnpm + 4 + 2 * (idx - 1));
    const e = blk.readUInt16LE(ibHnpm + 4 + 2 * idx);
    const item = blk.subarray(s, e);
    if (clientSig === 0xbc && (item.length < 8 || item[0] !== 0xb5 || item[1] !== 2 || item[2] !== 6)) {
      rep.error(
        'heap.bth-header',
        what,
        ib,
        `PC BTHHEADER at hidUserRoot is ${item.subarray(0, 8).toString('hex')}, expected bType 0xb5 cbKey 2 cbEnt 6`,
      );
    }
    if (clientSig === 0x7c && (item.length < 22 || item[0] !== 0x7c)) {
      rep.error(
        'heap.tc-info',
        what,
        ib,
        `TCINFO at hidUserRoot is ${item.subarray(0, 8).toString('hex')} (${item.length} bytes), expected bType 0x7c and at least 22 bytes`,
      );
    }
    if (clientSig === 0xb5 && (item.length < 8 || item[0] !== 0xb5)) {
      rep.error(
        'heap.bth-header',
        what,
        ib,
        `BTHHEADER at hidUserRoot is ${item.subarray(0, 8).toString('hex')}, expected bType 0xb5`,
      );
    }
  }
  return true;
}
