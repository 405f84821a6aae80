/**
 * Byte sizes written by people: `1073741824`, `512MB`, `1.5 GiB`. Binary multiples throughout: `1GB` is
 * 2^30 bytes, as the REST API's 1 GB = 1073741824 example has it, and `GB` and `GiB` are the same size.
 */
import { UsageError } from './errors.js';

/** Multipliers by lower-case unit. */
const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  kb: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mb: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gb: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tb: 2 ** 40,
  tib: 2 ** 40,
};

const SIZE_PATTERN = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i;

/**
 * Parses a size into a whole number of bytes (fractions of a byte are dropped).
 * @param option the option name used in the error message, e.g. `--limit`.
 * @throws UsageError when the text is not a positive size with a known unit.
 */
export function parseSize(text: string, option: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  const unit = match?.[2]?.toLowerCase();
  const multiplier = unit === undefined ? undefined : UNITS[unit];
  if (match === null || multiplier === undefined) {
    throw new UsageError(
      `${option}: not a size: "${text}" (use bytes or a number with B, KB, KiB, MB, MiB, GB, GiB, TB or TiB)`,
      option,
      text,
    );
  }
  const bytes = Math.floor(Number(match[1]) * multiplier);
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`${option}: size too large: "${text}"`, option, text);
  if (bytes <= 0) throw new UsageError(`${option}: size must be at least 1 byte: "${text}"`, option, text);
  return bytes;
}

/** Formats a byte count for people: `1.5 GiB`, `312 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
