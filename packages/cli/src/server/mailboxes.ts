/**
 * The mailboxes of the data directory: each entry is one, an `.eml` folder tree, an `.mbox`, a `.pst`
 * (or a `.msg`), named by its file name without extension. A requested id is only ever compared with
 * the names of a listing of that directory, so it cannot reach outside it.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { HttpError } from './errors.js';

const MAILBOX_FILE_EXTENSIONS = new Set(['.mbox', '.pst', '.msg']);

/** One mailbox: its id and the paths of the entries that make it (several when names collide). */
export interface Mailbox {
  readonly id: string;
  readonly paths: readonly string[];
}

/** Whether `id` could name an entry directly inside a directory. */
export function isPlausibleMailboxId(id: string): boolean {
  return id !== '' && id !== '.' && id !== '..' && !/[/\\\0]/.test(id) && !id.startsWith('.');
}

/** The mailbox id of a directory entry, or undefined when the entry is not a mailbox. */
function mailboxIdOf(name: string, isDirectory: boolean): string | undefined {
  if (name.startsWith('.')) return undefined;
  const extension = extname(name);
  if (isDirectory) return extension.toLowerCase() === '.eml' ? name.slice(0, -extension.length) : name;
  return MAILBOX_FILE_EXTENSIONS.has(extension.toLowerCase()) ? name.slice(0, -extension.length) : undefined;
}

/** Lists every mailbox of `dataDir`. */
export async function listMailboxes(dataDir: string): Promise<Mailbox[]> {
  const byId = new Map<string, string[]>();
  for (const entry of await readdir(dataDir, { withFileTypes: true })) {
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(join(dataDir, entry.name)).catch(() => undefined);
      isDirectory = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (!isDirectory && !isFile) continue;
    const id = mailboxIdOf(entry.name, isDirectory);
    if (id === undefined || id === '') continue;
    const paths = byId.get(id) ?? [];
    paths.push(join(dataDir, entry.name));
    byId.set(id, paths);
  }
  return [...byId].map(([id, paths]) => ({ id, paths: paths.sort() }));
}

/** The mailbox named `id`; a 404 {@link HttpError} when there is none. */
export async function findMailbox(dataDir: string, id: string): Promise<Mailbox> {
  const unknown = new HttpError(404, `no such mailbox: mailboxId ${JSON.stringify(id)}`);
  if (!isPlausibleMailboxId(id)) throw unknown;
  const mailbox = (await listMailboxes(dataDir)).find((m) => m.id === id);
  if (mailbox === undefined) throw unknown;
  return mailbox;
}
