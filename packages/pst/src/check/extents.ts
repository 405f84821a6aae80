import { Growable } from './growable.js';

/** Kinds of allocated extents, in the order of {@link EXTENT_KIND_NAMES}. */
export const ExtentKind = { Block: 0, BbtPage: 1, NbtPage: 2, AMap: 3, PMap: 4, FMap: 5, FPMap: 6 } as const;
export type ExtentKind = (typeof ExtentKind)[keyof typeof ExtentKind];

export const EXTENT_KIND_NAMES = [
  'block',
  'BBT page',
  'NBT page',
  'AMap page',
  'PMap page',
  'FMap page',
  'FPMap page',
] as const;

/** Offsets above this cannot be packed exactly into one float64 key. */
export const MAX_EXTENT_OFFSET = Math.floor(Number.MAX_SAFE_INTEGER / 65536);

/**
 * Every allocated page and block as one packed float64 key `ib * 65536 + kind * 256 + size / 64`,
 * so that millions of extents sort natively and cost 8 bytes each.
 */
export class ExtentList {
  private readonly keys = new Growable(Float64Array, 4096);

  /** Records an extent of `size` bytes (a multiple of 64, at most 8192) at `ib`. */
  add(ib: number, size: number, kind: ExtentKind): void {
    this.keys.push(ib * 65536 + kind * 256 + Math.min(255, Math.ceil(size / 64)));
  }

  get length(): number {
    return this.keys.length;
  }

  /** The keys sorted by offset. */
  sorted(): Float64Array {
    return this.keys.view().sort();
  }
}

/** Decodes a packed extent key. */
export function unpackExtent(key: number): { ib: number; kind: ExtentKind; size: number } {
  const ib = Math.floor(key / 65536);
  const rest = key - ib * 65536;
  return { ib, kind: Math.floor(rest / 256) as ExtentKind, size: (rest % 256) * 64 };
}
