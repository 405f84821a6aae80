/**
 * `@pstream/cli`: the `pstream` command and the embeddable reference HTTP server.
 */

// The server
export { createPstreamServer } from './server/server.js';
export type { PstreamServer, PstreamServerOptions } from './server/server.js';
export { MAX_BODY_BYTES } from './server/body.js';

// The command line
export { main, processIO } from './main.js';
export type { CliIO, CliStream } from './io.js';
export { parseArgs, ParsedArgs } from './args.js';
export type { OptionSpec, OptionSpecs } from './args.js';
export { parseSize, formatBytes } from './size.js';
export { UsageError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './errors.js';

// Injection points
export { DEFAULT_DEPS, resolveDeps, exportName } from './deps.js';
export type { PstreamDeps, ParsedExportRequest, ApiVersion, CheckReportLike, CheckFindingLike } from './deps.js';
