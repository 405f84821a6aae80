/**
 * Turns the children's results into one report a workload: speeds, ratios to the reference, part fills, RSS;
 * and formats the reports as a table with the issue's targets (reported, never asserted).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import type { ChildResult } from './child.js';
import type { BenchMode, Measurement } from './measure.js';

export interface Environment {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
  /** 1-minute load average when the run started: how busy the shared machine was. */
  readonly loadAverage: number;
}

export function environment(): Environment {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGB: Math.round(totalmem() / 1e8) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** One measurement with its derived figures. MB = 10^6 bytes. */
export interface ModeFigures {
  readonly seconds: number;
  readonly bytes: number;
  readonly messages: number;
  readonly MBps: number;
  readonly messagesPerSecond: number;
  /** CPU seconds of the timed section (see `Measurement.cpuSeconds`), and messages a CPU second. */
  readonly cpuSeconds: number;
  readonly messagesPerCpuSecond: number;
  /** The plain-`fs` reference writing the same bytes, right after, in the same process. */
  readonly referenceMBps: number;
  /** MBps / referenceMBps. */
  readonly ratio: number;
  readonly parts: readonly { readonly bytes: number; readonly messages: number }[];
  /** bytes / limit of every part but the last (empty without a limit or with one part). */
  readonly partFill: readonly number[];
  readonly peakRssMB: number;
  readonly setupRssMB: number;
  readonly setupSeconds: number;
  /** Export and stream: `pst` or `zip`. */
  readonly format?: string;
  /** Stream only: seconds from the call to the first byte of the output stream. */
  readonly firstByteSeconds?: number;
  /** Export and stream: messages the filter saw and selected. */
  readonly scanned?: number;
  readonly matched?: number;
  /** Real-mail workloads: the bare single-threaded parse of the same files in the same child (`parse-reference.ts`). */
  readonly parseSeconds?: number;
  readonly parseCpuSeconds?: number;
  /** The export's speed over the bare parse's (parseSeconds / seconds): above 1, faster than the parse alone. */
  readonly parseRatio?: number;
}

export interface WorkloadReport {
  readonly workload: string;
  readonly description: string;
  readonly quick: boolean;
  /** Runs of each measurement (the median one is reported). */
  readonly runs: number;
  readonly messages: number;
  readonly payloadMB: number;
  readonly distinctRecords: number;
  readonly partLimitBytes: number | null;
  /**
   * (a) The reference's speed: the writer child's, else the export child's, else the stream child's (each child's
   * own is in its figures' `referenceMBps`).
   */
  readonly referenceMBps: number | null;
  /** (b) The PST writer alone; null when the mode did not run (the same for the others). */
  readonly writer: ModeFigures | null;
  /** (c) The whole export by `exportToPstFile` (the CLI's path). */
  readonly export: ModeFigures | null;
  /** (c′) The whole export's stream piped into a file (the HTTP server's path). */
  readonly stream: ModeFigures | null;
  /** b/a, c/a and c′/a, each to the reference of its own child. */
  readonly writerRatio: number | null;
  readonly exportRatio: number | null;
  readonly streamRatio: number | null;
  readonly writerMBps: number | null;
  readonly exportMBps: number | null;
  readonly streamMBps: number | null;
  readonly writerMessagesPerSecond: number | null;
  readonly exportMessagesPerSecond: number | null;
  readonly streamMessagesPerSecond: number | null;
  /** The largest peak RSS of the children that ran, MB. */
  readonly peakRssMB: number | null;
  /** The export's part fills (see `ModeFigures.partFill`; the stream's, else the writer's, when it did not run). */
  readonly partFill: readonly number[];
  /** The stream's first byte (null when the stream did not run). */
  readonly firstByteSeconds: number | null;
  /** Facts about the input (e.g. corpus messages left out). */
  readonly notes: readonly string[];
  /** On a workload with 10 times the messages of an earlier one: its seconds over 10 × those of that one, a mode. */
  scaling?: {
    readonly versus: string;
    readonly writer: number | null;
    readonly export: number | null;
    readonly stream: number | null;
  };
  readonly environment: Environment;
}

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits + 1));

export function figures(result: ChildResult, limit: number | undefined): ModeFigures {
  const m: Measurement = result.measurement;
  const MBps = m.bytes / 1e6 / m.seconds;
  const referenceMBps = m.bytes / 1e6 / m.referenceSeconds;
  const fills = limit === undefined ? [] : m.parts.slice(0, -1).map((p) => round(p.bytes / limit, 4));
  return {
    seconds: round(m.seconds, 4),
    bytes: m.bytes,
    messages: m.messages,
    MBps: round(MBps),
    messagesPerSecond: Math.round(m.messages / m.seconds),
    cpuSeconds: round(m.cpuSeconds, 4),
    messagesPerCpuSecond: Math.round(m.messages / m.cpuSeconds),
    referenceMBps: round(referenceMBps),
    ratio: round(MBps / referenceMBps),
    parts: m.parts,
    partFill: fills,
    peakRssMB: result.peakRssMB,
    setupRssMB: result.setupRssMB,
    setupSeconds: round(result.setupSeconds),
    ...(m.format !== undefined ? { format: m.format } : {}),
    ...(m.firstByteSeconds !== undefined ? { firstByteSeconds: round(m.firstByteSeconds, 4) } : {}),
    ...(m.scanned !== undefined ? { scanned: m.scanned } : {}),
    ...(m.matched !== undefined ? { matched: m.matched } : {}),
    ...(result.parse
      ? {
          parseSeconds: round(result.parse.seconds, 4),
          parseCpuSeconds: round(result.parse.cpuSeconds, 4),
          parseRatio: round(result.parse.seconds / m.seconds),
        }
      : {}),
  };
}

