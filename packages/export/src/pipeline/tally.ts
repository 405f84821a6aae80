/**
 * What an export has counted so far: the figures of its summary and progress reports, and its warnings. Each stage
 * adds what it sees (the filter the items scanned and matched, the splitter the damaged ones, the packager the bytes
 * out); one tally per export run.
 */
import type { ExportWarning } from '../warnings.js';

export interface Tally {
  /** Every item read: messages, and damaged items whether kept or not. */
  scanned: number;
  /** Messages that matched the keyword filter and were written. */
  matched: number;
  /** Items that could not be read or stored. */
  damaged: number;
  /** Damaged items not written (`onDamaged: 'skip'`). */
  skipped: number;
  /** Bytes of the output handed on so far. */
  bytesOut: number;
  /** In order: the caller's (`ExportOptions.warnings`), then the export's own. */
  readonly warnings: ExportWarning[];
}

export function newTally(warnings: readonly ExportWarning[] = []): Tally {
  return { scanned: 0, matched: 0, damaged: 0, skipped: 0, bytesOut: 0, warnings: [...warnings] };
}
