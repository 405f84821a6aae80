/**
 * `exportToPst`: the pipeline behind the `exportToPst` action — keyword filter → PST splitter → output, as one
 * octet-stream: the PST itself, or for several parts one ZIP of `<name>-001.pst`, `<name>-002.pst`, … (see
 * `export-run.ts` for the stages). Every temporary file is deleted once streamed, on error and on abort (the
 * signal, or the consumer destroying the stream).
 */
import type { ExportHandle, ExportOptions } from '../api.js';
import { checkOptions } from './export-options.js';
import { runExport } from './export-run.js';
import { OutputStream } from './output-stream.js';

export function exportToPst(options: ExportOptions): ExportHandle {
  const checked = checkOptions(options);
  const output = new OutputStream();
  const { head, summary } = runExport(options, checked, output);
  return { head, stream: output.stream, summary, recycle: (chunk) => output.recycle(chunk) };
}
