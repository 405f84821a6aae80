/** HTTP clients for the server tests: raw `node:http` (paths sent as they are) and `curl`. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Sends a request with `path` exactly as given (no `..` normalisation, unlike `fetch`). */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const execFileAsync = promisify(execFile);

/** Runs curl with `args` against `url`; returns the status, the headers (lower-case names) and the body. */
export async function curl(url: string, args: readonly string[]): Promise<RawResponse> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-curl-'));
  try {
    const bodyFile = join(dir, 'body');
    const headerFile = join(dir, 'headers');
    const { stdout } = await execFileAsync(
      'curl',
      ['-sS', '-o', bodyFile, '-D', headerFile, '-w', '%{http_code}', ...args, url],
      {
        maxBuffer: 1024 * 1024,
      },
    );
    const headers: IncomingHttpHeaders = {};
    const headerText = await readFile(headerFile, 'latin1');
    // Keep the last response's headers (a 100 Continue may come first).
    const blocks = headerText.split(/\r\n\r\n/).filter((b) => b.trim() !== '');
    for (const line of (blocks[blocks.length - 1] ?? '').split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status: Number(stdout), headers, body: await readFile(bodyFile).catch(() => Buffer.alloc(0)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits (without a deadline: the test runner has one) until `condition` holds. */
export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
