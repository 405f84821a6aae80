#!/usr/bin/env node
/**
 * `node benchmarks/dist/src/profile-summary.js FILE.cpuprofile [--top N] [--json]`: where a V8 CPU profile (from
 * `bench:export --cpu-prof-dir`, or `node --cpu-prof`) spends its time — self time a function (hot spots) and a
 * file, and total time (self plus callees) a function — each as a share of the samples.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface Share {
  readonly name: string;
  /** Share of the profile's time, 0 … 1. */
  readonly share: number;
  readonly ms: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly selfByFunction: readonly Share[];
  readonly selfByFile: readonly Share[];
  readonly totalByFunction: readonly Share[];
}

function frameName(f: CallFrame): string {
  const where = f.url ? `${basename(f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}` : '';
  const fn = f.functionName || '(anonymous)';
  return where ? `${fn} (${where})` : fn;
}

function fileName(f: CallFrame): string {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  const path = f.url.replace(/^file:\/\//, '');
  const m = /\/(packages\/[^/]+|fixtures|benchmarks)\/(?:dist\/)?(.*)$/.exec(path);
  if (m) return `${m[1]}/${m[2]}`;
  if (path.startsWith('node:')) return path;
  const nm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path);
  return nm ? `${nm[1]} (dependency)` : basename(path);
}

function top(map: Map<string, number>, total: number, n: number): Share[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, share: us / total, ms: Math.round(us / 100) / 10 }));
}

/** Self and total time per function and per file, top `n` of each. */
export function summarize(profile: CpuProfile, n = 20): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    total += dt;
    const f = node.callFrame;
    self.set(frameName(f), (self.get(frameName(f)) ?? 0) + dt);
    files.set(fileName(f), (files.get(fileName(f)) ?? 0) + dt);
    // Total time: every distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = frameName(byId.get(cur)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  });
  return {
    totalMs: Math.round(total / 1000),
    selfByFunction: top(self, total, n),
    selfByFile: top(files, total, n),
    totalByFunction: top(inclusive, total, n),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const table = (title: string, rows: readonly Share[]) => [
    `| ${title} | share | ms |`,
    '|---|--:|--:|',
    ...rows.map(
      (r) => `| ${r.name.replaceAll('|', '\\|')} | ${(r.share * 100).toFixed(1)} % | ${r.ms.toLocaleString('en-US')} |`,
    ),
    '',
  ];
  return [
    `${s.totalMs.toLocaleString('en-US')} ms sampled`,
    '',
    ...table('self time, by function', s.selfByFunction),
    ...table('self time, by file', s.selfByFile),
    ...table('total time (self + callees), by function', s.totalByFunction),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--top');
  if (!file) {
    console.error('usage: profile-summary FILE.cpuprofile [--top N] [--json]');
    process.exitCode = 2;
    return;
  }
  const t = args.indexOf('--top');
  const n = t >= 0 ? Number(args[t + 1]) : 20;
  if (!Number.isInteger(n) || n <= 0)
    throw new RangeError(`--top must be a positive integer, got ${JSON.stringify(args[t + 1])}`);
  const summary = summarize(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, n);
  console.log(args.includes('--json') ? JSON.stringify(summary, null, 2) : formatSummary(summary));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
