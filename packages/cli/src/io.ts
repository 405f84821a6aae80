/** The streams and environment a command runs with; `main` gets the process's, tests their own. */
export interface CliStream extends NodeJS.WritableStream {
  /** True when the stream is a terminal (progress is drawn only then). */
  readonly isTTY?: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

export interface CliIO {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /**
   * Aborted on SIGINT/SIGTERM/SIGHUP: `export` stops and deletes its temporary files; `serve` stops accepting
   * connections and lets running downloads finish within the grace period.
   */
  readonly signal?: AbortSignal;
}

/** Writes a line to a stream. */
export function writeLine(stream: CliStream, line: string): void {
  stream.write(`${line}\n`);
}
