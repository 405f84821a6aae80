/**
 * The reference HTTP server: the REST API's listings and `exportToPst` routes (v4 to v8, see `routes.ts`) for the
 * mailboxes of a directory, as an embeddable `node:http` (or `node:https`) server.
 */
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { MimeParsePool } from '@pstream/sources';
import { type PstreamDeps, resolveDeps } from '../deps.js';
import { messageOf } from '../errors.js';
import { isAuthorized } from './auth.js';
import { MAX_BODY_BYTES } from './body.js';
import { HttpError, sendJsonError } from './errors.js';
import { handleExport, unreadableToHttp } from './export-handler.js';
import { KeptExports } from './kept-exports.js';
import { handleListing } from './listing-handler.js';
import { findMailbox } from './mailboxes.js';
import { matchRoute, queryOf } from './routes.js';

/** Options of {@link createPstreamServer}. */
export interface PstreamServerOptions {
  /** Directory whose entries are the mailboxes. */
  readonly dataDir: string;
  /** Bearer token every request must present. Required and non-empty. */
  readonly token: string;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Largest accepted request body; 1 MiB by default. */
  readonly maxBodyBytes?: number;
  /** Where export parts are written before they are streamed; the OS temporary directory by default. */
  readonly tmpDir?: string;
  /** Engine-level part size passed to every export (tests, small targets). */
  readonly maxPartBytes?: number;
  /**
   * Threads that parse the `.eml` mailboxes, shared by every export (`defaultParseThreads()` of `@pstream/sources`
   * by default: one a core but one). One more speeds up attachment-heavy exports at the cost of a parser's heap
   * and of the other requests' latency on a machine with few cores (see benchmarks/README.md).
   */
  readonly parseThreads?: number;
  /** Replaces some of the real implementations (tests inject a fake exporter here). */
  readonly deps?: Partial<PstreamDeps>;
  /** Receives one line per request and per server-side failure; silent by default. */
  readonly log?: (line: string) => void;
  /**
   * How v7 and v8 keep finished exports for resumed downloads (see `kept-exports.ts`): `keepMs` (10 minutes by
   * default), `maxBytes` (all of them together; 10 GiB by default), `waitMs` (how long a `Range` request waits for
   * a running export; 10 minutes by default), `maxRunning` (how many run at once, 4 by default; a request past that
   * is a 503). They live under `tmpDir`.
   */
  readonly keptExports?: {
    readonly keepMs?: number;
    readonly maxBytes?: number;
    readonly waitMs?: number;
    readonly maxRunning?: number;
  };
}

/** Defaults of {@link PstreamServerOptions.keptExports}. */
export const KEPT_EXPORT_DEFAULTS = {
  keepMs: 10 * 60_000,
  maxBytes: 10 * 2 ** 30,
  waitMs: 10 * 60_000,
  maxRunning: 4,
} as const;

/** What a server holds beyond its sockets, released with it. */
const heldBy = new WeakMap<PstreamServer, { readonly kept: KeptExports; readonly parsePool: MimeParsePool }>();

async function release(kept: KeptExports, parsePool: MimeParsePool): Promise<void> {
  await Promise.all([kept.close(), parsePool.close()]);
}

/**
 * Removes what the server keeps on disk (the kept exports of v7 and v8, stopping those still running) and ends its
 * parsing threads. Called by
 * `pstream serve` once the server is closed; it also runs by itself on the server's `close` event.
 */
export async function releaseServer(server: PstreamServer): Promise<void> {
  const held = heldBy.get(server);
  if (held) await release(held.kept, held.parsePool);
}

/** The server {@link createPstreamServer} returns. */
export type PstreamServer = HttpServer | HttpsServer;

/**
 * Creates (without starting) a server for the REST routes of `routes.ts`. Call `listen()` on it. Errors are JSON
 * `{"message", "errorCode", "stackTrace": null}` (see `errors.ts` for the codes).
 */
export function createPstreamServer(options: PstreamServerOptions): PstreamServer {
  if (typeof options.token !== 'string' || options.token === '')
    throw new TypeError('options.token must be a non-empty string');
  if (typeof options.dataDir !== 'string' || options.dataDir === '')
    throw new TypeError('options.dataDir must be a directory path');
  const dataDir = resolve(options.dataDir);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const log = options.log ?? ((): void => undefined);
  const deps: PstreamDeps = resolveDeps(options.deps);
  const keptSettings = { ...KEPT_EXPORT_DEFAULTS, ...options.keptExports };
  for (const [name, value] of Object.entries(keptSettings)) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new TypeError(`options.keptExports.${name} must be a whole number of 0 or more, got ${String(value)}`);
  }
  const kept = new KeptExports({ directory: options.tmpDir ?? tmpdir(), ...keptSettings, log });
  // One pool of MIME parsing threads for every export the server runs: their memory is paid once, however many
  // exports run at once (a pool per export multiplies the threads' heaps by them). Threads start at the first
  // .eml file and end with the server.
  const parsePool = new MimeParsePool(options.parseThreads);

  const handle = async (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    try {
      if (!isAuthorized(req.headers.authorization, options.token)) {
        throw new HttpError(401, 'missing or wrong bearer token', { 'WWW-Authenticate': 'Bearer' });
      }
      const route = matchRoute(method, target);
      if (route.kind === 'restore')
        throw new HttpError(501, `the ${route.action} action is not supported by this server`);
      if (route.kind === 'list') {
        const controller = new AbortController();
        res.once('close', () => controller.abort(new Error('the client closed the connection')));
        const mailboxId = route.what === 'mailboxes' ? undefined : route.mailboxId;
        try {
          await handleListing(res, route.what, mailboxId, queryOf(target), {
            dataDir,
            tmpDir: options.tmpDir,
            signal: controller.signal,
          });
        } catch (error) {
          throw mailboxId === undefined ? error : unreadableToHttp(await findMailbox(dataDir, mailboxId), error);
        }
      } else {
        await handleExport(req, res, route, {
          deps,
          dataDir,
          maxBodyBytes,
          tmpDir: options.tmpDir,
          maxPartBytes: options.maxPartBytes,
          expectsContinue,
          kept,
          parsePool,
        });
      }
      log(`${method} ${target} ${res.statusCode}`);
    } catch (error) {
      if (error instanceof HttpError) {
        log(`${method} ${target} ${error.status} ${error.message}`);
        sendJsonError(res, error.status, error.message, error.headers);
        if (error.status === 413) res.once('finish', () => req.destroy());
      } else if (res.headersSent) {
        // Mid-download: cut the connection so the client sees an incomplete transfer.
        log(`${method} ${target} aborted: ${messageOf(error)}`);
        res.destroy();
      } else {
        log(`${method} ${target} 500 ${messageOf(error)}`);
        sendJsonError(res, 500, 'the export failed');
      }
    }
  };

  const run = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    handle(req, res, expectsContinue).catch((error: unknown) => {
      log(`${req.method ?? ''} ${req.url ?? ''} failed while answering: ${messageOf(error)}`);
      res.destroy();
    });
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => run(req, res, false);
  const onCheckContinue = (req: IncomingMessage, res: ServerResponse): void => run(req, res, true);
  const server: PstreamServer = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createHttpServer(onRequest);
  server.on('checkContinue', onCheckContinue);
  heldBy.set(server, { kept, parsePool });
  server.on('close', () => void release(kept, parsePool));
  return server;
}
