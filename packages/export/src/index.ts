/**
 * @pstream/export — the `exportToPst` pipeline: request parsing, keyword filter, PST splitter and ZIP packager.
 */

// The pipeline
export { exportToPst, exportToPstFile, ExportFileError, ExportOptionsError, withExtension } from './pipeline/export-to-pst.js';
export type * from './api.js';
export { createExportDirectory, removeAbandoned, isProcessAlive } from './pipeline/temp-dir.js';
export { SelectionError } from './pipeline/selection.js';

// The request body of the REST action
export * from './request/index.js';

// The keyword filter
export * from './filter/index.js';

// Splitting into parts, and packaging them
export { PstSplitter, EMPTY_PST_BYTES } from './split/pst-splitter.js';
export type { FinishedPart, SplitterOptions } from './split/pst-splitter.js';
export * from './zip/index.js';

export { RequestError, QueryError, ZipError } from './errors.js';
export type { RequestErrorCode } from './errors.js';
