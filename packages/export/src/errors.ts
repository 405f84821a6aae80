/**
 * The errors of `@pstream/export`. Every failure it raises on purpose is an {@link ExportError} whose `code` is one of
 * {@link ExportErrorCode} (kebab-case, the convention of every pstream package); each names what was wrong and where,
 * so that a server can turn it into a useful response. Bad options of a function are a `RangeError` or `TypeError`
 * ({@link ExportOptionsError} for `exportToPst`'s, naming the option).
 */

/** What went wrong, by class: a request body, a keyword query, the ZIP packager, or the result file. */
export type ExportErrorCode = RequestErrorCode | 'invalid-query' | ZipErrorCode | 'output-failed';

/** The base class of the errors `@pstream/export` raises on purpose. */
export class ExportError extends Error {
  override readonly name: string = 'ExportError';
  readonly code: ExportErrorCode;

  constructor(code: ExportErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Why an action body was refused.
 * - `invalid-body`: not UTF-8 or not JSON, or not a JSON object.
 * - `unknown-action`: no action this endpoint knows, or several actions in one body.
 * - `not-supported`: a known action this server does not implement (restore, send, save as MSG, item lists);
 *   a server answers it with 501 Not Implemented.
 * - `unknown-field`: a property the action does not have.
 * - `duplicate-field`: the same property twice in different spellings.
 * - `invalid-type`: a property of the wrong JSON type.
 * - `invalid-value`: a value of the right type that is out of its domain (e.g. a size that is not a positive integer).
 * - `missing-field`: a property that the other properties make mandatory.
 */
export type RequestErrorCode =
  | 'invalid-body'
  | 'unknown-action'
  | 'not-supported'
  | 'unknown-field'
  | 'duplicate-field'
  | 'invalid-type'
  | 'invalid-value'
  | 'missing-field';

/** A refused action body; `field` is the property as the client spelled it (or `(body)`), `value` what it sent. */
export class RequestError extends ExportError {
  override readonly name: string = 'RequestError';
  declare readonly code: RequestErrorCode;
  readonly field: string;
  readonly value: unknown;

  constructor(code: RequestErrorCode, field: string, value: unknown, message: string) {
    super(code, message);
    this.field = field;
    this.value = value;
  }
}

/**
 * A malformed keyword query (code `invalid-query`); `position` is the 0-based index (UTF-16 code units) of the
 * offending character.
 */
export class QueryError extends ExportError {
  override readonly name: string = 'QueryError';
  declare readonly code: 'invalid-query';
  readonly query: string;
  readonly position: number;
  /** The problem alone, without the excerpt that `message` adds. */
  readonly reason: string;

  constructor(query: string, position: number, reason: string) {
    super('invalid-query', `${reason} at position ${position}\n${excerpt(query, position)}`);
    this.query = query;
    this.position = position;
    this.reason = reason;
  }
}

/** Up to 60 characters of the query around `position`, with a caret under it. */
function excerpt(query: string, position: number): string {
  const start = Math.max(0, position - 30);
  const end = Math.min(query.length, position + 30);
  const shown = (start > 0 ? '…' : '') + query.slice(start, end) + (end < query.length ? '…' : '');
  const caret = `${' '.repeat(position - start + (start > 0 ? 1 : 0))}^`;
  return `  ${shown.replace(/[\r\n\t]/g, ' ')}\n  ${caret}`;
}

/**
 * Why the ZIP packager failed (its bad options are a `TypeError` or `RangeError`).
 * - `invalid-entry`: an entry name that is not allowed, or that was already added.
 * - `short-entry` / `long-entry`: the file held fewer / more bytes than announced.
 * - `source-failed`: reading a file failed.
 * - `closed`: the packager was finished or destroyed (e.g. the consumer went away).
 */
export type ZipErrorCode = 'invalid-entry' | 'short-entry' | 'long-entry' | 'source-failed' | 'closed';

/** A failure of `ZipPackager`; `entry` names the entry concerned, when there is one. */
export class ZipError extends ExportError {
  override readonly name: string = 'ZipError';
  declare readonly code: ZipErrorCode;
  readonly entry: string | undefined;

  constructor(code: ZipErrorCode, entry: string | undefined, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.entry = entry;
  }
}

/**
 * `exportToPstFile` could not write its result file `path` (code `output-failed`); `systemCode` is the system
 * error's (`ENOSPC`, `EACCES`) when there is one. Nothing is left at `path`.
 */
export class ExportFileError extends ExportError {
  override readonly name: string = 'ExportFileError';
  declare readonly code: 'output-failed';

  constructor(
    readonly path: string,
    readonly systemCode: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super('output-failed', message, options);
  }
}

/**
 * An option of `exportToPst` or `exportToPstFile` that cannot work, thrown before anything is written: a
 * `RangeError` (not an {@link ExportError}, being a caller's mistake rather than a failure) with `field` naming the
 * option and `value` what it was.
 */
export class ExportOptionsError extends RangeError {
  override readonly name: string = 'ExportOptionsError';

  constructor(
    readonly field: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
  }
}
