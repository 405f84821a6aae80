import { amapCount, checkDList, checkExtentRange, checkMapPages, sweepAllocations } from './amap.js';
import { u64 } from './binary.js';
import { BlockTable, checkBlocks } from './blocks.js';
import { walkBTree } from './btree.js';
import { DecodedBlocks } from './decoded-blocks.js';
import { ExtentList } from './extents.js';
import { checkFolders } from './folders.js';
import { checkHeader } from './header.js';
import { checkHeap, isHeapNid } from './heap.js';
import { PositionalReader } from './io.js';
import { HEADER_SIZE, PTYPE_BBT, PTYPE_NBT } from './layout.js';
import { ContentChecker } from './node-content.js';
import { NodeIndex } from './node-index.js';
import { emptyStats, FatalCheckError, hex, Reporter } from './report.js';
import { TreeWalker } from './trees.js';
import type { CheckOptions, CheckReport } from './types.js';

/** Nodes every PST must hold (MS-PST 2.7.1): message store, name map, root folder and its tables. */
const REQUIRED_NIDS = [0x21, 0x61, 0x122, 0x12d, 0x12e, 0x12f];
/** NID types whose nidParent must name an existing node: folders and messages. */
const PARENTED_TYPES = new Set([0x02, 0x03, 0x04]);

/**
 * Checks the structure of a Unicode PST file (wVer 23, 512-byte pages) against MS-PST: header CRCs and
 * root fields, NBT/BBT pages, block trailers and CRCs, reference counts, data and subnode trees,
 * heap-on-node headers, PCs and TCs (records, types, sizes, HIDs, subnode NIDs, columns, row index, cells),
 * folder counts and contents rows against their messages, message sizes (strict), allocation maps, map
 * pages and the DList. Reads the file with positional reads and keeps per-block and per-node state in
 * typed arrays (no PC is kept past its node), so multi-gigabyte files can be checked.
 *
 * @param path file to check
 * @param options see {@link CheckOptions}
 * @returns the findings; `ok` is true when there is no error
 */
