/**
 * `@pstream/cli`: the `pstream` command and the embeddable reference HTTP server.
 */

// The server

export { MAX_BODY_BYTES } from './server/body.js';
export type { ErrorCode } from './server/errors.js';
export type { PstreamServer, PstreamServerOptions } from './server/server.js';
export { createPstreamServer, KEPT_EXPORT_DEFAULTS, releaseServer } from './server/server.js';

// The command line

export type { CliIO, CliStream } from './io.js';
export { main, processIO } from './main.js';

// The errors: one base class, a `code` in kebab-case, and the exit statuses

export type { CliErrorCode } from './errors.js';
export { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';

// Injection points (tests and embedders replace the other packages' functions)

export type { CheckSummary, PstreamDeps } from './deps.js';
export { DEFAULT_DEPS, resolveDeps } from './deps.js';
