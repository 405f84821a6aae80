/**
 * The reference HTTP server: the REST API's `exportToPst` for the mailboxes of a directory, as an
 * embeddable `node:http` (or `node:https`) server.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { resolve } from 'node:path';
import { resolveDeps, type PstreamDeps } from '../deps.js';
import { messageOf } from '../errors.js';
import { isAuthorized } from './auth.js';
import { MAX_BODY_BYTES } from './body.js';
import { HttpError, sendJsonError } from './errors.js';
import { handleExport } from './export-handler.js';
import { matchRoute } from './router.js';

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
  /** Replaces some of the real implementations (tests inject a fake exporter here). */
  readonly deps?: Partial<PstreamDeps>;
  /** Receives one line per request and per server-side failure; silent by default. */
  readonly log?: (line: string) => void;
}

/** The server {@link createPstreamServer} returns. */
export type PstreamServer = HttpServer | HttpsServer;

/**
 * Creates (without starting) a server for the REST export endpoints:
 * `POST /v4/RestoreSessions/{uuid}/Organization/Mailboxes/{mailboxId}/Action` with an `{"exportToPst": …}`
 * body, and `POST /v6/RestoreSessions/{uuid}/organization/mailboxes/{mailboxId}/exportToPst`.
 * Call `listen()` on it. Errors are JSON `{"message": …}` with status 400, 401, 404, 405, 413, 500 or 501.
 */
export function createPstreamServer(options: PstreamServerOptions): PstreamServer {
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('options.token must be a non-empty string');
  if (typeof options.dataDir !== 'string' || options.dataDir === '') throw new TypeError('options.dataDir must be a directory path');
  const dataDir = resolve(options.dataDir);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const log = options.log ?? ((): void => undefined);
  const deps: PstreamDeps = resolveDeps(options.deps);

  const handle = async (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    try {
      if (!isAuthorized(req.headers.authorization, options.token)) {
        throw new HttpError(401, 'missing or wrong bearer token', { 'WWW-Authenticate': 'Bearer' });
      }
      const route = matchRoute(method, target);
      if (route.kind === 'restore') throw new HttpError(501, `the ${route.action} action is not supported by this server`);
      await handleExport(req, res, route, {
        deps,
        dataDir,
        maxBodyBytes,
        tmpDir: options.tmpDir,
        maxPartBytes: options.maxPartBytes,
        expectsContinue,
      });
      log(`${method} ${target} 200`);
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
  const server: PstreamServer = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createHttpServer(onRequest);
  server.on('checkContinue', onCheckContinue);
  return server;
}
