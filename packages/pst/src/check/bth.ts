import type { NodeHeap } from './node-heap.js';
import { hex } from './report.js';

/** Called for every leaf record of a BTH in key order; `record` is cbKey + cbEnt bytes. */
export type BthVisitor = (record: Buffer, index: number) => Promise<void> | void;

/** Reports a problem of the BTH being walked. */
export type BthProblem = (code: string, message: string) => void;

/** What a BTH walk found. */
export interface BthWalk {
  /** False when the BTHHEADER could not be read (reported). */
  readonly ok: boolean;
  readonly records: number;
}

/** Index levels a BTH may have: bIdxLevels is a byte, but a heap of 2^16 blocks never needs more than a few. */
const MAX_INDEX_LEVELS = 8;

/** Compares two little-endian unsigned keys. */
function compareKeys(a: Buffer, b: Buffer): number {
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** A key as a number when it has one (cbKey 2 or 4), else its bytes. */
const keyText = (k: Buffer): string =>
  k.length <= 6 ? hex(k.readUIntLE(0, k.length)) : `0x${Buffer.from(k).reverse().toString('hex')}`;

/**
 * Walks the BTH ([MS-PST] §2.3.2) whose BTHHEADER is at `hidHeader`: bType 0xB5 and the expected cbKey/cbEnt, every
 * index and leaf allocation resolves and holds whole records, an index record's key equals the first key of the
 * allocation it points to, no allocation is named twice, and keys ascend strictly across the whole tree (no
 * duplicates). Visits the leaf records.
 */
export async function walkBth(
  heap: NodeHeap,
  hidHeader: number,
  cbKey: number,
  cbEnt: number,
  problem: BthProblem,
  visit: BthVisitor,
): Promise<BthWalk> {
  const header = await heap.alloc(hidHeader);
  if (header.bytes === undefined) {
    problem('bth.header', `BTHHEADER ${header.problem}`);
    return { ok: false, records: 0 };
  }
  const h = header.bytes;
  if (h.length !== 8 || h[0] !== 0xb5 || h[1] !== cbKey || h[2] !== cbEnt) {
    problem(
      'bth.header',
      `BTHHEADER at HID ${hex(hidHeader)} is ${h.toString('hex')} (${h.length} bytes), expected 8 bytes: bType 0xb5, cbKey ${cbKey}, cbEnt ${cbEnt}`,
    );
    return { ok: false, records: 0 };
  }
  const levels = h[3]!;
  const hidRoot = h.readUInt32LE(4);
  if (hidRoot === 0) return { ok: true, records: 0 };
  if (levels > MAX_INDEX_LEVELS) {
    problem('bth.header', `BTHHEADER bIdxLevels ${levels} is above ${MAX_INDEX_LEVELS}`);
    return { ok: false, records: 0 };
  }
  const prev = Buffer.alloc(cbKey);
  let hasPrev = false;
  let records = 0;
  // A BTH is a tree: an allocation named twice (a hostile index) would otherwise be walked once per path to it.
  const visited = new Set<number>();
  const walk = async (hid: number, level: number, firstKey: Buffer | undefined): Promise<void> => {
    const what = level === 0 ? 'leaf' : `index level ${level}`;
    if (visited.has(hid)) {
      problem('bth.hid', `BTH ${what} at HID ${hex(hid)} is named by a second index record`);
      return;
    }
    visited.add(hid);
    const a = await heap.alloc(hid);
    if (a.bytes === undefined) {
      problem('bth.hid', `BTH ${what} ${a.problem}`);
      return;
    }
    const size = level === 0 ? cbKey + cbEnt : cbKey + 4;
    const n = Math.floor(a.bytes.length / size);
    if (a.bytes.length % size !== 0 || n === 0) {
      problem(
        'bth.size',
        `BTH ${what} at HID ${hex(hid)} holds ${a.bytes.length} bytes, not a positive multiple of the ${size}-byte record`,
      );
    }
    for (let r = 0; r < n; r++) {
      const rec = a.bytes.subarray(r * size, (r + 1) * size);
      const key = rec.subarray(0, cbKey);
      if (r === 0 && firstKey && compareKeys(key, firstKey) !== 0) {
        problem(
          'bth.key-order',
          `BTH ${what} at HID ${hex(hid)} starts with key ${keyText(key)}, its index record says ${keyText(firstKey)}`,
        );
      }
      if (level > 0) {
        await walk(rec.readUInt32LE(cbKey), level - 1, key);
        continue;
      }
      if (hasPrev && compareKeys(key, prev) <= 0) {
        const dup = compareKeys(key, prev) === 0;
        problem(
          'bth.key-order',
          `BTH record ${records} key ${keyText(key)} ${dup ? 'repeats the previous key' : `is below the previous key ${keyText(prev)}`} (keys must ascend, unique)`,
        );
      }
      prev.set(key);
      hasPrev = true;
      const pending = visit(rec, records);
      if (pending) await pending;
      records++;
    }
  };
  await walk(hidRoot, levels, undefined);
  return { ok: true, records };
}
