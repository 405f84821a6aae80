/**
 * Command-line flags of the benchmark entry points, read with `node:util`'s `parseArgs`: one place that turns its
 * errors (an unknown flag, a missing value) into a `RangeError` that names the flag and ends with the usage line.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

type Flags<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>['values'];

/** The flags' values, strict (unknown flags and positionals are errors). */
export function readFlags<T extends Options>(argv: readonly string[], options: T, usage: string): Flags<T> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = (error as Error).message.replace(/^Unknown option '([^']*)'.*$/s, 'unknown argument "$1"');
    throw new RangeError(`${message}; ${usage}`);
  }
}

/** `--name`'s value as an integer in `[min, max]`; undefined when the flag is absent. */
export function integerFlag(
  name: string,
  text: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`--${name} must be an integer ${range}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** `--name`'s comma list, each item checked by `check` (which throws naming the bad one). */
export function listFlag(text: string | undefined, check: (item: string) => void): string[] | null {
  if (text === undefined) return null;
  const items = text.split(',').filter(Boolean);
  for (const item of items) check(item);
  return items;
}
