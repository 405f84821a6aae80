/**
 * `@pstream/cli`: the `pstream` command and the embeddable reference HTTP server.
 */

// The server
export { createPstreamServer, releaseServer, KEPT_EXPORT_DEFAULTS } from './server/server.js';
export type { PstreamServer, PstreamServerOptions } from './server/server.js';
export type { ErrorCode } from './server/errors.js';
export { MAX_BODY_BYTES } from './server/body.js';

// The command line
export { main, processIO } from './main.js';
export type { CliIO, CliStream } from './io.js';

// The errors: one base class, a `code` in kebab-case, and the exit statuses
export { CliError, UsageError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
export type { CliErrorCode } from './errors.js';

// Injection points (tests and embedders replace the other packages' functions)
export { DEFAULT_DEPS, resolveDeps } from './deps.js';
export type { PstreamDeps, CheckSummary } from './deps.js';
