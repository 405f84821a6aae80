/**
 * Serves one export: resolves its target (the organization, a mailbox, a folder of it, some of its items), reads and
 * checks the body, and answers with the export's bytes.
 *
 * v4 to v6 stream the export into the response as it is produced; the export is aborted when the response closes
 * before its end. v7 and v8 run it into a kept file (see `kept-exports.ts`) and answer from that, so that the same
 * request again, with `Range`, resumes a cut download.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ExportHandle, type ExportRequest, pipeExport } from '@pstream/export';
import {
  allFolders,
  findItems,
  type MessageSource,
  type MimeParsePool,
  type SourceError,
  STABLE_ID_PATTERN,
} from '@pstream/sources';
import type { ApiVersion, PstreamDeps } from '../deps.js';
import {
  exportName,
  isQueryError,
  isRequestError,
  isUnreadableSource,
  REQUEST_FORMS,
  requestErrorStatus,
} from '../deps.js';
import { readBody } from './body.js';
import { HttpError } from './errors.js';
import { sendFollowing, sendKept } from './kept-download.js';
import { type ExportWarningLike, type KeptExports, type RunningExport, warningText } from './kept-exports.js';
import { findMailbox, listMailboxes, type Mailbox } from './mailboxes.js';
import { exportOrganization } from './organization-export.js';
import type { ExportTarget } from './routes.js';
import { validateItemList } from './schemas.js';

/** What the handler needs besides the request. */
export interface ExportContext {
  readonly deps: PstreamDeps;
  readonly dataDir: string;
  readonly maxBodyBytes: number;
  readonly tmpDir?: string | undefined;
  readonly maxPartBytes?: number | undefined;
  readonly expectsContinue: boolean;
  readonly kept: KeptExports;
  /** The server's parsing threads, lent to every export (see `ExportOptions.parsePool`). */
  readonly parsePool: MimeParsePool;
}

/** The versions whose downloads can be resumed. */
const RESUMABLE_VERSIONS: ReadonlySet<ApiVersion> = new Set(['v7', 'v8']);

/** A `Content-Disposition` value for `fileName`, ASCII-safe, with the UTF-8 form when needed. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === fileName) return `attachment; filename="${fileName}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Turns a refused request (body or keyword query) into a response status; other errors pass through. */
function requestErrorToHttp(error: unknown): unknown {
  if (isQueryError(error))
    return new HttpError(
      400,
      `contentKeyword: ${error.reason} at position ${error.position} of ${JSON.stringify(error.query)}`,
    );
  if (isRequestError(error)) return new HttpError(requestErrorStatus(error), error.message);
  return error;
}

