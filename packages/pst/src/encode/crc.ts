/**
 * CRC — [MS-PST] §5.3: the reflected CRC-32 (polynomial 0xEDB88320) with an initial value of 0 and no final XOR.
 * zlib's CRC-32 starts from 0xFFFFFFFF and inverts at the end, so the PST CRC is zlib's seeded with ~0, inverted.
 */
import { crc32 } from 'node:zlib';

/** `dwCRC` of `bytes` as every PST structure stores it. */
export function pstCrc(bytes: Uint8Array): number {
  return ~crc32(bytes, 0xffffffff) >>> 0;
}
