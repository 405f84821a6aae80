/**
 * Fixed layout constants of Unicode PST files with 512-byte pages (MS-PST 2.2.2).
 *
 * NOTE: the checker restates the layout from the spec instead of importing the writer's `ndb/` modules, on purpose:
 * it exists to catch the writer's mistakes, which a shared definition would hide.
 */
export const HEADER_SIZE = 564;
export const PAGE_SIZE = 512;
export const PAGE_DATA = 496;
export const DLIST_OFFSET = 0x4200;
export const FIRST_AMAP = 0x4400;
/** Bytes mapped by one AMap page: 496 bytes x 8 bits x 64 bytes. */
export const AMAP_SPAN = 496 * 8 * 64;
/** Largest data held by one block. */
export const MAX_BLOCK_DATA = 8176;
/** Largest block allocation, trailer included. */
export const MAX_BLOCK_SIZE = 8192;
export const BLOCK_TRAILER = 16;

export const PTYPE_BBT = 0x80;
export const PTYPE_NBT = 0x81;
export const PTYPE_FMAP = 0x82;
export const PTYPE_PMAP = 0x83;
export const PTYPE_AMAP = 0x84;
export const PTYPE_FPMAP = 0x85;
export const PTYPE_DLIST = 0x86;

/** Name of a page type. */
export function ptypeName(ptype: number): string {
  switch (ptype) {
    case PTYPE_BBT:
      return 'BBT';
    case PTYPE_NBT:
      return 'NBT';
    case PTYPE_FMAP:
      return 'FMap';
    case PTYPE_PMAP:
      return 'PMap';
    case PTYPE_AMAP:
      return 'AMap';
    case PTYPE_FPMAP:
      return 'FPMap';
    case PTYPE_DLIST:
      return 'DList';
    default:
      return `ptype 0x${ptype.toString(16)}`;
  }
}

/** Offset of AMap page number `k`. */
export function amapOffset(k: number): number {
  return FIRST_AMAP + k * AMAP_SPAN;
}

/** True when AMap region `k` holds a PMap page at AMap + 512. */
export function hasPMap(k: number): boolean {
  return k % 8 === 0;
}

/** True when AMap region `k` holds an FMap page at AMap + 1024. */
export function hasFMap(k: number): boolean {
  return k >= 128 && (k - 128) % 496 === 0;
}

/** True when AMap region `k` holds an FPMap page at AMap + 1024. */
export function hasFPMap(k: number): boolean {
  return k >= 8192 && (k - 8192) % 31744 === 0;
}
