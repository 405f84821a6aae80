/**
 * What the CLI and the server need from the other packages, as one injectable object. The real
 * implementations are loaded on demand, so a missing one fails the command that needs it with a
 * clear message instead of breaking the whole binary.
 */
import type { ExportHandle, ExportOptions } from '@pstream/export';
import type { MessageSource, SourceOptions } from '@pstream/sources';
import { UnavailableError } from './errors.js';

/** What the REST request parser returns. */
export interface ParsedExportRequest {
  /** Keyword query; '' or absent selects everything. */
  readonly keywords?: string | undefined;
  /** Clamped part size limit in bytes; absent = no limit. */
  readonly limitBytes?: number | undefined;
  /** Things the parser adjusted, e.g. a clamped limit. */
  readonly warnings: readonly string[];
}

/** The REST API versions the server answers: v4's `…/Action` and v6's `…/exportToPst` endpoints. */
export type ApiVersion = 'v4' | 'v6';

/**
 * Which endpoint a body was posted to, as the request parser takes it: `action` (v1.5–v5 `…/Action`,
 * the body names its action), `exportToPst` (v6+, the options directly) or `auto` (either shape).
 */
export type RequestForm = 'auto' | 'action' | 'exportToPst';

/** The parser form of each API version. */
export const REQUEST_FORMS: Readonly<Record<ApiVersion, RequestForm>> = { v4: 'action', v6: 'exportToPst' };

/** One finding of the structural checker. */
export interface CheckFindingLike {
  readonly code: string;
  readonly message: string;
}

/** The structural checker's report, as far as the CLI reads it. */
export interface CheckReportLike {
  readonly ok: boolean;
  /** False when the file could not be parsed far enough to run every check. */
  readonly complete: boolean;
  readonly errors: readonly CheckFindingLike[];
  readonly warnings: readonly CheckFindingLike[];
}

/** The functions `pstream` calls into; tests replace some of them. */
export interface PstreamDeps {
  /** `exportToPst` from `@pstream/export`. */
  exportToPst(options: ExportOptions): ExportHandle;
  /** `openSource` from `@pstream/sources`. */
  openSource(path: string, options?: SourceOptions): Promise<MessageSource> | MessageSource;
  /**
   * `parseExportRequest` from `@pstream/export`; throws a request error (`code`, `field`, `value`), with
   * the code `not-supported` for restore, send and save actions.
   */
  parseExportRequest(body: string | Uint8Array, options?: { readonly form?: RequestForm }): ParsedExportRequest;
  /** `checkPst` from `@pstream/pst`. */
  checkPst(path: string, options?: { strict?: boolean }): Promise<CheckReportLike>;
}

/** Compile-time check: the real `openSource` fits the slot it is loaded into. */
export type OpenSourceFits = AssertAssignable<PstreamDeps['openSource'], typeof import('@pstream/sources').openSource>;
type AssertAssignable<Slot, Real extends Slot> = Real;

/** A request error thrown by the request parser (duck-typed: `code`, `field`, `value`). */
export interface RequestErrorLike extends Error {
  readonly code: string;
  readonly field: string;
  readonly value: unknown;
}

/** Whether a request error means "a known action this server does not implement". */
export function isNotSupported(error: RequestErrorLike): boolean {
  return error.code === 'not-supported' || error.code === 'not_supported';
}

/** A malformed keyword query (duck-typed: `query`, `position`, `reason`). */
export interface QueryErrorLike extends Error {
  readonly query: string;
  readonly position: number;
  readonly reason: string;
}

/** Whether `error` is a keyword query error. */
export function isQueryError(error: unknown): error is QueryErrorLike {
  if (!(error instanceof Error)) return false;
  const fields = error as Error & { query?: unknown; position?: unknown; reason?: unknown };
  return typeof fields.query === 'string' && typeof fields.position === 'number' && typeof fields.reason === 'string';
}

/** Source failures that mean "this path is not a mailbox we can read": a user mistake, not a crash. */
const SOURCE_USAGE_CODES = new Set(['ENOENT_SOURCE', 'UNSUPPORTED', 'ANSI_PST', 'BAD_FORMAT']);

/** Whether `error` is a source error saying that a path is missing or of no readable kind. */
export function isUnreadableSource(error: unknown): error is Error & { readonly code: string } {
  if (!(error instanceof Error) || error.name !== 'SourceError') return false;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && SOURCE_USAGE_CODES.has(code);
}

/** Whether `error` is a request parser error. */
export function isRequestError(error: unknown): error is RequestErrorLike {
  if (!(error instanceof Error)) return false;
  const fields = error as Error & { code?: unknown; field?: unknown };
  return typeof fields.code === 'string' && typeof fields.field === 'string' && 'value' in error;
}

type AnyFunction = (...args: never[]) => unknown;

function pick<F extends AnyFunction>(module: Record<string, unknown>, packageName: string, name: string): F {
  const value = module[name];
  if (typeof value === 'function') return value as F;
  const missing = (): never => {
    throw new UnavailableError(`${name} is not available: ${packageName} does not export it in this build`);
  };
  return missing as unknown as F;
}

let loaded: Promise<PstreamDeps> | undefined;

/** Loads the real implementations (once). Missing ones throw an {@link UnavailableError} when called. */
export function loadDefaultDeps(): Promise<PstreamDeps> {
  loaded ??= (async () => {
    const [exporter, sources, pst] = (await Promise.all([
      import('@pstream/export'),
      import('@pstream/sources'),
      import('@pstream/pst'),
    ])) as unknown as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    return {
      exportToPst: pick<PstreamDeps['exportToPst']>(exporter, '@pstream/export', 'exportToPst'),
      parseExportRequest: pick<PstreamDeps['parseExportRequest']>(exporter, '@pstream/export', 'parseExportRequest'),
      openSource: pick<PstreamDeps['openSource']>(sources, '@pstream/sources', 'openSource'),
      checkPst: pick<PstreamDeps['checkPst']>(pst, '@pstream/pst', 'checkPst'),
    };
  })();
  return loaded;
}

/** The real implementations with `overrides` on top. */
export async function resolveDeps(overrides?: Partial<PstreamDeps>): Promise<PstreamDeps> {
  return { ...(await loadDefaultDeps()), ...overrides };
}

/** Whether the real `exportToPst` is present (end-to-end tests skip while it is not). */
export async function hasRealExporter(): Promise<boolean> {
  const module = (await import('@pstream/export')) as unknown as Record<string, unknown>;
  return typeof module['exportToPst'] === 'function';
}
