/**
 * A one-line progress display for a terminal: messages scanned and matched, bytes written and the part
 * being written. Redrawn at most every 100 ms; nothing is drawn when the stream is not a terminal.
 */
import type { ExportProgress } from '@pstream/export';
import type { CliStream } from './io.js';
import { formatBytes } from './size.js';

const REDRAW_INTERVAL_MS = 100;
const SPINNER = ['|', '/', '-', '\\'];

/** The text of one progress line. */
export function formatProgress(progress: ExportProgress): string {
  const count = (n: number): string => n.toLocaleString('en-US');
  const skipped = progress.skipped > 0 ? `, ${count(progress.skipped)} skipped` : '';
  return `scanned ${count(progress.scanned)}, matched ${count(progress.matched)}${skipped} | ${formatBytes(progress.bytesOut)} written | part ${progress.part}`;
}

/** Draws {@link formatProgress} lines in place on a terminal. */
export class ProgressLine {
  private lastDraw = 0;
  private frame = 0;
  private drawn = false;
  private readonly enabled: boolean;

  constructor(private readonly stream: CliStream) {
    this.enabled = stream.isTTY === true;
  }

  /** Shows `progress`, unless the last redraw is too recent. */
  update(progress: ExportProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_INTERVAL_MS) return;
    this.lastDraw = now;
    const spinner = SPINNER[this.frame++ % SPINNER.length];
    let line = `${spinner} ${formatProgress(progress)}`;
    const width = this.stream.columns;
    if (width !== undefined && width > 1 && line.length >= width) line = line.slice(0, width - 1);
    this.stream.write(`\r\x1b[K${line}`);
    this.drawn = true;
  }

  /** Erases the line so that what follows starts on a clean line. */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
