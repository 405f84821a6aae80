/**
 * Stable ids of folders and items: the same id on every run over the same data, without storing anything.
 *
 * - A folder's id is a hash of its path from the top of the mailbox (`['Inbox', 'Support']`), each name taken by its
 *   `siblingKey` (NFC, upper case): the writer makes one folder of `Inbox` and `inbox`, or of a name in NFC and in
 *   NFD, in one source or across the sources of a mailbox, so they are one id.
 * - An item's id is a hash of where it comes from inside its source: the source's file or directory name and the
 *   item's origin with the source's own location removed (`a.eml`'s path below the tree, an mbox's message number,
 *   a PST's folder path and item index). Moving the data directory does not change it; renaming the source does.
 *   Two sources of one mailbox with the same file name (from two directories) could give two items one id: the
 *   sources of a mailbox are expected to be entries of one directory, as the server's are.
 *   An origin met twice in one folder of a source (no source reads so today) is told apart by how often it was met
 *   before in that folder, so ids stay unique, and stable as long as the source yields its items in the same order,
 *   which every source does. The count starts again with each folder (a source yields its items grouped by folder),
 *   so that what is remembered stays bounded by the largest folder, not the whole source.
 *
 * Ids are 32 lowercase hex digits (the first 128 bits of a SHA-256), so that they can stand in a URL path segment.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { siblingKey } from '@pstream/pst';

/** The characters an id is made of: what a caller may check a requested id against. */
export const STABLE_ID_PATTERN = /^[0-9a-f]{32}$/;

function hashId(kind: 'folder' | 'item', parts: readonly string[]): string {
  const hash = createHash('sha256').update(kind);
  // NUL cannot occur in a folder name or a path, so the joined parts cannot be read two ways.
  for (const part of parts) hash.update('\u0000').update(part, 'utf8');
  return hash.digest('hex').slice(0, 32);
}

/** The id of the folder at `path` (one name per level from the top of the mailbox). */
export function folderId(path: readonly string[]): string {
  return hashId('folder', path.map(siblingKey));
}

/** The ids of `path` and of each folder above it, nearest first, to the top of the mailbox (`folderId([])`). */
export function folderAndAncestorIds(path: readonly string[]): string[] {
  const ids: string[] = [];
  for (let depth = path.length; depth >= 0; depth--) ids.push(folderId(path.slice(0, depth)));
  return ids;
}

/**
 * Gives the items of one source their ids, in the order the source yields them (messages and reported damaged
 * items alike). Make one per pass over the source: it counts the origins it has seen.
 */
export class ItemIds {
  readonly #sourceName: string;
  readonly #sourcePath: string;
  readonly #seen = new Map<string, number>();
  #folder: string | undefined;

  /** `source`: the `path` of the `MessageSource` the items come from. */
  constructor(source: { readonly path: string }) {
    this.#sourcePath = source.path;
    this.#sourceName = basename(source.path);
  }

  /**
   * The id of the next item, whose `origin` is as in `SourceMessage.origin` or `DamagedItem.origin`, found in
   * `folder`.
   */
  next(origin: string, folder: readonly string[]): string {
    const folderKey = folder.join('\u0000');
    if (folderKey !== this.#folder) {
      this.#folder = folderKey;
      this.#seen.clear();
    }
    const local = origin.split(this.#sourcePath).join('');
    const seen = this.#seen.get(local) ?? 0;
    this.#seen.set(local, seen + 1);
    return hashId('item', seen === 0 ? [this.#sourceName, local] : [this.#sourceName, local, String(seen)]);
  }
}
