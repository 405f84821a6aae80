/**
 * `pstream serve`: runs the reference HTTP server until SIGTERM/SIGINT/SIGHUP, then stops accepting
 * connections, lets running downloads finish within the grace period and returns.
 */
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { EMPTY_PST_BYTES } from '@pstream/export';
import { loadMimeParser } from '@pstream/sources';
import { type OptionSpecs, parseArgs } from '../args.js';
import type { PstreamDeps } from '../deps.js';
import { UsageError } from '../errors.js';
import { type CliIO, writeLine } from '../io.js';
import { createPstreamServer, KEPT_EXPORT_DEFAULTS, type PstreamServer, releaseServer } from '../server/server.js';
import { parseSize } from '../size.js';

export const SERVE_USAGE = `usage: pstream serve --data DIR [--host 127.0.0.1] [--port 4443] [--token T]
                     [--tls-cert FILE --tls-key FILE] [--grace SECONDS] [--tmp-dir DIR]
                     [--max-part-bytes N] [--keep-seconds S] [--keep-bytes SIZE] [--parse-threads N]
The token may also come from PSTREAM_TOKEN. --parse-threads: threads that parse .eml mailboxes for all
exports (default: one a core but one). v7 and v8 downloads can be resumed: finished exports are kept
in --tmp-dir for --keep-seconds (600) within --keep-bytes in all (10g).`;

const OPTIONS: OptionSpecs = {
  data: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  grace: { type: 'string' },
  'tmp-dir': { type: 'string' },
  'max-part-bytes': { type: 'string' },
  'keep-seconds': { type: 'string' },
  'keep-bytes': { type: 'string' },
  'parse-threads': { type: 'string' },
  help: { type: 'boolean' },
};

const DEFAULT_GRACE_SECONDS = 30;

async function requireDirectory(option: string, text: string | undefined, cwd: string): Promise<string> {
  if (text === undefined) throw new UsageError(`option --${option} is required\n${SERVE_USAGE}`, `--${option}`);
  const path = resolve(cwd, text);
  if (!(await stat(path).catch(() => undefined))?.isDirectory())
    throw new UsageError(`--${option}: not a directory: "${text}"`, `--${option}`, text);
  return path;
}

