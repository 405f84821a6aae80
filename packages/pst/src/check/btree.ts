import { u64 } from './binary.js';
import { ExtentKind, type ExtentList } from './extents.js';
import type { PositionalReader } from './io.js';
import { PAGE_SIZE, PTYPE_BBT, PTYPE_NBT, ptypeName } from './layout.js';
import { checkPageTrailer } from './pages.js';
import { hex, type Reporter } from './report.js';

/** Most intermediate levels a BTree may have (MS-PST 2.2.2.7.7). */
const MAX_LEVEL = 8;

/** Called for every leaf entry of a BTree, in tree order; `off` is the entry offset inside `page`. */
export type LeafVisitor = (page: Buffer, off: number) => void;

/** What a BTree walk found. */
export interface BTreeWalk {
  pages: number;
  depth: number;
  maxPageBid: number;
}

/**
 * Walks a Unicode NBT or BBT from its root BREF (MS-PST 2.2.2.7.7): checks every page trailer,
 * cbEnt/cEntMax/cEnt/cLevel, strictly ascending keys, parent key == first key of the child, and
 * child keys inside the parent's range; records each page as an allocated extent.
 */
export async function walkBTree(
  reader: PositionalReader,
  ptype: typeof PTYPE_NBT | typeof PTYPE_BBT,
  rootBid: number,
  rootIb: number,
  extents: ExtentList,
  rep: Reporter,
  visit: LeafVisitor,
): Promise<BTreeWalk> {
  const name = ptypeName(ptype);
  const result: BTreeWalk = { pages: 0, depth: 0, maxPageBid: 0 };
  const seen = new Set<number>();

  const walk = async (
    ib: number,
    bid: number,
    expectLevel: number | undefined,
    lo: number | undefined,
    hi: number | undefined,
  ): Promise<number | undefined> => {
    const what = `${name} page`;
    if (ib % PAGE_SIZE !== 0 || ib + PAGE_SIZE > reader.size) {
      rep.error(
        'page.bounds',
        what,
        ib,
        `BREF ib not 512-aligned or past the end of the file (${reader.size} bytes), bid ${hex(bid)}`,
      );
      return undefined;
    }
    if (seen.has(ib)) {
      rep.error('btree.cycle', what, ib, `page referenced twice in the ${name}`);
      return undefined;
    }
    seen.add(ib);
    const page = Buffer.from(await reader.read(ib, PAGE_SIZE));
    result.pages++;
    if (bid > result.maxPageBid) result.maxPageBid = bid;
    extents.add(ib, PAGE_SIZE, ptype === PTYPE_NBT ? ExtentKind.NbtPage : ExtentKind.BbtPage);
    if (!checkPageTrailer(page, ib, ptype, bid, rep)) return undefined;
    const cEnt = page[488]!;
    const cEntMax = page[489]!;
    const cbEnt = page[490]!;
    const cLevel = page[491]!;
    if (expectLevel === undefined) result.depth = cLevel + 1;
    if (cLevel > MAX_LEVEL) {
      rep.error('btree.level', what, ib, `cLevel ${cLevel} exceeds ${MAX_LEVEL}`);
      return undefined;
    }
    if (expectLevel !== undefined && cLevel !== expectLevel) {
      rep.error('btree.level', what, ib, `cLevel ${cLevel}, expected ${expectLevel} (one below its parent)`);
      if (cLevel >= expectLevel + 1) return undefined;
    }
    const wantCb = cLevel > 0 || ptype === PTYPE_BBT ? 24 : 32;
    if (cbEnt !== wantCb) {
      rep.error('btree.cbent', what, ib, `cbEnt ${cbEnt}, expected ${wantCb} for cLevel ${cLevel}`);
      return undefined;
    }
    if (cEntMax !== Math.floor(488 / cbEnt))
      rep.error('btree.centmax', what, ib, `cEntMax ${cEntMax}, expected ${Math.floor(488 / cbEnt)}`);
    if (cEnt > Math.floor(488 / cbEnt)) {
      rep.error('btree.cent', what, ib, `cEnt ${cEnt} exceeds the ${Math.floor(488 / cbEnt)} entries that fit`);
      return undefined;
    }
    if (cEnt === 0)
      rep.error(
        'btree.empty-page',
        what,
        ib,
        expectLevel === undefined ? `root page has no entries` : `non-root page has no entries`,
      );
    const padding = page.readUInt32LE(492);
    if (padding !== 0) rep.warn('btree.padding', what, ib, `dwPadding ${hex(padding)}, expected 0`);

    const keyAt = (i: number): number => {
      const k = u64(page, i * cbEnt);
      return ptype === PTYPE_NBT && cLevel === 0 ? k % 0x1_0000_0000 : k;
    };
    let prev: number | undefined;
    let orderReported = false;
    let rangeReported = false;
    for (let i = 0; i < cEnt; i++) {
      const key = keyAt(i);
      if (prev !== undefined && !(key > prev) && !orderReported) {
        rep.error(
          'btree.key-order',
          what,
          ib,
          `keys not strictly ascending: entry ${i} key ${hex(key)} after ${hex(prev)}`,
        );
        orderReported = true;
      }
      if (((lo !== undefined && key < lo) || (hi !== undefined && key >= hi)) && !rangeReported) {
        rep.error(
          'btree.key-range',
          what,
          ib,
          `entry ${i} key ${hex(key)} outside the parent's range [${lo === undefined ? '-' : hex(lo)}, ${hi === undefined ? '-' : hex(hi)})`,
        );
        rangeReported = true;
      }
      prev = key;
      if (cLevel > 0) {
        const childBid = u64(page, i * cbEnt + 8);
        const childIb = u64(page, i * cbEnt + 16);
        const next = i + 1 < cEnt ? keyAt(i + 1) : hi;
        const first = await walk(childIb, childBid, cLevel - 1, key, next);
        if (first !== undefined && first !== key) {
          rep.error(
            'btree.key-parent',
            what,
            ib,
            `entry ${i} key ${hex(key)} != first key ${hex(first)} of its child page at ${childIb}`,
          );
        }
      } else {
        visit(page, i * cbEnt);
      }
    }
    return cEnt > 0 ? keyAt(0) : undefined;
  };

  await walk(rootIb, rootBid, undefined, undefined, undefined);
  return result;
}
