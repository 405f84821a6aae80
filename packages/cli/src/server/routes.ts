/**
 * The route table of the REST API, matched by find-my-way (a radix-tree router) without regard to letter case, as the
 * product's own examples mix cases. Parameters keep their case and are percent-decoded after the path is split, so an
 * encoded `%2F` or `..` stays inside its segment (and is then refused as an id); nothing is normalised.
 *
 * Exports (POST):
 * - v4: `/v4/RestoreSessions/{id}/Organization/Mailboxes/{mailboxId}/Action`, body `{"exportToPst": {…}}`.
 * - v5: the same with `action` under `…/Mailboxes/{mailboxId}/`, `…/Folders/{folderId}/`, `…/Items/` and
 *   `…/Items/{itemId}/`, body `{"exporttoPst": {…}}`.
 * - v6–v8: `/vN/RestoreSessions/{id}/organization/exportToPst` (every mailbox) and `exportToPst` under
 *   `mailboxes/{mailboxId}/`, `…/folders/{folderId}/`, `…/items/` and `…/items/{itemId}/`, flat bodies.
 * Listings (GET), v5–v8: `…/organization/mailboxes`, `…/mailboxes/{mailboxId}/folders`, `…/mailboxes/{mailboxId}/items`.
 * Restore actions of v6–v8 (`restore`, `restoreTo`, `operatorRestore` under a mailbox, its `items/` and
 * `folders/{folderId}/`): 501.
 */
import FindMyWay from 'find-my-way';
import type { ApiVersion } from '../deps.js';
import { HttpError } from './errors.js';

/** What an export covers. */
export type ExportTarget =
  | { readonly kind: 'organization' }
  | { readonly kind: 'mailbox'; readonly mailboxId: string }
  | { readonly kind: 'folder'; readonly mailboxId: string; readonly folderId: string }
  | { readonly kind: 'items'; readonly mailboxId: string }
  | { readonly kind: 'item'; readonly mailboxId: string; readonly itemId: string };

/** The operation a request names. */
export type Route =
  | {
      readonly kind: 'export';
      readonly apiVersion: ApiVersion;
      readonly restoreSessionId: string;
      readonly target: ExportTarget;
    }
  | {
      readonly kind: 'list';
      readonly apiVersion: ApiVersion;
      readonly restoreSessionId: string;
      readonly what: 'mailboxes';
    }
  | {
      readonly kind: 'list';
      readonly apiVersion: ApiVersion;
      readonly restoreSessionId: string;
      readonly what: 'folders' | 'items';
      readonly mailboxId: string;
    }
  | { readonly kind: 'restore'; readonly action: string };

type Params = { readonly [name: string]: string | undefined };
type Build = (params: Params, version: ApiVersion) => Route;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const param = (params: Params, name: string): string => params[name] ?? '';
const session = (params: Params): string => param(params, 'restoreSessionId');

function exportRoute(target: (params: Params) => ExportTarget): Build {
  return (params, apiVersion) => ({
    kind: 'export',
    apiVersion,
    restoreSessionId: session(params),
    target: target(params),
  });
}

const mailboxTarget = (p: Params): ExportTarget => ({ kind: 'mailbox', mailboxId: param(p, 'mailboxId') });
const folderTarget = (p: Params): ExportTarget => ({
  kind: 'folder',
  mailboxId: param(p, 'mailboxId'),
  folderId: param(p, 'folderId'),
});
const itemsTarget = (p: Params): ExportTarget => ({ kind: 'items', mailboxId: param(p, 'mailboxId') });
const itemTarget = (p: Params): ExportTarget => ({
  kind: 'item',
  mailboxId: param(p, 'mailboxId'),
  itemId: param(p, 'itemId'),
});

interface RouteEntry {
  readonly method: 'GET' | 'POST';
  readonly version: ApiVersion;
  readonly build: Build;
}

const ORG = '/:version/RestoreSessions/:restoreSessionId/organization';
const MAILBOX = `${ORG}/mailboxes/:mailboxId`;

