export type * from './source.js';
export { SourceError, type SourceErrorCode } from './errors.js';
export { openSource, type OpenSourceOptions } from './open-source.js';
export { EmlTreeSource, DEFAULT_ROOT_FOLDER, type EmlTreeOptions } from './eml-tree.js';
export { MboxSource, unescapeMboxrd, type MboxFormat, type MboxOptions } from './mbox.js';
export { splitMbox, type MboxRange, type MboxPreamble, type MboxSplitResult } from './mbox-split.js';
export { PstSource, checkPstHeader, type PstHeaderInfo, type PstOptions } from './pst.js';
export { MsgSource, type MsgOptions } from './msg.js';
export {
  parseMime,
  parseMimeFile,
  parseEnvelopeLine,
  MimeDamageError,
  MAX_EMBEDDING_DEPTH,
  type MimeParseOptions,
  type MboxEnvelope,
  type ParsedMime,
} from './mime-message.js';
export { SpoolDirectory, SpoolGroup, SpoolError, IN_MEMORY_LIMIT, type SpooledBytes } from './spool.js';
export { folderId, folderAndAncestorIds, ItemIds, STABLE_ID_PATTERN } from './item-ids.js';
export {
  allFolders,
  listFolders,
  listItems,
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
