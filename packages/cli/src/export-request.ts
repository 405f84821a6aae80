/**
 * Turns `pstream export`'s request options into the REST request parser's result, so that the CLI's
 * `--limit` goes through exactly the same clamp as the REST API's `pstSizeLimitBytes`.
 */
import type { ParsedExportRequest, PstreamDeps } from './deps.js';
import { isRequestError } from './deps.js';
import { UsageError } from './errors.js';

/** The request-related options of `pstream export`. */
export interface ExportRequestFlags {
  readonly keywords?: string | undefined;
  /** Bytes from `--limit`. */
  readonly limitBytes?: number | undefined;
  /** The text given to `--limit`, for messages. */
  readonly limitText?: string | undefined;
  /** `--no-limit`. */
  readonly noLimit?: boolean;
}

/** v6 body field names mapped back to the CLI option that produced them. */
const FIELD_OPTIONS: Readonly<Record<string, string>> = {
  contentkeyword: '--keywords',
  enablepstsizelimit: '--limit',
  pstsizelimitbytes: '--limit',
};

/** Runs the flags through the REST parser as a v6 body. */
export function requestFromFlags(flags: ExportRequestFlags, deps: PstreamDeps): ParsedExportRequest {
  const body: Record<string, unknown> = {};
  if (flags.keywords !== undefined) body['contentKeyword'] = flags.keywords;
  if (flags.limitBytes !== undefined) {
    body['enablePstSizeLimit'] = true;
    body['pstSizeLimitBytes'] = flags.limitBytes;
  } else {
    body['enablePstSizeLimit'] = false;
  }
  try {
    const parsed = deps.parseExportRequest(JSON.stringify(body), { form: 'exportToPst' });
    // The warnings name the body's fields; here they came from options.
    const warnings = parsed.warnings.map((w) => w.replace(/\bpstSizeLimitBytes\b/g, '--limit').replace(/\bcontentKeyword\b/g, '--keywords'));
    return { ...parsed, warnings };
  } catch (error) {
    if (!isRequestError(error)) throw error;
    const leaf = error.field.split('.').pop()?.toLowerCase() ?? '';
    const option = FIELD_OPTIONS[leaf] ?? error.field;
    const value = option === '--limit' ? flags.limitText : option === '--keywords' ? flags.keywords : undefined;
    throw new UsageError(`${option}: ${error.message}`, option, value);
  }
}

/** Runs a REST body read from `file` (`--request`) through the parser. */
export function requestFromBody(body: string, file: string, deps: PstreamDeps): ParsedExportRequest {
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