export async function checkPst(path: string, options: CheckOptions = {}): Promise<CheckReport> {
  const rep = new Reporter(options.maxFindings ?? 200, options.strict ?? false);
  const stats = emptyStats();
  let complete = false;
  const reader = await PositionalReader.open(path);
  try {
    stats.fileSize = reader.size;
    await run(reader, rep, stats, options.heap ?? true, options.strict ?? false);
    complete = true;
  } catch (e) {
    if (!(e instanceof FatalCheckError)) {
      rep.error(
        'check.aborted',
        'file',
        undefined,
        `checker stopped on an unexpected structure: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  } finally {
    await reader.close();
  }
  stats.errorCount = rep.errorCount;
  stats.warningCount = rep.warningCount;
  stats.countsByCode = rep.countsByCode;
  return { ok: rep.errorCount === 0, complete, errors: rep.errors, warnings: rep.warnings, stats };
}

async function run(
  reader: PositionalReader,
  rep: Reporter,
  stats: CheckReport['stats'],
  heap: boolean,
  strict: boolean,
): Promise<void> {
  const hdr = checkHeader(await reader.read(0, HEADER_SIZE), reader.size, rep);
  stats.wVer = hdr.wVer;
  stats.cryptMethod = hdr.bCryptMethod;
  stats.headerAMapFree = hdr.cbAMapFree;
  const sweepable = checkExtentRange(reader.size, rep);
  const extents = new ExtentList();

  // Allocation map pages and DList.
  const nAMaps = amapCount(hdr, reader.size);
  stats.amapPages = nAMaps;
  stats.computedAMapFree = await checkMapPages(reader, nAMaps, extents, rep);
  if (stats.computedAMapFree !== hdr.cbAMapFree) {
    rep.error(
      'amap.free-mismatch',
      'header',
      200,
      `cbAMapFree ${hdr.cbAMapFree} != ${stats.computedAMapFree}, the free space of the ${nAMaps} AMap pages`,
    );
  }
  await checkDList(reader, hdr, rep);

  // BBT, then every block.
  const blocks = new BlockTable();
  const bbt = await walkBTree(reader, PTYPE_BBT, hdr.bbtBid, hdr.bbtIb, extents, rep, (page, off) =>
    blocks.addEntry(page, off),
  );
  blocks.finish();
  stats.bbtPages = bbt.pages;
  stats.bbtDepth = bbt.depth;
  stats.blocks = blocks.length;
  await checkBlocks(reader, blocks, extents, rep);

  // NBT into typed arrays.
  const nodes = new NodeIndex();
  let nidHigh = 0;
  const nbt = await walkBTree(reader, PTYPE_NBT, hdr.nbtBid, hdr.nbtIb, extents, rep, (page, off) => {
    if (page.readUInt32LE(off + 4) !== 0) nidHigh++;
    nodes.add(page.readUInt32LE(off), u64(page, off + 8), u64(page, off + 16), page.readUInt32LE(off + 24));
  });
  nodes.finish();
  stats.nbtPages = nbt.pages;
  stats.nbtDepth = nbt.depth;
  stats.nodes = nodes.length;
  if (nidHigh) rep.error('node.nid', 'NBT', undefined, `${nidHigh} NBTENTRY nid fields have non-zero upper 32 bits`);

  // Counters in the header.
  const maxPageBid = Math.max(bbt.maxPageBid, nbt.maxPageBid);
  if (maxPageBid >= hdr.bidNextP)
    rep.error(
      'header.bid-next-p',
      'header',
      32,
      `bidNextP ${hex(hdr.bidNextP)} is not above the largest page BID ${hex(maxPageBid)}`,
    );
  if (blocks.maxBid() >= hdr.bidNextB)
    rep.error(
      'header.bid-next-b',
      'header',
      516,
      `bidNextB ${hex(hdr.bidNextB)} is not above the largest block BID ${hex(blocks.maxBid())}`,
    );

  // Nodes: rgnid, data trees, subnode trees, heaps, PCs and TCs.
  const hasNid = (nid: number): boolean => nodes.find(nid) >= 0;
  const trees = new TreeWalker(reader, blocks, rep, async (nid, bd, label) => {
    if (heap && isHeapNid(nid) && hdr.bCryptMethod <= 1) {
      if (await checkHeap(label, bd, blocks, trees, decoded, rep)) stats.heapsChecked++;
    }
  });
  const decoded = new DecodedBlocks(trees, hdr.bCryptMethod);
  const content = heap && hdr.bCryptMethod <= 1 ? new ContentChecker(blocks, trees, decoded, rep, strict) : undefined;
  if (heap && hdr.bCryptMethod > 1)
    rep.warn(
      'heap.skipped',
      'header',
      513,
      `bCryptMethod ${hdr.bCryptMethod}: heap checks need method 0 or 1 and were skipped`,
    );
  const rgnidReported = new Set<number>();
  for (let i = 0; i < nodes.length; i++) {
    const nid = nodes.nid.at(i);
    const type = nid & 0x1f;
    const index = nid >>> 5;
    const label = `node ${hex(nid)}`;
    if (type !== 0x01 && index > hdr.rgnid[type]! && !rgnidReported.has(type)) {
      rgnidReported.add(type);
      rep.error(
        'header.rgnid',
        'header',
        44 + 4 * type,
        `rgnid[${type}] ${hex(hdr.rgnid[type]!)} is below the index ${hex(index)} of ${label}`,
      );
    }
    const bd = nodes.bidData.at(i);
    if (bd !== 0) {
      await trees.dataTree(bd, label);
      if (heap && isHeapNid(nid) && hdr.bCryptMethod <= 1) {
        if (await checkHeap(label, bd, blocks, trees, decoded, rep)) stats.heapsChecked++;
      }
    }
    const bs = nodes.bidSub.at(i);
    if (bs !== 0) await trees.subTree(bs, label, label);
    if (content && bd !== 0 && isHeapNid(nid)) await content.checkNode(nid, bd, bs);
    const parent = nodes.parent.at(i);
    if (PARENTED_TYPES.has(type) && parent !== 0 && !hasNid(parent))
      rep.error('node.parent-missing', label, undefined, `nidParent ${hex(parent)} is not in the NBT`);
  }
  stats.subnodes = trees.subnodes;
  if (content) {
    await checkFolders(nodes, content, rep);
    stats.propertyContexts = content.pcs;
    stats.tableContexts = content.tcs;
  }
  for (const need of REQUIRED_NIDS)
    if (!hasNid(need))
      rep.error('node.required-missing', `node ${hex(need)}`, undefined, `required node is not in the NBT`);

  // Reference counts: cRef == 1 (the BBT's own) + references.
  for (let i = 0; i < blocks.length; i++) {
    const r = blocks.refs[i]!;
    const c = blocks.cref[i]!;
    const key = `${c}:${r}`;
    stats.crefVsRefs[key] = (stats.crefVsRefs[key] ?? 0) + 1;
    const what = `block ${hex(blocks.bid[i]!)}`;
    if (r === 0)
      rep.warn(
        'block.unreferenced',
        what,
        blocks.ib[i],
        `in the BBT (cRef ${c}) but referenced by no node, subnode or XBLOCK`,
      );
    else if (c < r + 1) rep.error('block.cref', what, blocks.ib[i], `cRef ${c} < ${r + 1} (1 + ${r} references)`);
    else if (c > r + 1) rep.warn('block.cref-high', what, blocks.ib[i], `cRef ${c} > ${r + 1} (1 + ${r} references)`);
  }

  if (sweepable) {
    const sweep = await sweepAllocations(reader, nAMaps, extents, rep);
    stats.leakedBytes = sweep.leakedBytes;
    if (sweep.leakedBytes > 0)
      rep.warn(
        'amap.leak',
        'AMap',
        undefined,
        `${sweep.leakedBytes} bytes are marked allocated but used by no page or block`,
      );
  }
}
