export { parseExportRequest } from './export-request.js';
export { httpStatusFor } from './http-status.js';
export type { ExportRequest, ParseRequestOptions, RequestForm } from './export-request.js';
export { GIB, MIN_PST_LIMIT_BYTES, MAX_PST_LIMIT_BYTES, clampPstLimit } from './size-limit.js';
export type { ClampedLimit } from './size-limit.js';
