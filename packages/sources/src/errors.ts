/**
 * Errors raised by message sources, and the policy that decides whether a damaged item stops the read.
 */
import type { DamagedItem, SourceOptions } from './source.js';

/** Why a source failed. */
export type SourceErrorCode =
  /** The path does not exist or cannot be read. */
  | 'ENOENT_SOURCE'
  /** The path exists but is of no kind a source can read. */
  | 'UNSUPPORTED'
  /** The file is a PST of the ANSI (97-2002) format, which the PST reader cannot open. */
  | 'ANSI_PST'
  /** The file is not what its name says (bad magic, not a compound file, …). */
  | 'BAD_FORMAT'
  /** One item could not be read, and `onDamaged` is `stop`. */
  | 'DAMAGED'
  /** The read was aborted through `SourceOptions.signal`. */
  | 'ABORTED';

/** A failure of a message source; `path` names the file or item, `code` the reason class. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  readonly code: SourceErrorCode;
  /** The source path, or the origin of the damaged item. */
  readonly path: string;

  constructor(code: SourceErrorCode, path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.code = code;
    this.path = path;
  }
}

/** The text of an unknown thrown value. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Applies `SourceOptions.onDamaged` to one damaged item: reports it and returns (`skip`, the default),
 * or throws a `SourceError` with code `DAMAGED` (`stop`).
 */
export function handleDamaged(options: SourceOptions, item: DamagedItem, cause?: unknown): void {
  if (options.onDamaged === 'stop') {
    throw new SourceError('DAMAGED', item.origin, item.reason, { cause });
  }
  options.reportDamaged?.(item);
}

/** Throws a `SourceError` with code `ABORTED` when the signal of the options has fired. */
export function throwIfAborted(options: SourceOptions, path: string): void {
  if (options.signal?.aborted) {
    throw new SourceError('ABORTED', path, 'the read was aborted', { cause: options.signal.reason });
  }
}

/**
 * Whether a failure while reading one item is the item's own damage (reported, skipped) rather than a
 * failure of the whole read: abort, `stop` policy, or the temporary directory (see `SpoolError`).
 */
export function isItemDamage(error: unknown): boolean {
  if (error instanceof SourceError) return false;
  return !(error instanceof Error && error.name === 'SpoolError');
}
