/**
 * Serves one export: reads and parses the body, opens the mailbox's sources and streams the export
 * into the response as it is produced. The export is aborted when the response closes before its end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { SourceError } from '@pstream/sources';
import type { ApiVersion, PstreamDeps } from '../deps.js';
import { exportName, isQueryError, isRequestError, isUnreadableSource, REQUEST_FORMS, requestErrorStatus } from '../deps.js';
import { HttpError } from './errors.js';
import { findMailbox, type Mailbox } from './mailboxes.js';
import { readBody } from './body.js';

/** What the handler needs besides the request. */
export interface ExportContext {
  readonly deps: PstreamDeps;
  readonly dataDir: string;
  readonly maxBodyBytes: number;
  readonly tmpDir?: string | undefined;
  readonly maxPartBytes?: number | undefined;
  readonly expectsContinue: boolean;
}

/** A `Content-Disposition` value for `fileName`, ASCII-safe, with the UTF-8 form when needed. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === fileName) return `attachment; filename="${fileName}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Turns a refused request (body or keyword query) into a response status; other errors pass through. */
function requestErrorToHttp(error: unknown): unknown {
  if (isQueryError(error)) return new HttpError(400, `contentKeyword: ${error.reason} at position ${error.position} of ${JSON.stringify(error.query)}`);
  if (isRequestError(error)) return new HttpError(requestErrorStatus(error), error.message);
  return error;
}

/** The reason of a source error without the server-side path it starts with. */
function sourceReason(error: SourceError): string {
  const prefix = `${error.path}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/**
 * Opens and closes each path of the mailbox once, so that a mailbox that cannot be read is answered with a
 * 500 naming it before the download starts (the export opens the paths itself).
 */
async function probeMailbox(mailbox: Mailbox, deps: PstreamDeps, signal: AbortSignal): Promise<void> {
  for (const path of mailbox.paths) {
    let source;
    try {
      source = await deps.openSource(path, { signal });
    } catch (error) {
      if (isUnreadableSource(error)) {
        throw new HttpError(500, `mailbox ${JSON.stringify(mailbox.id)} cannot be read: ${sourceReason(error)}`);
      }
      throw error;
    }
    await source.close();
    signal.throwIfAborted();
  }
}

/** Handles `POST …/Action` (v4) and `POST …/exportToPst` (v6). */
export async function handleExport(
  req: IncomingMessage,
  res: ServerResponse,
  route: { readonly apiVersion: ApiVersion; readonly mailboxId: string },
  context: ExportContext,
): Promise<void> {
  const { deps } = context;
  const mailbox = await findMailbox(context.dataDir, route.mailboxId);
  const body = await readBody(req, res, context.maxBodyBytes, context.expectsContinue);
  let request;
  try {
    request = deps.parseExportRequest(body, { form: REQUEST_FORMS[route.apiVersion] });
  } catch (error) {
    throw requestErrorToHttp(error);
  }

  const controller = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection before the end of the download'));
  };
  res.on('close', onClose);
  try {
    await probeMailbox(mailbox, deps, controller.signal);
    let handle;
    try {
      handle = deps.exportToPst({
        sources: mailbox.paths,
        name: exportName(mailbox.id),
        signal: controller.signal,
        warnings: request.warnings,
        keywords: request.keywords,
        ...(request.limitBytes !== undefined ? { limitBytes: request.limitBytes } : {}),
        ...(context.maxPartBytes !== undefined ? { maxPartBytes: context.maxPartBytes } : {}),
        ...(context.tmpDir !== undefined ? { tmpDir: context.tmpDir } : {}),
      });
    } catch (error) {
      throw requestErrorToHttp(error);
    }
    handle.summary.catch(() => undefined);
    handle.head.catch(() => undefined);
    let head;
    try {
      head = await handle.head;
      controller.signal.throwIfAborted();
    } catch (error) {
      handle.stream.destroy();
      // Answer once the export has wound down (its summary settles after the temporary files are gone).
      await handle.summary.catch(() => undefined);
      throw requestErrorToHttp(error);
    }
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': contentDisposition(head.fileName),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    };
    if (request.warnings.length > 0) headers['X-Pstream-Warnings'] = encodeURIComponent(request.warnings.map((w) => w.message).join('\n'));
    res.writeHead(200, headers);
    // pipeline destroys the export stream (which aborts the export) if the response closes early.
    await pipeline(handle.stream, res);
    await handle.summary;
  } finally {
    res.off('close', onClose);
    if (!res.writableFinished) controller.abort(new Error('the download did not complete'));
  }
}
