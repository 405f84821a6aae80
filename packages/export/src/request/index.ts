export type { ExportRequest, ParseRequestOptions, RequestForm } from './export-request.js';
export { parseExportRequest } from './export-request.js';
export { httpStatusFor } from './http-status.js';
export type { ClampedLimit } from './size-limit.js';
export { clampPstLimit, GIB, MAX_PST_LIMIT_BYTES, MIN_PST_LIMIT_BYTES } from './size-limit.js';
