/**
 * Errors raised by message sources, and the policy that decides whether a damaged item stops the read.
 */
import type { DamagedItem, SourceOptions } from './source.js';

/**
 * Why a source failed (kebab-case, the convention of every pstream package).
 * - `source-not-found`: the path does not exist or cannot be read.
 * - `unsupported-source`: the path exists but is of no kind a source can read.
 * - `ansi-pst`: the file is a PST of the ANSI (97-2002) format, which the PST reader cannot open.
 * - `bad-format`: the file is not what its name says (bad magic, not a compound file, …).
 * - `damaged`: one item could not be read, and `onDamaged` is `stop`.
 * - `aborted`: the read was aborted through `SourceOptions.signal`.
 * - `malformed-message`: one message could not be parsed ({@link MimeDamageError}); its own damage, reported and
 *   skipped by the sources, never a failure of the whole read.
 * - `spool-failed`: writing to the temporary directory failed (`SpoolError`): not the input's fault.
 */
export type SourceErrorCode =
  | 'source-not-found'
  | 'unsupported-source'
  | 'ansi-pst'
  | 'bad-format'
  | 'damaged'
  | 'aborted'
  | 'malformed-message'
  | 'spool-failed';

/**
 * The base class of the errors `@pstream/sources` raises on purpose; `code` names the reason class, `path` the file
 * or item when there is one (the message then starts with it).
 */
export class SourceError extends Error {
  override readonly name: string = 'SourceError';
  readonly code: SourceErrorCode;
  /** The source path, or the origin of the damaged item; empty when the error concerns no one file. */
  readonly path: string;

  constructor(code: SourceErrorCode, path: string, reason: string, options?: { cause?: unknown }) {
    super(path === '' ? reason : `${path}: ${reason}`, options);
    this.code = code;
    this.path = path;
  }
}

/** One message could not be parsed (code `malformed-message`); the reason is the message. */
export class MimeDamageError extends SourceError {
  override readonly name: string = 'MimeDamageError';
  declare readonly code: 'malformed-message';

  constructor(reason: string, options?: { cause?: unknown }) {
    super('malformed-message', '', reason, options);
  }
}

/** The text of an unknown thrown value. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Applies `SourceOptions.onDamaged` to one damaged item: reports it and returns (`skip`, the default),
 * or throws a `SourceError` with code `damaged` (`stop`).
 */
export function handleDamaged(options: SourceOptions, item: DamagedItem, cause?: unknown): void {
  if (options.onDamaged === 'stop') {
    throw new SourceError('damaged', item.origin, item.reason, { cause });
  }
  options.reportDamaged?.(item);
}

/** Throws a `SourceError` with code `aborted` when the signal of the options has fired. */
export function throwIfAborted(options: SourceOptions, path: string): void {
  if (options.signal?.aborted) {
    throw new SourceError('aborted', path, 'the read was aborted', { cause: options.signal.reason });
  }
}

/**
 * Whether a failure while reading one item is the item's own damage (reported, skipped) rather than a
 * failure of the whole read: abort, `stop` policy, or the temporary directory (`spool-failed`). An error that is no
 * `SourceError` (a parser's own) is the item's damage.
 */
export function isItemDamage(error: unknown): boolean {
  if (error instanceof SourceError) return error.code === 'malformed-message';
  return true;
}
