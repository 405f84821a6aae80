/**
 * How many cases the fuzz tests run: a few hundred thousand in all under CI (`CI=true`) or with
 * `PSTREAM_LARGE_TESTS=1`, a tenth of that otherwise. Seeded, so that a failure can be replayed: set
 * `PSTREAM_FUZZ_SEED` to the seed fast-check prints.
 */
export const LARGE = process.env.CI === 'true' || process.env.PSTREAM_LARGE_TESTS === '1';

/** Cases of one property: `large` under CI, a tenth of it otherwise. */
export function runs(large: number): number {
  return LARGE ? large : Math.max(100, Math.round(large / 10));
}

/** Seed of every property (fixed unless `PSTREAM_FUZZ_SEED` says otherwise). */
export const SEED = Number(process.env.PSTREAM_FUZZ_SEED ?? 20_240_601);
