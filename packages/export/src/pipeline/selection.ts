/**
 * The part of a mailbox an export is asked for (`ExportOptions.selection`): folders with their subfolders, and single
 * items, by the stable ids of `@pstream/sources` (`folderId`, `ItemIds`), which the listing API shows.
 *
 * A source is wrapped so that the pipeline only sees what is selected: its folders under a selected folder, and the
 * messages of those folders or with a selected id. Every item of the source still passes through here, in source
 * order, so that each gets the id the listing gives it (an id counts the items with the same origin before it).
 */

import type { FolderSpec } from '@pstream/pst';
import {
  type DamagedItem,
  folderAndAncestorIds,
  ItemIds,
  type MessageSource,
  type SourceMessage,
  STABLE_ID_PATTERN,
} from '@pstream/sources';
import type { ExportSelection } from '../api.js';

/** A selection that refers to ids of the wrong form (a bad option, hence a RangeError): `field` names the list. */
export class SelectionError extends RangeError {
  override readonly name = 'SelectionError';
  constructor(
    readonly field: 'selection.folderIds' | 'selection.itemIds',
    readonly value: unknown,
  ) {
    super(`${field}: ${JSON.stringify(value)} is not an id (32 lowercase hex digits)`);
  }
}

function idSet(
  field: 'selection.folderIds' | 'selection.itemIds',
  ids: readonly string[] | undefined,
): Set<string> | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids)) throw new SelectionError(field, ids);
  for (const id of ids) if (typeof id !== 'string' || !STABLE_ID_PATTERN.test(id)) throw new SelectionError(field, id);
  return new Set(ids);
}

/** The selection of one export run; it wraps each of the run's sources in turn. */
export class Selection {
  readonly #folders: Set<string> | undefined;
  readonly #items: Set<string> | undefined;
  /** The ids of the source being read: damaged items reported while it is read take theirs from it. */
  #ids: ItemIds | undefined;

  /** Throws a {@link SelectionError} for an id of the wrong form. */
  constructor(selection: ExportSelection | undefined) {
    this.#folders = idSet('selection.folderIds', selection?.folderIds);
    this.#items = idSet('selection.itemIds', selection?.itemIds);
  }

  /** Whether everything is selected. */
  get all(): boolean {
    return this.#folders === undefined && this.#items === undefined;
  }

  #inFolders(path: readonly string[]): boolean {
    return this.#folders !== undefined && folderAndAncestorIds(path).some((id) => this.#folders!.has(id));
  }

  #includes(folder: readonly string[], origin: string): boolean {
    const id = this.#ids!.next(origin, folder);
    return this.all || this.#inFolders(folder) || (this.#items?.has(id) ?? false);
  }

  /** `source` as the pipeline should read it; the ids of its items count from here. */
  wrap(source: MessageSource): MessageSource {
    this.#ids = new ItemIds(source);
    if (this.all) return source;
    const folders = async function* (this: Selection): AsyncIterable<FolderSpec> {
      for await (const spec of source.folders()) if (this.#inFolders(spec.path)) yield spec;
    }.bind(this);
    const messages = async function* (this: Selection): AsyncIterable<SourceMessage> {
      for await (const message of source.messages()) {
        if (this.#includes(message.folder, message.origin)) yield message;
        else await message.dispose?.();
      }
    }.bind(this);
    const wrapped: MessageSource = {
      kind: source.kind,
      path: source.path,
      name: source.name,
      folders,
      messages,
      close: () => source.close(),
    };
    const readProgress = source.readProgress?.bind(source);
    return readProgress ? { ...wrapped, readProgress } : wrapped;
  }

  /** Whether a damaged item the source being read reports is selected (call it for each, in the order reported). */
  includesDamaged(item: DamagedItem): boolean {
    if (this.#ids === undefined) return true;
    return this.#includes(item.folder, item.origin);
  }
}
