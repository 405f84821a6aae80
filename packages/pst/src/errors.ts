/**
 * The errors of `@pstream/pst`. Every failure the writer raises on purpose is a {@link PstError} whose `code` is one
 * of {@link PstErrorCode} (kebab-case, the convention of every pstream package), so that a caller can branch on it.
 * Bad options are a `TypeError` or `RangeError` naming the option and the value; a broken invariant of the writer
 * itself is a plain `Error` whose message starts with `internal:`.
 */

/**
 * Why the writer refused.
 * - `invalid-message`: a record the writer cannot store faithfully ({@link PstInputError}: `field`, `value`).
 * - `attachment-size-mismatch`: an attachment's source gave more or fewer bytes than its declared `size`.
 * - `writer-state`: a call the writer's state does not allow (one call at a time; nothing after `finish` or `abort`).
 */
export type PstErrorCode = 'invalid-message' | 'attachment-size-mismatch' | 'writer-state';

/** The base class of the errors `@pstream/pst` raises on purpose. */
export class PstError extends Error {
  override readonly name: string = 'PstError';
  readonly code: PstErrorCode;

  constructor(code: PstErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
