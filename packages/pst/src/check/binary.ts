import { crc32 } from 'node:zlib';

/** MS-PST CRC (section 5.3): reflected CRC-32, initial value 0, no final XOR. */
export function pstCrc(buf: Uint8Array): number {
  return ~crc32(buf, 0xffffffff) >>> 0;
}

/** MS-PST block/page signature (section 5.5) from the low 32 bits of ib and bid. */
export function computeSig(ib: number, bid: number): number {
  const x = (low32(ib) ^ low32(bid)) >>> 0;
  return ((x >>> 16) ^ x) & 0xffff;
}

/** Low 32 bits of a non-negative integer up to 2^53. */
export function low32(n: number): number {
  return (n % 0x1_0000_0000) >>> 0;
}

/** Little-endian unsigned 64-bit value as a number (exact below 2^53). */
export function u64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 0x1_0000_0000;
}

/** Round up to a multiple of 64. */
export function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** Clear bit 0 of a BID (reserved; readers treat it as zero). */
export function bidKey(bid: number): number {
  return bid % 2 === 1 ? bid - 1 : bid;
}

/** True when bit 1 (fInternal) of a BID is set. */
export function isInternalBid(bid: number): boolean {
  return Math.floor(bid / 2) % 2 === 1;
}
