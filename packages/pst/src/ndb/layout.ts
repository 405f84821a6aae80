/**
 * Where the fixed map pages of each AMap region sit — [MS-PST] §2.2.2.7.2–§2.2.2.7.6, §2.6.1.1.
 *
 * Region k starts at 0x4400 + k × 253,952 with its AMap page. A PMap page follows it in every eighth region; an FMap
 * page sits at +1024 in region 128 and every 496 regions after it; an FPMap page sits at +1024 in region 8192 and every
 * 31,744 regions after it (the two never share a region). Data starts after the region's last map page.
 */
import { AMAP_REGION_SIZE, FIRST_AMAP_OFFSET, PAGE_SIZE } from './constants.js';

export function regionStart(k: number): number {
  return FIRST_AMAP_OFFSET + k * AMAP_REGION_SIZE;
}

/** The region holding file offset `ib` (which must be ≥ 0x4400). */
export function regionOf(ib: number): number {
  return Math.floor((ib - FIRST_AMAP_OFFSET) / AMAP_REGION_SIZE);
}

export function hasPMap(k: number): boolean {
  return k % 8 === 0;
}

export function hasFMap(k: number): boolean {
  return k >= 128 && (k - 128) % 496 === 0;
}

export function hasFPMap(k: number): boolean {
  return k >= 8192 && (k - 8192) % 31744 === 0;
}

/** Number of map pages at the start of region k (AMap, then PMap, then FMap or FPMap). */
export function mapPagesIn(k: number): number {
  return 1 + (hasPMap(k) ? 1 : 0) + (hasFMap(k) || hasFPMap(k) ? 1 : 0);
}

/** First offset of region k available to blocks and BT pages. */
export function regionDataStart(k: number): number {
  return regionStart(k) + mapPagesIn(k) * PAGE_SIZE;
}

/** The file size of a PST whose last used byte is before `end`: whole regions only (§2.6.1.1.2). */
export function fileEofFor(end: number): number {
  if (end <= FIRST_AMAP_OFFSET) return regionStart(1);
  return regionStart(regionOf(end - 1) + 1);
}
