/** Helpers that make precisely damaged copies of a PST for checker tests (test-only, no checker code reused). */
import { crc32 } from 'node:zlib';
import { permuteDecode, permuteEncode } from '../../src/encode/permute.js';

export const crc = (b: Uint8Array): number => ~crc32(b, 0xffffffff) >>> 0;
export const u64 = (b: Buffer, o: number): number => b.readUInt32LE(o) + b.readUInt32LE(o + 4) * 2 ** 32;

/** Recomputes both header CRCs after an edit of header fields. */
export function fixHeaderCrcs(f: Buffer): void {
  f.writeUInt32LE(crc(f.subarray(8, 8 + 471)), 4);
  f.writeUInt32LE(crc(f.subarray(8, 8 + 516)), 524);
}

/** Recomputes the CRC of the 512-byte page at `ib`. */
export function fixPageCrc(f: Buffer, ib: number): void {
  f.writeUInt32LE(crc(f.subarray(ib, ib + 496)), ib + 500);
}

/** A BBT leaf entry with where it sits. */
export interface BbtEntry {
  bid: number;
  ib: number;
  cb: number;
  cRef: number;
  /** File offset of the entry and of its page. */
  entryOffset: number;
  pageIb: number;
}

/** Calls `leaf` with the file offset of every leaf entry of the BTree whose root page is at `rootIb`, and of its page. */
function walkLeaves(f: Buffer, rootIb: number, leaf: (entry: number, pageIb: number) => void): void {
  const walk = (ib: number): void => {
    const cEnt = f[ib + 488]!;
    const cbEnt = f[ib + 490]!;
    const level = f[ib + 491]!;
    for (let i = 0; i < cEnt; i++) {
      const e = ib + i * cbEnt;
      if (level > 0) walk(u64(f, e + 16));
      else leaf(e, ib);
    }
  };
  walk(rootIb);
}

/** All BBT leaf entries, read straight from the bytes. */
export function bbtEntries(f: Buffer): BbtEntry[] {
  const out: BbtEntry[] = [];
  walkLeaves(f, u64(f, 240), (e, pageIb) =>
    out.push({
      bid: u64(f, e),
      ib: u64(f, e + 8),
      cb: f.readUInt16LE(e + 16),
      cRef: f.readUInt16LE(e + 18),
      entryOffset: e,
      pageIb,
    }),
  );
  return out;
}

/** Recomputes the trailer CRC of a block after its stored bytes were edited. */
export function fixBlockCrc(f: Buffer, b: BbtEntry): void {
  const size = Math.ceil((b.cb + 16) / 64) * 64;
  f.writeUInt32LE(crc(f.subarray(b.ib, b.ib + b.cb)), b.ib + size - 16 + 4);
}

/** An NBT leaf entry with where it sits. */
export interface NbtEntry {
  nid: number;
  bidData: number;
  bidSub: number;
  parent: number;
}

/** All NBT leaf entries, read straight from the bytes. */
export function nbtEntries(f: Buffer): NbtEntry[] {
  const out: NbtEntry[] = [];
  walkLeaves(f, u64(f, 224), (e) =>
    out.push({
      nid: f.readUInt32LE(e),
      bidData: u64(f, e + 8),
      bidSub: u64(f, e + 16),
      parent: f.readUInt32LE(e + 24),
    }),
  );
  return out;
}

/** The NBT entry of `nid`. */
export function nodeEntry(f: Buffer, nid: number): NbtEntry {
  const n = nbtEntries(f).find((e) => e.nid === nid);
  if (!n) throw new Error(`test: node 0x${nid.toString(16)} not in the NBT`);
  return n;
}

/** The BBT entry of `bid` (bit 0 ignored). */
export function blockEntry(f: Buffer, bid: number): BbtEntry {
  const key = bid - (bid % 2);
  const b = bbtEntries(f).find((e) => e.bid - (e.bid % 2) === key);
  if (!b) throw new Error(`test: block 0x${bid.toString(16)} not in the BBT`);
  return b;
}

/** The SLENTRYs of a one-block subnode tree (SLBLOCK, cLevel 0). */
export function subnodeEntries(f: Buffer, bidSub: number): NbtEntry[] {
  const b = blockEntry(f, bidSub);
  if (f[b.ib] !== 2 || f[b.ib + 1] !== 0) throw new Error('test: not an SLBLOCK');
  const out: NbtEntry[] = [];
  for (let k = 0; k < f.readUInt16LE(b.ib + 2); k++) {
    const at = b.ib + 8 + 24 * k;
    out.push({ nid: f.readUInt32LE(at), bidData: u64(f, at + 8), bidSub: u64(f, at + 16), parent: 0 });
  }
  return out;
}

