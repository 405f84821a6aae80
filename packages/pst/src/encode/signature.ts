/**
 * Block and page signature — [MS-PST] §5.5 `ComputeSig`: the low 32 bits of `ib ^ bid`, folded to 16 bits.
 * Offsets and BIDs are numbers here (both stay below 2^53), so the low 32 bits are taken arithmetically.
 */
export function computeSig(ib: number, bid: number): number {
  const x = (low32(ib) ^ low32(bid)) >>> 0;
  return ((x >>> 16) ^ x) & 0xffff;
}

function low32(n: number): number {
  return (n % 0x1_0000_0000) >>> 0;
}