/** The reason of a source error without the server-side path it starts with. */
function sourceReason(error: SourceError): string {
  const prefix = `${error.path}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** A source that is no readable mailbox as a 500 naming the mailbox; other errors pass through. */
export function unreadableToHttp(mailbox: Mailbox, error: unknown): unknown {
  if (isUnreadableSource(error))
    return new HttpError(500, `mailbox ${JSON.stringify(mailbox.id)} cannot be read: ${sourceReason(error)}`);
  return error;
}

/**
 * Opens and closes each path of the mailbox once, so that a mailbox that cannot be read is answered with a
 * 500 naming it before the download starts (the export opens the paths itself).
 */
async function probeMailbox(mailbox: Mailbox, deps: PstreamDeps, signal: AbortSignal): Promise<void> {
  for (const path of mailbox.paths) {
    let source: MessageSource;
    try {
      source = await deps.openSource(path, { signal });
    } catch (error) {
      throw unreadableToHttp(mailbox, error);
    }
    await source.close();
    signal.throwIfAborted();
  }
}

/** What one export request asks for, checked. */
interface ExportJob {
  readonly mailboxes: readonly Mailbox[];
  /** One mailbox's export: its name; undefined for the organization's. */
  readonly name: string | undefined;
  readonly keywords: string;
  readonly limitBytes: number | undefined;
  readonly warnings: readonly ExportWarningLike[];
  readonly folderIds?: readonly string[];
  readonly itemIds?: readonly string[];
}

/** The name under which a JSON object holds `name`, in any letter case. */
function keyOf(object: Record<string, unknown>, name: string): string | undefined {
  return Object.keys(object).find((k) => k.toLowerCase() === name);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Takes the `items` list out of an items export's body: at the top (v6–v8), or in the action's options (v5). Returns
 * the ids and the body without them, for the request parser. A body that is not JSON is left to the parser.
 */
function takeItems(body: Buffer, apiVersion: ApiVersion): { ids: string[]; rest: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ids: [], rest: body.toString('utf8') };
  }
  if (!isObject(json)) return { ids: [], rest: body.toString('utf8') };
  let holder = json;
  let prefix = '';
  if (REQUEST_FORMS[apiVersion] === 'action') {
    const action = keyOf(json, 'exporttopst');
    const options = action === undefined ? undefined : json[action];
    if (action === undefined || !isObject(options)) return { ids: [], rest: body.toString('utf8') };
    holder = options;
    prefix = `${action}.`;
  }
  const key = keyOf(holder, 'items');
  if (key === undefined)
    throw new HttpError(400, `${prefix}items is missing; list the items to export as [{"id": "…"}]`);
  const ids = validateItemList(`${prefix}${key}`, holder[key]);
  delete holder[key];
  return { ids, rest: JSON.stringify(json) };
}

/** Resolves the target and the body of a request into an {@link ExportJob}; 400 and 404 {@link HttpError}s. */
async function resolveJob(
  req: IncomingMessage,
  res: ServerResponse,
  apiVersion: ApiVersion,
  target: ExportTarget,
  context: ExportContext,
  signal: AbortSignal,
): Promise<ExportJob> {
  const mailboxes =
    target.kind === 'organization'
      ? await listMailboxes(context.dataDir)
      : [await findMailbox(context.dataDir, target.mailboxId)];
  const mailbox = mailboxes[0];
  const body = await readBody(req, res, context.maxBodyBytes, context.expectsContinue);
  let itemIds: string[] | undefined;
  let text: Buffer | string = body;
  if (target.kind === 'items') ({ ids: itemIds, rest: text } = takeItems(body, apiVersion));
  if (target.kind === 'item') itemIds = [target.itemId];
  let request: ExportRequest;
  try {
    request = context.deps.parseExportRequest(text, { form: REQUEST_FORMS[apiVersion] });
  } catch (error) {
    throw requestErrorToHttp(error);
  }
  if (itemIds !== undefined && request.keywords !== '') {
    throw new HttpError(
      400,
      `contentKeyword: an item export takes no keyword, got ${JSON.stringify(request.keywords)}`,
    );
  }
  const job = {
    mailboxes,
    name: target.kind === 'organization' ? undefined : exportName(mailbox!.id),
    keywords: request.keywords,
    limitBytes: request.limitBytes,
    warnings: request.warnings,
  };
  if (target.kind === 'folder') {
    const folders = await allFolders(mailbox!.paths, { signal }).catch((error: unknown) =>
      Promise.reject(unreadableToHttp(mailbox!, error)),
    );
    if (!folders.some((f) => f.id === target.folderId))
      throw new HttpError(
        404,
        `no such folder in mailbox ${JSON.stringify(mailbox!.id)}: folderId ${JSON.stringify(target.folderId)}`,
      );
    return { ...job, folderIds: [target.folderId] };
  }
  if (itemIds !== undefined) {
    const wanted = new Set(itemIds);
    const wellFormed = new Set([...wanted].filter((id) => STABLE_ID_PATTERN.test(id)));
    const found =
      wellFormed.size === 0
        ? new Set<string>()
        : await findItems(mailbox!.paths, wellFormed, { signal }).catch((error: unknown) =>
            Promise.reject(unreadableToHttp(mailbox!, error)),
          );
    const missing = [...wanted].filter((id) => !found.has(id));
    if (missing.length > 0) {
      const field = target.kind === 'item' ? 'itemId' : 'items';
      throw new HttpError(
        404,
        `no such item in mailbox ${JSON.stringify(mailbox!.id)}: ${field} ${missing
          .slice(0, 5)
          .map((id) => JSON.stringify(id))
          .join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`,
      );
    }
    return { ...job, itemIds: [...wanted].sort() };
  }
  return job;
}

/** Starts the export of `job`; `signal` stops it. */
function startExport(job: ExportJob, context: ExportContext, signal: AbortSignal): RunningExport {
  const common = {
    keywords: job.keywords,
    ...(job.limitBytes !== undefined ? { limitBytes: job.limitBytes } : {}),
    ...(context.maxPartBytes !== undefined ? { maxPartBytes: context.maxPartBytes } : {}),
    ...(context.tmpDir !== undefined ? { tmpDir: context.tmpDir } : {}),
    parsePool: context.parsePool,
  };
  if (job.name === undefined)
    return exportOrganization(
      job.mailboxes,
      { ...common, limitBytes: job.limitBytes, warnings: job.warnings },
      context.deps,
      signal,
    );
  const selection =
    job.folderIds !== undefined || job.itemIds !== undefined
      ? {
          selection: {
            ...(job.folderIds ? { folderIds: job.folderIds } : {}),
            ...(job.itemIds ? { itemIds: job.itemIds } : {}),
          },
        }
      : {};
  let handle: ExportHandle;
  try {
    handle = context.deps.exportToPst({
      sources: job.mailboxes[0]!.paths,
      name: job.name,
      signal,
      warnings: job.warnings,
      ...common,
      ...selection,
    });
  } catch (error) {
    throw requestErrorToHttp(error);
  }
  return {
    head: handle.head.then((head) => ({ fileName: head.fileName, warnings: job.warnings })),
    stream: handle.stream,
    summary: handle.summary,
    recycle: handle.recycle,
  };
}

/** The key of a kept export: the restore session, the target and what the request asks for. */
function keptKey(restoreSessionId: string, target: ExportTarget, job: ExportJob): string {
  const what = [
    restoreSessionId.toLowerCase(),
    target.kind,
    job.mailboxes.map((m) => m.id),
    job.folderIds ?? null,
    job.itemIds ?? null,
    job.keywords,
    job.limitBytes ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 40);
}

/** Handles an export route. */
export async function handleExport(
  req: IncomingMessage,
  res: ServerResponse,
  route: { readonly apiVersion: ApiVersion; readonly restoreSessionId: string; readonly target: ExportTarget },
  context: ExportContext,
): Promise<void> {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished)
      controller.abort(new Error('the client closed the connection before the end of the download'));
  };
  res.on('close', onClose);
  try {
    const job = await resolveJob(req, res, route.apiVersion, route.target, context, controller.signal);
    if (RESUMABLE_VERSIONS.has(route.apiVersion)) {
      await serveResumable(
        req,
        res,
        keptKey(route.restoreSessionId, route.target, job),
        job,
        context,
        controller.signal,
      );
      return;
    }
    for (const mailbox of job.mailboxes) await probeMailbox(mailbox, context.deps, controller.signal);
    const handle = startExport(job, context, controller.signal);
    handle.summary.catch(() => undefined);
    handle.head.catch(() => undefined);
    let head: Awaited<RunningExport['head']>;
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
    if (head.warnings.length > 0)
      headers['X-Pstream-Warnings'] = encodeURIComponent(head.warnings.map(warningText).join('\n'));
    res.writeHead(200, headers);
    // Like pipeline: a response that closes early destroys the export stream, which aborts the export. Each chunk
    // goes back to the export once the socket has it.
    await pipeExport(handle, res);
    await handle.summary;
  } finally {
    res.off('close', onClose);
    if (!res.writableFinished) controller.abort(new Error('the download did not complete'));
  }
}

/** v7, v8: answers from the kept export of `key`, starting it when there is none. */
async function serveResumable(
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  job: ExportJob,
  context: ExportContext,
  signal: AbortSignal,
): Promise<void> {
  const range = req.headers.range;
  let entry = context.kept.get(key);
  if (entry === undefined) {
    if (range !== undefined) {
      throw new HttpError(
        416,
        'no export of this request is kept (it expired, or was never made); download it again from the start',
        { 'Content-Range': 'bytes */0' },
      );
    }
    for (const mailbox of job.mailboxes) await probeMailbox(mailbox, context.deps, signal);
    // The export runs on when this client goes away: its own signal only stops it at shutdown.
    if (context.kept.closed) throw new HttpError(409, 'the server is shutting down; it starts no new export');
    entry = await context.kept.start(key, (exportSignal) => startExport(job, context, exportSignal));
  }
  try {
    await entry.headReady;
  } catch (error) {
    throw requestErrorToHttp(error);
  }
  if (entry.state === 'running' && range !== undefined) {
    const finished = await entry.finished(context.kept.waitMs);
    if (finished === undefined)
      throw new HttpError(
        504,
        `the export of this request is still running after ${Math.round(context.kept.waitMs / 1000)} s; ask again later`,
      );
  }
  if (entry.state === 'failed') throw new Error(`the export failed: ${entry.failure?.message ?? 'unknown'}`);
  if (entry.state === 'done') await sendKept(entry, res, range);
  else await sendFollowing(entry, res);
}
