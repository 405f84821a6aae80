/**
 * The export's progress reports (`ExportOptions.onProgress`): at most one every {@link PROGRESS_INTERVAL_MS}, from
 * the stages as they go and from a timer (a single large message can take long to write), and a last one once
 * everything is out.
 */
import type { ExportProgress } from '../api.js';
import type { PstSplitter } from '../split/pst-splitter.js';
import type { SourceReads } from './source-reads.js';
import type { Tally } from './tally.js';

const PROGRESS_INTERVAL_MS = 200;

export class ProgressReports {
  private last = 0;
  /** The largest `bytesWritten` reported: the figure never goes back, whatever the splitter's counts do meanwhile. */
  private bytesWritten = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly report: ((progress: ExportProgress) => void) | undefined,
    private readonly tally: Tally,
    private readonly reads: SourceReads,
    private readonly splitter: () => PstSplitter | undefined,
  ) {}

  /** Starts the timer. */
  start(): void {
    if (this.report) this.ticker = setInterval(() => this.send(false), PROGRESS_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Reports unless one went out less than an interval ago (`final`: reports anyway). */
  send(final: boolean): void {
    const report = this.report;
    if (!report) return;
    const now = Date.now();
    if (!final && now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    const splitter = this.splitter();
    const partBytes = splitter?.currentPartBytes ?? 0;
    const finishedBytes = splitter?.finished.reduce((n, p) => n + p.bytes, 0) ?? 0;
    this.bytesWritten = Math.max(this.bytesWritten, finishedBytes + partBytes);
    const tally = this.tally;
    const progress: ExportProgress = {
      scanned: tally.scanned,
      matched: tally.matched,
      damaged: tally.damaged,
      skipped: tally.skipped,
      bytesOut: tally.bytesOut,
      bytesWritten: this.bytesWritten,
      partBytes,
      part: Math.max(1, splitter?.currentPart || splitter?.finished.length || 1),
      ...this.reads.progress(),
    };
    report(progress);
  }
}
