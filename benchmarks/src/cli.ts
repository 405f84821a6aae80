/**
 * The command-line frame of the benchmark entry points: when `moduleUrl` is the script Node was started with, parse
 * the arguments (a usage error is printed and exits 2), print `usage` for `--help`, else run.
 */
import { fileURLToPath } from 'node:url';

export function runCli<T>(
  moduleUrl: string,
  usage: string,
  parse: (argv: readonly string[]) => T | 'help',
  run: (options: T) => Promise<void>,
): void {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  let options: T | 'help';
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(usage);
    return;
  }
  run(options).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
