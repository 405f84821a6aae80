/**
 * Turns the children's results into one report a workload: speeds, ratios to the reference, part fills, RSS;
 * and formats the reports as a table with the issue's targets (reported, never asserted).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import type { ChildResult } from './child.js';
import type { Measurement } from './measure.js';

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
  readonly format?: string;
  readonly firstByteSeconds?: number;
  readonly scanned?: number;
  readonly matched?: number;
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
  /** (a) The reference's speed (the writer child's; the export child's is in `export.referenceMBps`). */
  readonly referenceMBps: number | null;
  /** (b) */
  readonly writer: ModeFigures | null;
  /** (c) */
  readonly export: ModeFigures | null;
  /** b/a and c/a. */
  readonly writerRatio: number | null;
  readonly exportRatio: number | null;
  readonly writerMBps: number | null;
  readonly exportMBps: number | null;
  readonly writerMessagesPerSecond: number | null;
  readonly exportMessagesPerSecond: number | null;
  /** The larger peak RSS of the two children, MB. */
  readonly peakRssMB: number | null;
  /** The export's part fills (see `ModeFigures.partFill`). */
  readonly partFill: readonly number[];
  readonly firstByteSeconds: number | null;
  /** On the largest small-message workload: its seconds over 10 × those of the workload 10 times smaller. */
  /** Facts about the input (e.g. corpus messages left out). */
  readonly notes: readonly string[];
  scaling?: { readonly versus: string; readonly writer: number | null; readonly export: number | null };
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
  };
}

export function buildReport(
  workload: { name: string; description: string },
  quick: boolean,
  runs: number,
  limit: number | undefined,
  writer: ChildResult | null,
  exported: ChildResult | null,
  env: Environment,
): WorkloadReport {
  const w = writer && figures(writer, limit);
  const e = exported && figures(exported, limit);
  const any = writer ?? exported;
  const rss = [w?.peakRssMB, e?.peakRssMB].filter((x): x is number => x !== undefined);
  return {
    workload: workload.name,
    description: workload.description,
    quick,
    runs,
    messages: w?.messages ?? e?.messages ?? 0,
    payloadMB: round(Math.max(writer?.payloadBytes ?? 0, exported?.payloadBytes ?? 0) / 1e6),
    distinctRecords: Math.max(writer?.distinctRecords ?? 0, exported?.distinctRecords ?? 0),
    partLimitBytes: limit ?? null,
    referenceMBps: w?.referenceMBps ?? e?.referenceMBps ?? null,
    writer: w,
    export: e,
    writerRatio: w?.ratio ?? null,
    exportRatio: e?.ratio ?? null,
    writerMBps: w?.MBps ?? null,
    exportMBps: e?.MBps ?? null,
    writerMessagesPerSecond: w?.messagesPerSecond ?? null,
    exportMessagesPerSecond: e?.messagesPerSecond ?? null,
    peakRssMB: rss.length ? Math.max(...rss) : null,
    partFill: e?.partFill ?? w?.partFill ?? [],
    firstByteSeconds: e?.firstByteSeconds ?? null,
    notes: any?.notes ?? [],
    environment: env,
  };
}

/** Adds `scaling` to `large` when `base` has a tenth of its messages. */
export function addScaling(large: WorkloadReport, base: WorkloadReport): void {
  if (base.messages * 10 !== large.messages) return;
  const r = (a: ModeFigures | null, b: ModeFigures | null) => (a && b ? round(a.seconds / (10 * b.seconds)) : null);
  large.scaling = { versus: base.workload, writer: r(large.writer, base.writer), export: r(large.export, base.export) };
}

const pct = (x: number | null): string => (x === null ? '–' : `${Math.round(x * 100)} %`);
const num = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A Markdown table of the reports, then the targets. */
export function formatReports(reports: readonly WorkloadReport[]): string {
  const lines: string[] = [];
  const env = reports[0]?.environment;
  if (env) lines.push(`${env.cpu} × ${env.cores}, ${env.memoryGB} GB, Node ${env.node}, ${env.platform}, ${env.date}, load average ${env.loadAverage}`, '');
  lines.push(
    '| workload | messages | ref MB/s | writer s (CPU s) | writer MB/s | writer msg/s | b/a | export s (CPU s) | export MB/s | export msg/s | c/a | first byte s | peak RSS MB (b / c) | part fill |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  );
  for (const r of reports) {
    const w = r.writer;
    const e = r.export;
    lines.push(
      `| ${r.workload} | ${num(r.messages)} | ${num(r.referenceMBps)} | ${num(w?.seconds, 2)} (${num(w?.cpuSeconds, 2)}) | ${num(w?.MBps)} | ${num(w?.messagesPerSecond)} | ${pct(r.writerRatio)} | ` +
        `${num(e?.seconds, 2)} (${num(e?.cpuSeconds, 2)}) | ${num(e?.MBps)} | ${num(e?.messagesPerSecond)} | ${pct(r.exportRatio)} | ${num(r.firstByteSeconds, 2)} | ` +
        `${num(w?.peakRssMB)} / ${num(e?.peakRssMB)} | ${r.partFill.map((f) => `${(f * 100).toFixed(1)} %`).join(', ') || '–'} |`,
    );
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
    if (att?.writerRatio != null) out.push(`writer ≥ 50 % of the reference on attachment-heavy mail${how}: ${pct(att.writerRatio)} (${att.writerRatio >= 0.5 ? 'met' : 'missed'})`);
    if (att?.exportRatio != null) out.push(`whole export ≥ 35 % of the reference on attachment-heavy mail${how}: ${pct(att.exportRatio)} (${att.exportRatio >= 0.35 ? 'met' : 'missed'})`);
  }
  const small = by('small-100k');
  if (small?.writerMessagesPerSecond != null) {
    out.push(`writer ≥ 20,000 small messages/s: ${num(small.writerMessagesPerSecond)} (${small.writerMessagesPerSecond >= 20_000 ? 'met' : 'missed'})`);
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
    if (r.scaling) out.push(`linear cost: ${r.workload} / (10 × ${r.scaling.versus}) = writer ${num(r.scaling.writer, 2)}, export ${num(r.scaling.export, 2)} (target ≤ 1.2)`);
  }
  const rss = reports.filter((r) => r.peakRssMB !== null);
  if (rss.length) {
    const worst = rss.reduce((a, b) => (b.peakRssMB! > a.peakRssMB! ? b : a));
    out.push(`peak RSS < 256 MB everywhere: highest ${num(worst.peakRssMB)} MB (${worst.workload}) (${worst.peakRssMB! < 256 ? 'met' : 'missed'})`);
  }
  return out;
}