/**
 * The heap of a node's data tree (one block, or an XBLOCK of blocks), in a file written without encryption ('none'):
 * absolute offsets of its allocations (HNPAGEMAP at ibHnpm, [MS-PST] 2.3.1.5) and of the records of its PC or the
 * parts of its TC.
 */
export class PlainHeap {
  /** The heap's blocks (the data tree's leaves). */
  readonly blocks: BbtEntry[];
  constructor(
    readonly f: Buffer,
    bidData: number,
  ) {
    const root = blockEntry(f, bidData);
    this.blocks =
      Math.floor(bidData / 2) % 2 === 0
        ? [root]
        : Array.from({ length: f.readUInt16LE(root.ib + 2) }, (_, k) => blockEntry(f, u64(f, root.ib + 8 + 8 * k)));
  }

  get block(): BbtEntry {
    return this.blocks[0]!;
  }

  /** [start, end) file offsets of the allocation `hid`. */
  alloc(hid: number): [number, number] {
    const ib = this.blocks[hid >>> 16]!.ib;
    const ibHnpm = this.f.readUInt16LE(ib);
    const i = (hid >>> 5) & 0x7ff;
    const at = ib + ibHnpm + 4 + 2 * (i - 1);
    return [ib + this.f.readUInt16LE(at), ib + this.f.readUInt16LE(at + 2)];
  }

  get hidUserRoot(): number {
    return this.f.readUInt32LE(this.block.ib + 4);
  }

  /** PC records {wPropId, wPropType, dwValueHnid} with the file offset of each (one-leaf BTH in block 0). */
  pcRecords(): { id: number; type: number; hnid: number; at: number }[] {
    const [h] = this.alloc(this.hidUserRoot);
    const [s, e] = this.alloc(this.f.readUInt32LE(h + 4));
    const out = [];
    for (let at = s; at < e; at += 8)
      out.push({
        id: this.f.readUInt16LE(at),
        type: this.f.readUInt16LE(at + 2),
        hnid: this.f.readUInt32LE(at + 4),
        at,
      });
    return out;
  }

  /** The PC record of property `id`. */
  record(id: number): { id: number; type: number; hnid: number; at: number } {
    const r = this.pcRecords().find((x) => x.id === id);
    if (!r) throw new Error(`test: no property 0x${id.toString(16)}`);
    return r;
  }

  /** TCINFO: columns with the file offset of their TCOLDESC, row size, CEB start, hidRowIndex, and the rows' file offsets (none listed when the rows are in a subnode). */
  table(): {
    columns: { tag: number; ib: number; cb: number; bit: number; at: number }[];
    rowSize: number;
    ceb: number;
    hidRowIndex: number;
    rows: number[];
  } {
    const [t] = this.alloc(this.hidUserRoot);
    const f = this.f;
    const columns = Array.from({ length: f[t + 1]! }, (_, i) => {
      const at = t + 22 + 8 * i;
      return { tag: f.readUInt32LE(at), ib: f.readUInt16LE(at + 4), cb: f[at + 6]!, bit: f[at + 7]!, at };
    });
    const rowSize = f.readUInt16LE(t + 8);
    const hnidRows = f.readUInt32LE(t + 14);
    const rows: number[] = [];
    if (hnidRows !== 0 && (hnidRows & 0x1f) === 0) {
      const [s, e] = this.alloc(hnidRows);
      for (let at = s; at < e; at += rowSize) rows.push(at);
    }
    return { columns, rowSize, ceb: f.readUInt16LE(t + 6), hidRowIndex: f.readUInt32LE(t + 10), rows };
  }

  /** Recomputes the blocks' CRCs after an edit. */
  fix(): void {
    for (const b of this.blocks) fixBlockCrc(this.f, b);
  }
}

/**
 * Zeroes the first `count` records of the BTH leaf of node `nid`'s PC (a one-block heap, decoded and re-encoded per
 * the header's bCryptMethod) and re-fixes the block CRC: the shape of the damage of issue 12.
 */
export function zeroPcRecords(f: Buffer, nid: number, count: number): void {
  const node = nodeEntry(f, nid);
  const b = blockEntry(f, node.bidData);
  const permuted = f[513] === 1;
  if (permuted) permuteDecode(f, b.ib, b.ib + b.cb);
  const records = new PlainHeap(f, node.bidData).pcRecords();
  if (records.length < count) throw new Error(`test: the PC has ${records.length} records`);
  f.fill(0, records[0]!.at, records[0]!.at + 8 * count);
  if (permuted) permuteEncode(f, b.ib, b.ib + b.cb);
  fixBlockCrc(f, b);
}
