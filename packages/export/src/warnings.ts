/**
 * The warnings of an export (`ExportSummary.warnings`, `ExportRequest.warnings`): things the export did that the
 * caller should know, though nothing failed. Each is an object a caller can branch on: a `code` (kebab-case, the
 * convention of every pstream package), a `message` for people, and the details the message is made of.
 */
import type { SourceWarning } from '@pstream/sources';

/** A warning of the request parser (`parseExportRequest`) or of the limit clamp (`clampPstLimit`). */
export type RequestWarning =
  /** The size limit was outside [1 GiB, 49 GiB] and was moved to the nearest bound. */
  | {
      readonly code: 'limit-clamped';
      readonly message: string;
      readonly field: string;
      readonly requested: number;
      readonly applied: number;
    }
  /** A size limit was given while `EnablePstSizeLimit` is false: no limit applies. */
  | { readonly code: 'limit-ignored'; readonly message: string; readonly field: string; readonly requested: number }
  /** A size limit was given without `EnablePstSizeLimit`: it applies. */
  | { readonly code: 'limit-implied'; readonly message: string; readonly field: string; readonly requested: number }
  /** A property name was spelled with a look-alike character (the Cyrillic "с" of a documentation example). */
  | { readonly code: 'field-spelling'; readonly message: string; readonly field: string; readonly readAs: string };

/** A warning of the export pipeline itself. */
export type PipelineWarning =
  /** A message larger than the part limit was written alone into part `part`. */
  | {
      readonly code: 'oversized-message';
      readonly message: string;
      readonly origin: string;
      readonly part: number;
      readonly limitBytes: number;
    }
  /** An item that could not be read or stored was kept as a placeholder message (`onDamaged: 'keep'`). */
  | {
      readonly code: 'damaged-kept';
      readonly message: string;
      readonly origin: string;
      readonly reason: string;
      /** The folder path of the placeholder; empty for the top folder. */
      readonly folder: readonly string[];
      /** The placeholder's subject. */
      readonly subject: string;
    }
  /** An item that could not be read or stored was left out (`onDamaged: 'skip'`). */
  | { readonly code: 'damaged-skipped'; readonly message: string; readonly origin: string; readonly reason: string };

/**
 * Any warning an export reports: the request's, the sources' it opened (`file-not-read`, `item-kept-as-text`,
 * `item-changed`: see `SourceWarning`), and its own.
 */
export type ExportWarning = RequestWarning | SourceWarning | PipelineWarning;

/** The codes of {@link ExportWarning}. */
export type ExportWarningCode = ExportWarning['code'];
