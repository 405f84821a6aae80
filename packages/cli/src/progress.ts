/**
 * A one-line progress display for a terminal: messages scanned and matched, bytes written (the part being written
 * included), the part, and — when the sources' size is known — the share read and the time left. Redrawn at most
 * every 100 ms; nothing is drawn when the stream is not a terminal.
 */
import type { ExportProgress } from '@pstream/export';
import type { CliStream } from './io.js';
import { formatBytes } from './size.js';

const REDRAW_INTERVAL_MS = 100;
const SPINNER = ['|', '/', '-', '\\'];

/** The text of one progress line; `elapsedMs` (the time since the export started) gives the time left. */
export function formatProgress(progress: ExportProgress, elapsedMs?: number): string {
  const count = (n: number): string => n.toLocaleString('en-US');
  const damaged = progress.damaged > 0 ? `, ${count(progress.damaged)} damaged` : '';
  const skipped = progress.skipped > 0 ? `, ${count(progress.skipped)} skipped` : '';
  const line = `scanned ${count(progress.scanned)}, matched ${count(progress.matched)}${damaged}${skipped} | ${formatBytes(progress.bytesWritten)} written | part ${progress.part}`;
  const { sourceBytes: total, sourceBytesRead: read } = progress;
  if (total === undefined || read === undefined) return line;
  const share = total > 0 ? Math.min(1, read / total) : 1;
  // Rounded down: 100 % only once everything is read. Below 1 % the rate says too little for an estimate.
  let tail = `${Math.floor(share * 100)} %`;
  if (elapsedMs !== undefined && share >= 0.01 && share < 1)
    tail += ` | ${formatDuration((elapsedMs * (1 - share)) / share)} left`;
  return `${line} | ${tail}`;
}

/** `45s`, `3m 05s`, `2h 07m`: a time left, rounded up to the second. */
export function formatDuration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Draws {@link formatProgress} lines in place on a terminal. */
export class ProgressLine {
  private lastDraw = 0;
  private frame = 0;
  private drawn = false;
  private readonly enabled: boolean;
  private readonly started = Date.now();

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
    let line = `${spinner} ${formatProgress(progress, now - this.started)}`;
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
