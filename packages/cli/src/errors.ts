/**
 * Errors the CLI maps to exit statuses. A {@link UsageError} is a user mistake (exit status 2) and is
 * printed as one line, never with a stack trace.
 */

/** A bad command line or a bad request file: names the option (or field) and the value. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The option or field at fault, e.g. `--limit` or `exportToPst.pstSizeLimitBytes`. */
  readonly option: string | undefined;
  /** The offending value, when there is one. */
  readonly value: string | undefined;

  constructor(message: string, option?: string, value?: string) {
    super(message);
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
