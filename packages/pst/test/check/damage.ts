/** Helpers that make precisely damaged copies of a PST for checker tests (test-only, no checker code reused). */
import { crc32 } from 'node:zlib';

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

/** All BBT leaf entries, read straight from the bytes. */
export function bbtEntries(f: Buffer): BbtEntry[] {
  const out: BbtEntry[] = [];
  const walk = (ib: number): void => {
    const cEnt = f[ib + 488]!;
    const cbEnt = f[ib + 490]!;
    const level = f[ib + 491]!;
    for (let i = 0; i < cEnt; i++) {
      const e = ib + i * cbEnt;
      if (level > 0) walk(u64(f, e + 16));
      else out.push({ bid: u64(f, e), ib: u64(f, e + 8), cb: f.readUInt16LE(e + 16), cRef: f.readUInt16LE(e + 18), entryOffset: e, pageIb: ib });
    }
  };
  walk(u64(f, 240));
  return out;
}

/** Recomputes the trailer CRC of a block after its stored bytes were edited. */
export function fixBlockCrc(f: Buffer, b: BbtEntry): void {
  const size = Math.ceil((b.cb + 16) / 64) * 64;
  f.writeUInt32LE(crc(f.subarray(b.ib, b.ib + b.cb)), b.ib + size - 16 + 4);
}
