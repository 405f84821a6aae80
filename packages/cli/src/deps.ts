/**
 * What the CLI and the server need from the other packages, as one injectable object: the real
 * implementations by default, and tests replace some of them.
 */
import {
  ExportOptionsError,
  type ExportRequest,
  exportToPst,
  exportToPstFile,
  httpStatusFor,
  parseExportRequest,
  QueryError,
  RequestError,
  type RequestForm,
  validateEntryName,
} from '@pstream/export';
import { type CheckOptions, type CheckReport, checkPst } from '@pstream/pst';
import { openSource, SourceError } from '@pstream/sources';

/** The REST API versions the server answers: the `…/Action` endpoints of v4 and v5, the `…/exportToPst` ones of v6 to v8. */
export type ApiVersion = 'v4' | 'v5' | 'v6' | 'v7' | 'v8';

/** The parser form of each API version. */
export const REQUEST_FORMS: Readonly<Record<ApiVersion, RequestForm>> = {
  v4: 'action',
  v5: 'action',
  v6: 'exportToPst',
  v7: 'exportToPst',
  v8: 'exportToPst',
};

/** What the request parser returns. */
export type ParsedExportRequest = ExportRequest;

/** The part of `checkPst`'s report that `pstream check` reads (a fake checker need not count statistics). */
export type CheckSummary = Pick<CheckReport, 'ok' | 'complete' | 'errors' | 'warnings'>;

/** The functions `pstream` calls into; tests replace some of them. */
export interface PstreamDeps {
  /** `exportToPst` from `@pstream/export`. */
  readonly exportToPst: typeof exportToPst;
  /** `exportToPstFile` from `@pstream/export`: `pstream export --out` (a single PST is moved into place, not copied). */
  readonly exportToPstFile: typeof exportToPstFile;
  /**
   * `openSource` from `@pstream/sources`. The CLI and the server only open each source once and close it
   * again before the export, to refuse a path that is no readable mailbox up front; the export opens the
   * paths itself (and counts the damaged items they report).
   */
  readonly openSource: typeof openSource;
  /** `parseExportRequest` from `@pstream/export`. */
  readonly parseExportRequest: typeof parseExportRequest;
  /** `checkPst` from `@pstream/pst`. */
  readonly checkPst: (path: string, options?: Pick<CheckOptions, 'strict'>) => Promise<CheckSummary>;
}

/** The real implementations. */
export const DEFAULT_DEPS: PstreamDeps = Object.freeze({
  exportToPst,
  exportToPstFile,
  openSource,
  parseExportRequest,
  checkPst,
});

/** The real implementations with `overrides` on top. */
export function resolveDeps(overrides?: Partial<PstreamDeps>): PstreamDeps {
  return { ...DEFAULT_DEPS, ...overrides };
}

/** Whether `error` is a refused request body (`code`, `field`, `value`). */
export function isRequestError(error: unknown): error is RequestError {
  return error instanceof RequestError;
}

/** The HTTP status for a refused request body: 501 for a known action this server does not implement, 400 otherwise. */
export function requestErrorStatus(error: RequestError): 400 | 501 {
  return httpStatusFor(error);
}

/** Whether `error` is a malformed keyword query (`query`, `position`, `reason`). */
export function isQueryError(error: unknown): error is QueryError {
  return error instanceof QueryError;
}

/** Whether `error` is an export option that cannot work (`field`, `value`). */
export function isExportOptionsError(error: unknown): error is ExportOptionsError {
  return error instanceof ExportOptionsError;
}

/** Source failures that mean "this path is not a mailbox we can read": a user mistake, not a crash. */
const SOURCE_USAGE_CODES = new Set<string>(['source-not-found', 'unsupported-source', 'ansi-pst', 'bad-format']);

/** Whether `error` is a source error saying that a path is missing or of no readable kind. */
export function isUnreadableSource(error: unknown): error is SourceError {
  return error instanceof SourceError && SOURCE_USAGE_CODES.has(error.code);
}

/** Characters and sequences that a part's file name (a ZIP entry name) may not hold. */
const UNSAFE_NAME_CHARACTERS = /[\x00-\x1f\x7f<>:"|?*/\\]|\.\.+/g;
const RESERVED_DEVICE_NAME = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;
const MAX_NAME_CHARACTERS = 120;

/**
 * The base name of an export (`<name>.pst`, or `<name>-001.pst` in a ZIP) made from `candidate`, a file or
 * mailbox name: returned as is when it can name the parts, otherwise with the characters that cannot
 * replaced by `_` (and `fallback` when nothing is left).
 */
export function exportName(candidate: string, fallback = 'export'): string {
  const fits = (name: string): boolean => {
    try {
      validateEntryName(`${name}.pst`);
      validateEntryName(`${name}-001.pst`);
      validateEntryName(`${name}.zip`);
      return name !== '';
    } catch {
      return false;
    }
  };
  if (fits(candidate)) return candidate;
  let name = [...candidate.replace(UNSAFE_NAME_CHARACTERS, '_')].slice(0, MAX_NAME_CHARACTERS).join('');
  name = name.replace(/^[. ]+|[. ]+$/g, '');
  if (RESERVED_DEVICE_NAME.test(name)) name = `_${name}`;
  return fits(name) ? name : fallback;
}
