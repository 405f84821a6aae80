/**
 * The options of `exportToPst` and `exportToPstFile`, checked before anything runs: a bad one is an
 * {@link ExportOptionsError} naming the option and its value.
 */
import type { ExportOptions } from '../api.js';
import { ExportOptionsError } from '../errors.js';
import { compileQuery, type KeywordQuery } from '../filter/index.js';
import { MAX_PST_LIMIT_BYTES as MAX_PART_BYTES } from '../request/index.js';
import { EMPTY_PST_BYTES } from '../split/pst-splitter.js';
import { validateEntryName } from '../zip/index.js';

/** What the checks derive from the options: the output's base name, the part limit and the compiled query. */
export interface CheckedOptions {
  readonly name: string;
  /** Bytes a part may hold. */
  readonly limit: number;
  readonly query: KeywordQuery;
}

export function checkOptions(options: ExportOptions): CheckedOptions {
  const name = options.name;
  try {
    if (typeof name !== 'string' || name.trim() === '') throw new Error('empty');
    validateEntryName(`${name}.pst`);
  } catch {
    throw new ExportOptionsError(
      'name',
      name,
      `name ${JSON.stringify(name)} cannot name a file (not empty; no /, \\, NUL, or dot names)`,
    );
  }
  const limit = partLimit(options);
  if (options.encryption !== undefined && options.encryption !== 'permute' && options.encryption !== 'none') {
    throw new ExportOptionsError(
      'encryption',
      options.encryption,
      `encryption must be "permute" or "none", got ${JSON.stringify(options.encryption)}`,
    );
  }
  if (options.onDamaged !== undefined && !['keep', 'skip', 'stop'].includes(options.onDamaged)) {
    throw new ExportOptionsError(
      'onDamaged',
      options.onDamaged,
      `onDamaged must be "keep", "skip" or "stop", got ${JSON.stringify(options.onDamaged)}`,
    );
  }
  const threads = options.parseThreads;
  if (threads !== undefined && (!Number.isSafeInteger(threads) || threads < 0)) {
    throw new ExportOptionsError(
      'parseThreads',
      threads,
      `parseThreads must be an integer ≥ 0, got ${String(threads)}`,
    );
  }
  const query = compileQuery(options.keywords ?? '');
  if (options.sources.length === 0)
    throw new ExportOptionsError('sources', [], 'sources must hold at least one source, got []');
  return { name, limit, query };
}

function partLimit(options: ExportOptions): number {
  const check = (field: string, v: number | undefined) => {
    if (v === undefined) return;
    if (!Number.isSafeInteger(v) || v <= 0)
      throw new ExportOptionsError(field, v, `${field} must be a positive integer, got ${String(v)}`);
  };
  check('limitBytes', options.limitBytes);
  check('maxPartBytes', options.maxPartBytes);
  const limit = Math.min(
    options.maxPartBytes ?? options.limitBytes ?? MAX_PART_BYTES,
    options.limitBytes ?? MAX_PART_BYTES,
    MAX_PART_BYTES,
  );
  if (limit < EMPTY_PST_BYTES) {
    const field = options.maxPartBytes !== undefined ? 'maxPartBytes' : 'limitBytes';
    throw new ExportOptionsError(
      field,
      limit,
      `${field} ${limit} is below ${EMPTY_PST_BYTES} bytes, the size of an empty PST`,
    );
  }
  return limit;
}
