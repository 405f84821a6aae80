/**
 * Errors the CLI maps to exit statuses. A {@link UsageError} is a user mistake (exit status 2) and is
 * printed as one line, never with a stack trace.
 */

/**
 * Why `pstream` failed, by class (kebab-case, the convention of every pstream package).
 * - `usage`: a bad command line or request file ({@link UsageError}, exit status 2).
 * - `bad-zip`: a `.zip` given to `pstream check` is malformed or uses what the reader does not support.
 */
export type CliErrorCode = 'usage' | 'bad-zip';

/** The base class of the errors `@pstream/cli` raises on purpose. */
export class CliError extends Error {
  override name = 'CliError';
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A bad command line or a bad request file (code `usage`): names the option (or field) and the value. */
export class UsageError extends CliError {
  override name = 'UsageError';
  declare readonly code: 'usage';
  /** The option or field at fault, e.g. `--limit` or `exportToPst.pstSizeLimitBytes`. */
  readonly option: string | undefined;
  /** The offending value, when there is one. */
  readonly value: string | undefined;

  constructor(message: string, option?: string, value?: string) {
    super('usage', message);
    this.option = option;
    this.value = value;
  }
}

/** Exit statuses of `pstream`. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The message of any thrown value, without its stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