function buildRouter(): FindMyWay.Instance<FindMyWay.HTTPVersion.V1> {
  const router = FindMyWay({
    caseSensitive: false,
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    maxParamLength: 1000,
  });
  const add = (method: 'GET' | 'POST', version: ApiVersion, path: string, build: Build): void => {
    const entry: RouteEntry = { method, version, build };
    router.on(method, path.replace(':version', version), () => undefined, entry);
  };
  add('POST', 'v4', `${MAILBOX}/action`, exportRoute(mailboxTarget));
  add('POST', 'v5', `${MAILBOX}/action`, exportRoute(mailboxTarget));
  add('POST', 'v5', `${MAILBOX}/folders/:folderId/action`, exportRoute(folderTarget));
  add('POST', 'v5', `${MAILBOX}/items/action`, exportRoute(itemsTarget));
  add('POST', 'v5', `${MAILBOX}/items/:itemId/action`, exportRoute(itemTarget));
  for (const version of ['v6', 'v7', 'v8'] as const) {
    add(
      'POST',
      version,
      `${ORG}/exportToPst`,
      exportRoute(() => ({ kind: 'organization' })),
    );
    add('POST', version, `${MAILBOX}/exportToPst`, exportRoute(mailboxTarget));
    add('POST', version, `${MAILBOX}/folders/:folderId/exportToPst`, exportRoute(folderTarget));
    add('POST', version, `${MAILBOX}/items/exportToPst`, exportRoute(itemsTarget));
    add('POST', version, `${MAILBOX}/items/:itemId/exportToPst`, exportRoute(itemTarget));
    for (const action of ['restore', 'restoreTo', 'operatorRestore']) {
      const restore: Build = () => ({ kind: 'restore', action });
      add('POST', version, `${MAILBOX}/${action}`, restore);
      add('POST', version, `${MAILBOX}/items/${action}`, restore);
      add('POST', version, `${MAILBOX}/folders/:folderId/${action}`, restore);
    }
  }
  for (const version of ['v5', 'v6', 'v7', 'v8'] as const) {
    add('GET', version, `${ORG}/mailboxes`, (p, apiVersion) => ({
      kind: 'list',
      apiVersion,
      restoreSessionId: session(p),
      what: 'mailboxes',
    }));
    for (const what of ['folders', 'items'] as const) {
      add('GET', version, `${MAILBOX}/${what}`, (p, apiVersion) => ({
        kind: 'list',
        apiVersion,
        restoreSessionId: session(p),
        what,
        mailboxId: param(p, 'mailboxId'),
      }));
    }
  }
  return router;
}

const ROUTER = buildRouter();
const METHODS = ['GET', 'POST'] as const;

/** Matches `method` and the raw request target; throws a 404 or 405 {@link HttpError}. */
export function matchRoute(method: string, target: string): Route {
  const path = target.split(/[?#]/, 1)[0] ?? '';
  const notFound = (): HttpError => new HttpError(404, `no such path: ${path}`);
  if (!path.startsWith('/')) throw notFound();
  let found: ReturnType<typeof ROUTER.find>;
  try {
    found = (METHODS as readonly string[]).includes(method) ? ROUTER.find(method as 'GET' | 'POST', path) : null;
  } catch {
    throw new HttpError(404, `no such path (bad percent-encoding in "${path}")`);
  }
  if (found === null) {
    const allowed = METHODS.filter((m) => m !== method && ROUTER.find(m, path) !== null);
    if (allowed.length > 0)
      throw new HttpError(405, `method ${method} is not allowed here; use ${allowed.join(' or ')}`, {
        Allow: allowed.join(', '),
      });
    throw notFound();
  }
  const entry = found.store as RouteEntry;
  const params = found.params;
  for (const value of Object.values(params)) if (value === '') throw notFound();
  const route = entry.build(params, entry.version);
  if (route.kind !== 'restore' && !UUID_PATTERN.test(route.restoreSessionId)) {
    throw new HttpError(404, `no such restore session: restoreSessionId "${route.restoreSessionId}" is not a UUID`);
  }
  return route;
}

/** The query parameters of a request target, decoded (the last of a repeated name wins). */
export function queryOf(target: string): Record<string, string> {
  const at = target.indexOf('?');
  const query: Record<string, string> = {};
  if (at < 0) return query;
  for (const [name, value] of new URLSearchParams(target.slice(at + 1).split('#', 1)[0])) query[name] = value;
  return query;
}