export function buildReport(
  workload: { name: string; description: string },
  quick: boolean,
  runs: number,
  limit: number | undefined,
  results: Partial<Record<BenchMode, ChildResult>>,
  env: Environment,
): WorkloadReport {
  const { writer, export: exported, stream } = results;
  const w = writer ? figures(writer, limit) : null;
  const e = exported ? figures(exported, limit) : null;
  const s = stream ? figures(stream, limit) : null;
  const ran = [writer, exported, stream].filter((x): x is ChildResult => x !== undefined);
  const rss = [w, e, s].flatMap((x) => (x ? [x.peakRssMB] : []));
  return {
    workload: workload.name,
    description: workload.description,
    quick,
    runs,
    messages: w?.messages ?? e?.messages ?? s?.messages ?? 0,
    payloadMB: round(Math.max(0, ...ran.map((r) => r.payloadBytes)) / 1e6),
    distinctRecords: Math.max(0, ...ran.map((r) => r.distinctRecords)),
    partLimitBytes: limit ?? null,
    referenceMBps: w?.referenceMBps ?? e?.referenceMBps ?? s?.referenceMBps ?? null,
    writer: w,
    export: e,
    stream: s,
    writerRatio: w?.ratio ?? null,
    exportRatio: e?.ratio ?? null,
    streamRatio: s?.ratio ?? null,
    writerMBps: w?.MBps ?? null,
    exportMBps: e?.MBps ?? null,
    streamMBps: s?.MBps ?? null,
    writerMessagesPerSecond: w?.messagesPerSecond ?? null,
    exportMessagesPerSecond: e?.messagesPerSecond ?? null,
    streamMessagesPerSecond: s?.messagesPerSecond ?? null,
    peakRssMB: rss.length ? Math.max(...rss) : null,
    partFill: e?.partFill ?? s?.partFill ?? w?.partFill ?? [],
    firstByteSeconds: s?.firstByteSeconds ?? null,
    notes: ran[0]?.notes ?? [],
    environment: env,
  };
}

/** Adds `scaling` to `large` when `base` has a tenth of its messages. */
export function addScaling(large: WorkloadReport, base: WorkloadReport): void {
  if (base.messages * 10 !== large.messages) return;
  const r = (a: ModeFigures | null, b: ModeFigures | null) => (a && b ? round(a.seconds / (10 * b.seconds)) : null);
  large.scaling = {
    versus: base.workload,
    writer: r(large.writer, base.writer),
    export: r(large.export, base.export),
    stream: r(large.stream, base.stream),
  };
}

const pct = (x: number | null): string => (x === null ? '–' : `${Math.round(x * 100)} %`);
const num = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined
    ? '–'
    : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A Markdown table of the reports, then the targets. */
