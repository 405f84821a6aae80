/**
 * @pstream/sources — reads mailboxes (.eml trees, mbox, PST, .msg) as `MessageRecord`s for the PST writer.
 */

// Opening a source by its path, and the sources
export { openSource, type OpenSourceOptions } from './open-source.js';
export { EmlTreeSource, DEFAULT_ROOT_FOLDER, type EmlTreeOptions } from './eml-tree.js';
export { MboxSource, type MboxFormat, type MboxOptions } from './mbox.js';
export { PstSource, type PstOptions } from './pst.js';
export { MsgSource, type MsgOptions } from './msg.js';
export type {
  DamagedItem,
  ItemBytes,
  MessageSource,
  SourceKind,
  SourceMessage,
  SourceOptions,
  SourceReadProgress,
  SourceWarning,
} from './source.js';

// The errors: one base class, a `code` in kebab-case
export { SourceError, MimeDamageError, type SourceErrorCode } from './errors.js';
export { SpoolError } from './spool.js';

// Folder and item listings
export { folderId, folderAndAncestorIds, ItemIds, STABLE_ID_PATTERN } from './item-ids.js';
export {
  allFolders,
  listFolders,
  listItems,
  findItems,
  folderTypeOf,
  type FolderEntry,
  type FolderType,
  type ItemEntry,
  type ItemFields,
  type Page,
  type ListOptions,
  type ListFoldersOptions,
  type ListItemsOptions,
} from './listing.js';
