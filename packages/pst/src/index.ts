/**
 * @pstream/pst — writes Microsoft Outlook PST files (Unicode, [MS-PST]) and checks their structure.
 */

// The writer
export { PstWriter } from './pst-writer.js';
export type { PstWriterOptions, PstFileSummary } from './pst-writer.js';
export { PstInputError, MAX_ATTACHMENT_BYTES } from './messaging/validate.js';
export { AttachmentSizeError } from './messaging/message.js';

// The input model
export type * from './messaging/record.js';

// The structural checker
export * from './check/index.js';
