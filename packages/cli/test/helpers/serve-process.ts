/**
 * Test helper: runs `pstream serve` in a child process on port 0 and waits for the address line it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface RunningServe {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the server wrote to standard error so far (its request log and failures). */
  stderr: string;
  readonly exited: Promise<number | null>;
}

/** `node <nodeArgs> serve --host 127.0.0.1 --port 0 <serveArgs>`; `nodeArgs` ends with the script to run. */
export async function spawnServe(nodeArgs: readonly string[], serveArgs: readonly string[]): Promise<RunningServe> {
  const child = spawn(process.execPath, [...nodeArgs, 'serve', '--host', '127.0.0.1', '--port', '0', ...serveArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const running = { child, port: 0, stderr: '', exited };
  child.stderr!.on('data', (c: Buffer) => (running.stderr += c.toString()));
  let stdout = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      const match = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${running.stderr}`)));
  });
  return Object.assign(running, { port });
}
