#!/usr/bin/env node
/**
 * The `pstream` command: `export`, `check` and `serve`. Exit status 0 when done, 2 for bad usage or a
 * bad request (the message names the option or field and the value), 1 for any other failure. A user
 * mistake never prints a stack trace (set PSTREAM_DEBUG=1 to see the stack of an internal failure).
 */
import { realpathSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCheck } from './commands/check.js';
import { runExport } from './commands/export.js';
import { runServe } from './commands/serve.js';
import { isQueryError, isRequestError, type PstreamDeps, resolveDeps } from './deps.js';
import { EXIT_FAILURE, EXIT_USAGE, messageOf, UsageError } from './errors.js';
import { type CliIO, writeLine } from './io.js';

export const USAGE = `usage: pstream <command> [options]

commands:
  export   write one PST (or a ZIP of PST parts) from .eml trees, .mbox, .pst or .msg sources
  check    check the structure of a .pst, or of every part inside a .zip
  serve    serve the REST exportToPst endpoints for the mailboxes of a directory

Run "pstream <command> --help" for the options of a command.`;

/** The process's own streams and environment. */
export function processIO(signal?: AbortSignal): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    ...(signal ? { signal } : {}),
  };
}

/**
 * Runs `pstream` with `argv` (the arguments after the script name) and returns the exit status.
 * @param deps replaces some of the real implementations (tests).
 */
export async function main(
  argv: readonly string[],
  io: CliIO = processIO(),
  deps?: Partial<PstreamDeps>,
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'export':
        return await runExport(rest, io, resolveDeps(deps));
      case 'check':
        return await runCheck(rest, io, resolveDeps(deps));
      case 'serve':
        return await runServe(rest, io, deps);
      case 'help':
      case '--help':
      case '-h':
        writeLine(io.stdout, USAGE);
        return 0;
      case undefined:
        throw new UsageError(`a command is required\n${USAGE}`);
      default:
        throw new UsageError(`unknown command "${command}"\n${USAGE}`, 'command', command);
    }
  } catch (error) {
    const prefix =
      command === undefined || !['export', 'check', 'serve'].includes(command) ? 'pstream' : `pstream ${command}`;
    if (error instanceof UsageError) {
      writeLine(io.stderr, `${prefix}: ${error.message}`);
      return EXIT_USAGE;
    }
    if (isQueryError(error)) {
      writeLine(
        io.stderr,
        `${prefix}: --keywords: ${error.reason} at position ${error.position} of ${JSON.stringify(error.query)}`,
      );
      return EXIT_USAGE;
    }
    if (isRequestError(error)) {
      writeLine(io.stderr, `${prefix}: bad request: ${error.message}`);
      return EXIT_USAGE;
    }
    writeLine(io.stderr, `${prefix}: ${messageOf(error)}`);
    if (io.env.PSTREAM_DEBUG && error instanceof Error && error.stack) writeLine(io.stderr, error.stack);
    return EXIT_FAILURE;
  }
}

/** Whether this module is the script node was started with (also through an npm bin symlink). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * The signals that abort a command. SIGHUP is among them: closing the terminal must clean up like Ctrl-C, not kill
 * the process with its temporary files left behind.
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

/**
 * Runs `pstream` as the process: SIGINT/SIGTERM/SIGHUP abort the command (a second one exits at once, with 128 +
 * the signal's number), and the exit status is set on the process.
 */
export async function runAsProcess(argv: readonly string[], deps?: Partial<PstreamDeps>): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(128 + constants.signals[signal]); // a second signal: stop now
    controller.abort(new Error(`received ${signal}`));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'EIO') controller.abort(new Error('standard output was closed'));
  });
  // A terminal that went away (EIO) must not crash the process before it has deleted its temporary files: the
  // cleanup awaits the writes under way, and a progress line may be drawn meanwhile.
  process.stderr.on('error', () => {});
  const status = await main(argv, processIO(controller.signal), deps);
  for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  process.exitCode = status;
}

if (isEntryPoint()) await runAsProcess(process.argv.slice(2));
