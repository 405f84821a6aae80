/**
 * @pstream/sources — reads mailboxes (.eml trees, mbox, PST, .msg) as `MessageRecord`s for the PST writer.
 */

// Opening a source by its path, and the sources

export { DEFAULT_ROOT_FOLDER, type EmlTreeOptions, EmlTreeSource } from './eml-tree.js';
export { type MboxFormat, type MboxOptions, MboxSource } from './mbox.js';
export { loadMimeParser } from './mime-message.js';
export { type MsgOptions, MsgSource } from './msg.js';
export { type OpenSourceOptions, openSource } from './open-source.js';
export { defaultParseThreads, MimeParsePool } from './parse-pool.js';
export { type PstOptions, PstSource } from './pst.js';
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

export { MimeDamageError, SourceError, type SourceErrorCode } from './errors.js';
export { SpoolError } from './spool.js';

// Folder and item listings

export { folderAndAncestorIds, folderId, ItemIds, STABLE_ID_PATTERN } from './item-ids.js';
export {
  allFolders,
  type FolderEntry,
  type FolderType,
  findItems,
  folderTypeOf,
  type ItemEntry,
  type ItemFields,
  type ListFoldersOptions,
  type ListItemsOptions,
  type ListOptions,
  listFolders,
  listItems,
  type Page,
} from './listing.js';
