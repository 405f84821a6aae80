/**
 * Maps request paths to operations. Paths are split on `/` before percent-decoding, so an encoded
 * `%2F` or `..` stays inside its segment (and is then rejected as a mailbox id); nothing is normalised.
 *
 * - v4: `POST /v4/RestoreSessions/{uuid}/Organization/Mailboxes/{mailboxId}/Action` (body picks the action)
 * - v6: `POST /v6/RestoreSessions/{uuid}/organization/mailboxes/{mailboxId}/exportToPst`
 * - v6 restore actions under a mailbox (`restore`, `restoreTo`, `operatorRestore`, also under `items/`
 *   and `folders/{id}/`): 501.
 * Literal segments match without regard to case, as the API's own examples mix cases.
 */
import type { ApiVersion } from '../deps.js';
import { HttpError } from './errors.js';

/** The operation a path names. */
export type Route =
  | { readonly kind: 'export'; readonly apiVersion: ApiVersion; readonly restoreSessionId: string; readonly mailboxId: string }
  | { readonly kind: 'restore'; readonly action: string };

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESTORE_ACTIONS = new Set(['restore', 'restoreto', 'operatorrestore']);

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(404, `no such path (bad percent-encoding in "${segment}")`);
  }
}

/** Matches `method` and the raw request target; throws a 404 or 405 {@link HttpError}. */
export function matchRoute(method: string, target: string): Route {
  const path = target.split(/[?#]/, 1)[0] ?? '';
  if (!path.startsWith('/')) throw new HttpError(404, 'no such path');
  const segments = path.slice(1).split('/').map(decodeSegment);
  const literal = (index: number, name: string): boolean => segments[index]?.toLowerCase() === name;
  const notFound = (): HttpError => new HttpError(404, `no such path: ${path}`);
  const version = segments[0];
  if ((version !== 'v4' && version !== 'v6') || !literal(1, 'restoresessions') || !literal(3, 'organization') || !literal(4, 'mailboxes')) {
    throw notFound();
  }
  const restoreSessionId = segments[2] ?? '';
  const mailboxId = segments[5] ?? '';
  const rest = segments.slice(6).map((s) => s.toLowerCase());
  let route: Route | undefined;
  if (version === 'v4' && rest.length === 1 && rest[0] === 'action') {
    route = { kind: 'export', apiVersion: 'v4', restoreSessionId, mailboxId };
  } else if (version === 'v6' && rest.length === 1 && rest[0] === 'exporttopst') {
    route = { kind: 'export', apiVersion: 'v6', restoreSessionId, mailboxId };
  } else if (version === 'v6') {
    const action = rest[rest.length - 1] ?? '';
    const under = rest.slice(0, -1);
    const knownPlace = under.length === 0 || (under.length === 1 && under[0] === 'items') || (under.length === 2 && under[0] === 'folders');
    if (knownPlace && RESTORE_ACTIONS.has(action)) route = { kind: 'restore', action: segments[segments.length - 1]! };
  }
  if (route === undefined) throw notFound();
  if (method !== 'POST') throw new HttpError(405, `method ${method} is not allowed here; use POST`, { Allow: 'POST' });
  if (!UUID_PATTERN.test(restoreSessionId)) throw new HttpError(404, `no such restore session: restoreSessionId "${restoreSessionId}" is not a UUID`);
  if (mailboxId === '') throw notFound();
  return route;
}