async function readPem(option: string, text: string, cwd: string): Promise<Buffer> {
  return readFile(resolve(cwd, text)).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--${option}: cannot read "${text}" (${error.code ?? error.message})`, `--${option}`, text);
  });
}

/** Tracks the responses in progress on `server`, so that shutting down can wait for them. */
export function trackResponses(server: PstreamServer): Set<NodeJS.EventEmitter> {
  const active = new Set<NodeJS.EventEmitter>();
  server.on('request', (_req: unknown, res: NodeJS.EventEmitter) => {
    active.add(res);
    res.once('close', () => active.delete(res));
  });
  return active;
}

/**
 * Stops accepting connections, lets the responses in `active` finish within `graceMs`, then cuts what is
 * left. Keep-alive connections are closed as soon as they are idle.
 */
export async function shutDown(
  server: PstreamServer,
  active: Set<NodeJS.EventEmitter>,
  graceMs: number,
): Promise<{ readonly forced: boolean }> {
  let forced = false;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  for (const res of active) res.once('close', () => setImmediate(() => server.closeIdleConnections()));
  const timer = setTimeout(() => {
    forced = true;
    server.closeAllConnections();
  }, graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
  return { forced };
}

/** Runs `pstream serve`; resolves with the exit status once the server has shut down. */
export async function runServe(
  argv: readonly string[],
  io: CliIO,
  deps: Partial<PstreamDeps> | undefined,
): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.flag('help')) {
    writeLine(io.stdout, SERVE_USAGE);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${SERVE_USAGE}`);
  const dataDir = await requireDirectory('data', args.string('data'), io.cwd);
  const host = args.string('host') ?? '127.0.0.1';
  const portText = args.string('port') ?? '4443';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    throw new UsageError(`--port: not a port number: "${portText}"`, '--port', portText);
  const token = args.string('token') ?? io.env.PSTREAM_TOKEN;
  if (token === undefined || token === '')
    throw new UsageError('a token is required: --token T or PSTREAM_TOKEN', '--token');
  const certText = args.string('tls-cert');
  const keyText = args.string('tls-key');
  if ((certText === undefined) !== (keyText === undefined)) {
    throw new UsageError(
      'options --tls-cert and --tls-key go together',
      certText === undefined ? '--tls-cert' : '--tls-key',
    );
  }
  const graceText = args.string('grace') ?? String(DEFAULT_GRACE_SECONDS);
  if (!/^\d+(\.\d+)?$/.test(graceText))
    throw new UsageError(`--grace: not a number of seconds: "${graceText}"`, '--grace', graceText);
  const tmpDirText = args.string('tmp-dir');
  const tmpDir = tmpDirText === undefined ? undefined : await requireDirectory('tmp-dir', tmpDirText, io.cwd);
  const maxPartText = args.string('max-part-bytes');
  const maxPartBytes = maxPartText === undefined ? undefined : parseSize(maxPartText, '--max-part-bytes');
  if (maxPartBytes !== undefined && maxPartBytes < EMPTY_PST_BYTES) {
    throw new UsageError(
      `--max-part-bytes: ${maxPartBytes} is below ${EMPTY_PST_BYTES} bytes, the size of an empty PST`,
      '--max-part-bytes',
      maxPartText,
    );
  }
  const keepText = args.string('keep-seconds') ?? String(KEPT_EXPORT_DEFAULTS.keepMs / 1000);
  if (!/^\d+$/.test(keepText))
    throw new UsageError(`--keep-seconds: not a whole number of seconds: "${keepText}"`, '--keep-seconds', keepText);
  const keepBytesText = args.string('keep-bytes');
  const keptExports = {
    keepMs: Number(keepText) * 1000,
    maxBytes: keepBytesText === undefined ? KEPT_EXPORT_DEFAULTS.maxBytes : parseSize(keepBytesText, '--keep-bytes'),
  };
  const threadsText = args.string('parse-threads');
  if (threadsText !== undefined && !/^[1-9]\d{0,2}$/.test(threadsText))
    throw new UsageError(
      `--parse-threads: not a whole number of threads from 1 to 999: "${threadsText}"`,
      '--parse-threads',
      threadsText,
    );
  const tls =
    certText !== undefined && keyText !== undefined
      ? { cert: await readPem('tls-cert', certText, io.cwd), key: await readPem('tls-key', keyText, io.cwd) }
      : undefined;

  // The exports of .eml and mbox mailboxes parse MIME: its modules load now, while no request waits.
  await loadMimeParser();
  const server = createPstreamServer({
    dataDir,
    token,
    log: (line) => writeLine(io.stderr, line),
    keptExports,
    ...(tls ? { tls } : {}),
    ...(tmpDir !== undefined ? { tmpDir } : {}),
    ...(maxPartBytes !== undefined ? { maxPartBytes } : {}),
    ...(threadsText !== undefined ? { parseThreads: Number(threadsText) } : {}),
    ...(deps ? { deps } : {}),
  });
  const active = trackResponses(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot listen on ${host}:${portText} (${error.code ?? error.message})`, '--port', portText);
  });
  server.on('error', (error: Error) => writeLine(io.stderr, `pstream: server error: ${error.message}`));
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  writeLine(io.stdout, `pstream: serving ${dataDir} on ${tls ? 'https' : 'http'}://${shownHost}:${address.port}`);

  await new Promise<void>((resolve) => {
    if (io.signal === undefined) return; // runs until the process ends
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  writeLine(io.stderr, 'pstream: stopping: no new connections; waiting for running downloads');
  const { forced } = await shutDown(server, active, Number(graceText) * 1000);
  await releaseServer(server);
  writeLine(io.stderr, forced ? 'pstream: grace period over: remaining downloads cut off' : 'pstream: stopped');
  return 0;
}