export function formatReports(reports: readonly WorkloadReport[]): string {
  const lines: string[] = [];
  const env = reports[0]?.environment;
  if (env)
    lines.push(
      `${env.cpu} × ${env.cores}, ${env.memoryGB} GB, Node ${env.node}, ${env.platform}, ${env.date}, load average ${env.loadAverage}`,
      '',
    );
  lines.push(
    '| workload | messages | ref MB/s | writer s (CPU s) | writer MB/s | writer msg/s | b/a | export s (CPU s) | export MB/s | export msg/s | c/a | ' +
      'stream s (CPU s) | stream MB/s | c′/a | first byte s | peak RSS MB (b / c / c′) | part fill |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  );
  for (const r of reports) {
    const w = r.writer;
    const e = r.export;
    const s = r.stream;
    lines.push(
      `| ${r.workload} | ${num(r.messages)} | ${num(r.referenceMBps)} | ${num(w?.seconds, 2)} (${num(w?.cpuSeconds, 2)}) | ${num(w?.MBps)} | ${num(w?.messagesPerSecond)} | ${pct(r.writerRatio)} | ` +
        `${num(e?.seconds, 2)} (${num(e?.cpuSeconds, 2)}) | ${num(e?.MBps)} | ${num(e?.messagesPerSecond)} | ${pct(r.exportRatio)} | ` +
        `${num(s?.seconds, 2)} (${num(s?.cpuSeconds, 2)}) | ${num(s?.MBps)} | ${pct(r.streamRatio)} | ${num(r.firstByteSeconds, 2)} | ` +
        `${num(w?.peakRssMB)} / ${num(e?.peakRssMB)} / ${num(s?.peakRssMB)} | ${r.partFill.map((f) => `${(f * 100).toFixed(1)} %`).join(', ') || '–'} |`,
    );
  }
  const real = reports.filter((r) => r.export?.parseSeconds !== undefined || r.stream?.parseSeconds !== undefined);
  if (real.length) {
    lines.push(
      '',
      '| real mail | messages | written | export s (CPU s) | bare parse s (CPU s) | export / parse speed | stream s (CPU s) | bare parse s | stream / parse speed | peak RSS MB (c / c′) |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const r of real) {
      const e = r.export;
      const s = r.stream;
      const x = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(2)}×`);
      lines.push(
        `| ${r.workload} | ${num(e?.scanned ?? s?.scanned)} | ${num(e?.matched ?? s?.matched)} | ${num(e?.seconds, 2)} (${num(e?.cpuSeconds, 2)}) | ${num(e?.parseSeconds, 2)} (${num(e?.parseCpuSeconds, 2)}) | ${x(e?.parseRatio)} | ` +
          `${num(s?.seconds, 2)} (${num(s?.cpuSeconds, 2)}) | ${num(s?.parseSeconds, 2)} | ${x(s?.parseRatio)} | ${num(e?.peakRssMB)} / ${num(s?.peakRssMB)} |`,
      );
    }
  }
  lines.push('', ...targets(reports).map((t) => `- ${t}`));
  for (const r of reports) for (const n of r.notes) lines.push(`- ${r.workload}: ${n}`);
  return lines.join('\n');
}

/** The issue's targets, each with the figure measured (or why it was not). */
export function targets(reports: readonly WorkloadReport[]): string[] {
  const by = (name: string) => reports.find((r) => r.workload === name);
  const out: string[] = [];
  for (const name of ['attachments-2g', 'attachments-2g-none']) {
    const att = by(name);
    const how = name.endsWith('-none') ? ', bCryptMethod none' : '';
    if (att?.writerRatio != null)
      out.push(
        `writer ≥ 50 % of the reference on attachment-heavy mail${how}: ${pct(att.writerRatio)} (${att.writerRatio >= 0.5 ? 'met' : 'missed'})`,
      );
    if (att?.exportRatio != null)
      out.push(
        `whole export ≥ 35 % of the reference on attachment-heavy mail${how}: ${pct(att.exportRatio)} (${att.exportRatio >= 0.35 ? 'met' : 'missed'})`,
      );
    if (att?.streamRatio != null)
      out.push(
        `whole export streamed (the HTTP path) ≥ 35 % of the reference on attachment-heavy mail${how}: ${pct(att.streamRatio)} (${att.streamRatio >= 0.35 ? 'met' : 'missed'})`,
      );
  }
  const small = by('small-100k');
  if (small?.writerMessagesPerSecond != null) {
    out.push(
      `writer ≥ 20,000 small messages/s: ${num(small.writerMessagesPerSecond)} (${small.writerMessagesPerSecond >= 20_000 ? 'met' : 'missed'})`,
    );
  }
  const forge = by('pstforge');
  if (forge?.writer && forge.export) {
    out.push(
      `PSTForge (4,100 msg/s, 108 MB/s, fill 98.4 %): writer ${num(forge.writer.messagesPerSecond)} msg/s (${(forge.writer.messagesPerSecond / 4100).toFixed(2)}×; ` +
        `${num(forge.writer.messagesPerCpuSecond)} a CPU second, ${(forge.writer.messagesPerCpuSecond / 4100).toFixed(2)}×), ` +
        `whole export ${num(forge.export.messagesPerSecond)} msg/s (${(forge.export.messagesPerSecond / 4100).toFixed(2)}×), ${num(forge.export.MBps)} MB/s, ` +
        `fill ${forge.partFill.map((f) => `${(f * 100).toFixed(1)} %`).join(', ') || '–'}`,
    );
  }
  for (const r of reports) {
    if (r.scaling) {
      out.push(
        `linear cost: ${r.workload} / (10 × ${r.scaling.versus}) = writer ${num(r.scaling.writer, 2)}, export ${num(r.scaling.export, 2)}, stream ${num(r.scaling.stream, 2)} (target ≤ 1.2)`,
      );
    }
  }
  for (const r of reports) {
    const ratio = r.export?.parseRatio;
    if (ratio !== undefined)
      out.push(
        `${r.workload}: export ≥ 1.5× the bare parse's speed: ${ratio.toFixed(2)}× (${ratio >= 1.5 ? 'met' : 'missed'})`,
      );
  }
  const rss = reports.filter((r) => r.peakRssMB !== null);
  if (rss.length) {
    const worst = rss.reduce((a, b) => (b.peakRssMB! > a.peakRssMB! ? b : a));
    out.push(
      `peak RSS < 256 MB everywhere: highest ${num(worst.peakRssMB)} MB (${worst.workload}) (${worst.peakRssMB! < 256 ? 'met' : 'missed'})`,
    );
  }
  return out;
}
