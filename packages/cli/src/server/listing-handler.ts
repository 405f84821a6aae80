/**
 * The listings of the REST API (GET, v5–v8), paged as `{offset, limit, results}`:
 * `…/organization/mailboxes` (`id`, `name`, `email`), `…/mailboxes/{mailboxId}/folders` (`id`, `name`, `type`,
 * `parentId`; filters `parentId`, `name`) and `…/mailboxes/{mailboxId}/items` (`id`, `parentId`, `itemClass`,
 * `subject`, `from`, `to`, `received`, `sent`, and the section of an appointment, contact, task, note or distribution
 * list). The ids are the
 * stable ids of `@pstream/sources`, which the export routes take.
 */
import type { ServerResponse } from 'node:http';
import type { MailAddress } from '@pstream/pst';
import { allFolders, type ItemEntry, listFolders, listItems } from '@pstream/sources';
import { HttpError, sendJson } from './errors.js';
import { findMailbox, listMailboxes } from './mailboxes.js';
import { validateListQuery } from './schemas.js';

const DEFAULT_LIMIT = 100;

function addressText(address: MailAddress | undefined): string | null {
  if (address === undefined) return null;
  if (address.name && address.address) return `${address.name} <${address.address}>`;
  return address.address ?? address.name ?? null;
}

/** The sections of the record model's item kinds, passed on as they are where a record has one. */
const KIND_SECTIONS = ['appointment', 'contact', 'task', 'note', 'distributionList'] as const;

function itemJson(item: ItemEntry): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: item.id,
    parentId: item.folderId,
    itemClass: item.itemClass,
    subject: item.subject,
    from: addressText(item.from),
    to: item.to
      .map(addressText)
      .filter((t): t is string => t !== null)
      .join('; '),
    received: item.received?.toISOString() ?? null,
    sent: item.sent?.toISOString() ?? null,
  };
  const record = item.record as Readonly<Record<string, unknown>> | undefined;
  for (const section of KIND_SECTIONS) if (record?.[section] !== undefined) json[section] = record[section];
  if (item.damaged !== undefined) json.damaged = item.damaged;
  return json;
}

/** What a listing needs besides the request. */
export interface ListingContext {
  readonly dataDir: string;
  readonly tmpDir?: string | undefined;
  readonly signal: AbortSignal;
}

/** Answers one listing route. */
export async function handleListing(
  res: ServerResponse,
  what: 'mailboxes' | 'folders' | 'items',
  mailboxId: string | undefined,
  query: Record<string, string>,
  context: ListingContext,
): Promise<void> {
  const q = validateListQuery(what, query);
  const offset = q.offset ?? 0;
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (what === 'mailboxes') {
    const all = await listMailboxes(context.dataDir);
    const results = all.slice(offset, offset + limit).map((m) => ({ id: m.id, name: m.id, email: null }));
    sendJson(res, { offset, limit, results });
    return;
  }
  const mailbox = await findMailbox(context.dataDir, mailboxId ?? '');
  const common = {
    offset,
    limit,
    signal: context.signal,
    ...(context.tmpDir !== undefined ? { tmpDir: context.tmpDir } : {}),
  };
  if (q.parentId !== undefined && !(await allFolders(mailbox.paths, common)).some((f) => f.id === q.parentId)) {
    throw new HttpError(
      404,
      `no such folder in mailbox ${JSON.stringify(mailbox.id)}: parentId ${JSON.stringify(q.parentId)}`,
    );
  }
  if (what === 'folders') {
    const page = await listFolders(mailbox.paths, {
      ...common,
      ...(q.parentId !== undefined ? { parentId: q.parentId } : {}),
      ...(q.name !== undefined ? { name: q.name } : {}),
    });
    const results = page.results.map((f) => ({ id: f.id, name: f.name, type: f.type, parentId: f.parentId ?? null }));
    sendJson(res, { offset, limit, results });
    return;
  }
  const page = await listItems(mailbox.paths, {
    ...common,
    ...(q.parentId !== undefined ? { parentId: q.parentId } : {}),
  });
  sendJson(res, { offset, limit, results: page.results.map(itemJson) });
}
