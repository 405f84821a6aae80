/**
 * What `pstream export` asks of the export: its keyword query and part size limit, from the command line's options
 * (`--limit` goes through the same clamp as the REST API's `pstSizeLimitBytes`) or from a REST body (`--request`).
 */
import { clampPstLimit, type ExportRequest } from '@pstream/export';
import type { PstreamDeps } from './deps.js';
import { isRequestError } from './deps.js';
import { UsageError } from './errors.js';

/** The request-related options of `pstream export`. */
export interface ExportRequestFlags {
  readonly keywords?: string | undefined;
  /** Bytes from `--limit`; absent for `--no-limit` or no limit option. */
  readonly limitBytes?: number | undefined;
}

/** The options' request: the keywords as given, the `--limit` clamped into [1 GiB, 49 GiB] with its warning. */
export function requestFromFlags(flags: ExportRequestFlags): ExportRequest {
  const keywords = flags.keywords ?? '';
  if (flags.limitBytes === undefined) return { keywords, limitBytes: undefined, warnings: [] };
  const clamped = clampPstLimit(flags.limitBytes, '--limit');
  return { keywords, limitBytes: clamped.bytes, warnings: clamped.warning === undefined ? [] : [clamped.warning] };
}

/** Runs a REST body read from `file` (`--request`) through the parser. */
export function requestFromBody(body: string, file: string, deps: PstreamDeps): ExportRequest {
  try {
    return deps.parseExportRequest(body, { form: 'auto' });
  } catch (error) {
    if (!isRequestError(error)) throw error;
    throw new UsageError(`--request ${file}: ${error.message}`, error.field, stringify(error.value));
  }
}

function stringify(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
