/**
 * @pstream/export — the `exportToPst` pipeline: request parsing, keyword filter, PST splitter and ZIP packager.
 */

// The pipeline

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
export { exportToPst } from './pipeline/export-to-pst.js';
export { exportToPstFile } from './pipeline/file-target.js';
export { pipeExport, type RecyclingOutput } from './pipeline/pipe-export.js';
// Selecting folders and items by their stable ids (ExportOptions.selection)

export { SelectionError } from './pipeline/selection.js';
export type { ExportWarning, ExportWarningCode, PipelineWarning, RequestWarning } from './warnings.js';

// The errors: one base class, a `code` in kebab-case; bad options are a RangeError or TypeError

export type { ExportErrorCode, RequestErrorCode, ZipErrorCode } from './errors.js';
export { ExportError, ExportFileError, ExportOptionsError, QueryError, RequestError, ZipError } from './errors.js';

// The request body of the REST action, and the part size limit

export type { ClampedLimit, ExportRequest, ParseRequestOptions, RequestForm } from './request/index.js';
export {
  clampPstLimit,
  GIB,
  httpStatusFor,
  MAX_PST_LIMIT_BYTES,
  MIN_PST_LIMIT_BYTES,
  parseExportRequest,
} from './request/index.js';

// The keyword filter

export type {
  AllNode,
  AndNode,
  DateNode,
  HasAttachmentsNode,
  KeywordQuery,
  KeywordQueryOptions,
  NotNode,
  OrNode,
  QueryField,
  QueryNode,
  TermNode,
  TextField,
} from './filter/index.js';
export { compileQuery } from './filter/index.js';

// Splitting into parts, and packaging them

export type { FinishedPart, SplitterOptions } from './split/pst-splitter.js';
export { EMPTY_PST_BYTES, PstSplitter } from './split/pst-splitter.js';
export type { AddFileOptions, ZipPackagerOptions } from './zip/index.js';
export { validateEntryName, ZipPackager } from './zip/index.js';
