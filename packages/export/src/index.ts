/**
 * @pstream/export — the `exportToPst` pipeline: request parsing, keyword filter, PST splitter and ZIP packager.
 */

// The pipeline
export { exportToPst } from './pipeline/export-to-pst.js';
export { exportToPstFile } from './pipeline/file-target.js';
export type {
  ExportHandle,
  ExportOptions,
  ExportProgress,
  ExportSelection,
  ExportSummary,
  FileExportSummary,
  OutputFormat,
  PartSummary,
} from './api.js';
// Selecting folders and items by their stable ids (ExportOptions.selection)
export { SelectionError } from './pipeline/selection.js';
export type { ExportWarning, ExportWarningCode, PipelineWarning, RequestWarning } from './warnings.js';

// The errors: one base class, a `code` in kebab-case; bad options are a RangeError or TypeError
export { ExportError, RequestError, QueryError, ZipError, ExportFileError, ExportOptionsError } from './errors.js';
export type { ExportErrorCode, RequestErrorCode, ZipErrorCode } from './errors.js';

// The request body of the REST action, and the part size limit
export {
  parseExportRequest,
  httpStatusFor,
  GIB,
  MIN_PST_LIMIT_BYTES,
  MAX_PST_LIMIT_BYTES,
  clampPstLimit,
} from './request/index.js';
export type { ExportRequest, ParseRequestOptions, RequestForm, ClampedLimit } from './request/index.js';

// The keyword filter
export { compileQuery } from './filter/index.js';
export type {
  KeywordQuery,
  KeywordQueryOptions,
  QueryNode,
  QueryField,
  TextField,
  TermNode,
  DateNode,
  HasAttachmentsNode,
  AndNode,
  OrNode,
  NotNode,
  AllNode,
} from './filter/index.js';

// Splitting into parts, and packaging them
export { PstSplitter, EMPTY_PST_BYTES } from './split/pst-splitter.js';
export type { FinishedPart, SplitterOptions } from './split/pst-splitter.js';
export { ZipPackager, validateEntryName } from './zip/index.js';
export type { ZipPackagerOptions, AddFileOptions } from './zip/index.js';
