#!/usr/bin/env node
/**
 * `pnpm bench:export [--json] [--quick] [--only a,b] [--mode both|writer|export|stream|a,b] [--tmp DIR] [--cpu-prof-dir DIR]`
 *
 * For each workload, one child process a mode (so that peak RSS is per measurement): (b) `writer`, the PST writer
 * alone from in-memory records; (c) `export`, the whole export written by `exportToPstFile` (the CLI's path); (c′)
 * `stream`, the whole export's stream piped into a file (the HTTP server's path). `--mode both` (the default) runs
 * all three; a comma list runs those named. Each child times (a), plain `fs` writes of the
 * same byte count, right after its own measurement, and every speed is reported as a ratio to it: the machines
 * here are shared and noisy, and a ratio taken in the same process a moment later cancels most of that out.
 * `--repeat N` runs each measurement N times and reports the run of median time (each with its own reference).
 * `--cpu-prof-dir DIR` writes `<workload>-<mode>.cpuprofile` there: a CPU profile of each timed section alone
 * (summarise one with `node benchmarks/dist/src/profile-summary.js FILE`).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integerFlag, listFlag, readFlags } from './args.js';
import type { ChildResult } from './child.js';
import { runCli } from './cli.js';
import { BENCH_MODES, type BenchMode } from './measure.js';
import { addScaling, buildReport, environment, formatReports, type WorkloadReport } from './report.js';
import { WORKLOADS, type Workload, workloadNamed } from './workloads.js';

export interface ExportBenchOptions {
  readonly json: boolean;
  readonly quick: boolean;
  readonly only: readonly string[] | null;
  /** The modes to run, in `BENCH_MODES` order. */
  readonly modes: readonly BenchMode[];
  readonly tmp: string;
  readonly cpuProfDir: string | null;
  /** Runs of each measurement; the one of median time is reported. */
  readonly repeat: number;
}

const USAGE =
  'usage: bench:export [--json] [--quick] [--only name,name] [--mode both|writer|export|stream|mode,mode] [--repeat N] [--tmp DIR] [--cpu-prof-dir DIR] [--list]';

export function parseArgs(argv: readonly string[]): ExportBenchOptions | 'list' | 'help' {
  const flags = readFlags(
    argv,
    {
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      only: { type: 'string' },
      mode: { type: 'string' },
      tmp: { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      repeat: { type: 'string' },
    },
    USAGE,
  );
  if (flags.list) return 'list';
  if (flags.help) return 'help';
  return {
    json: flags.json ?? false,
    quick: flags.quick ?? false,
    only: listFlag(flags.only, (name) => void workloadNamed(name)),
    modes: flags.mode === undefined ? BENCH_MODES : parseModes(flags.mode),
    tmp: flags.tmp ?? tmpdir(),
    cpuProfDir: flags['cpu-prof-dir'] ?? null,
    repeat: integerFlag('repeat', flags.repeat, 1, 99) ?? 1,
  };
}

/**
 * `--mode`'s value: `both` (every mode), one mode, or a comma list of modes; the modes in `BENCH_MODES` order, once
 * each.
 */
export function parseModes(value: string): readonly BenchMode[] {
  if (value === 'both') return BENCH_MODES;
  const named = value.split(',');
  for (const m of named) {
    if (!(BENCH_MODES as readonly string[]).includes(m)) {
      throw new RangeError(
        `--mode must be both, ${BENCH_MODES.join(', ')} or a comma list of them, got ${JSON.stringify(value)}`,
      );
    }
  }
  return BENCH_MODES.filter((m) => named.includes(m));
}

/** The child script beside this one: `.ts` under tsx (tests), `.js` once built. */
function childCommand(): { script: string; nodeArgs: string[] } {
  const self = fileURLToPath(import.meta.url);
  const ts = self.endsWith('.ts');
  return {
    script: self.replace(/export\.(ts|js)$/, `child.$1`),
    nodeArgs: ts ? ['--conditions=source', '--import', 'tsx'] : [],
  };
}

async function runChild(workload: Workload, mode: BenchMode, options: ExportBenchOptions): Promise<ChildResult> {
  if (options.cpuProfDir) await mkdir(options.cpuProfDir, { recursive: true });
  const scratch = await mkdtemp(join(options.tmp, `pstream-bench-${workload.name}-${mode}-`));
  const result = `${scratch}.json`;
  const { script, nodeArgs } = childCommand();
  const args = [...nodeArgs, script, '--workload', workload.name, '--mode', mode, '--dir', scratch, '--result', result];
  if (options.cpuProfDir)
    args.push('--profile', join(resolve(options.cpuProfDir), `${workload.name}-${mode}.cpuprofile`));
  if (options.quick) args.push('--quick');
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    if (code !== 0) throw new Error(`the ${mode} measurement of ${workload.name} failed (exit ${code})`);
    return JSON.parse(await readFile(result, 'utf8')) as ChildResult;
  } finally {
    await rm(result, { force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Runs a measurement `options.repeat` times; returns the run of median time. */
async function runMedian(workload: Workload, mode: BenchMode, options: ExportBenchOptions): Promise<ChildResult> {
  const runs: ChildResult[] = [];
  for (let i = 0; i < options.repeat; i++) runs.push(await runChild(workload, mode, options));
  runs.sort((a, b) => a.measurement.seconds - b.measurement.seconds);
  return runs[Math.floor((runs.length - 1) / 2)]!;
}

export async function runExportBench(
  options: ExportBenchOptions,
  onReport: (r: WorkloadReport) => void = () => {},
): Promise<WorkloadReport[]> {
  const selected = options.only ? options.only.map(workloadNamed) : WORKLOADS;
  const reports: WorkloadReport[] = [];
  for (const workload of selected) {
    const env = environment();
    if (!options.json)
      process.stderr.write(`${workload.name}: ${workload.description}${options.quick ? ' (quick)' : ''}…\n`);
    const results: Partial<Record<BenchMode, ChildResult>> = {};
    for (const mode of options.modes)
      if (workload.modes?.includes(mode) ?? true) results[mode] = await runMedian(workload, mode, options);
    const report = buildReport(
      workload,
      options.quick,
      options.repeat,
      workload.partLimitBytes(options.quick),
      results,
      env,
    );
    for (const base of reports) addScaling(report, base);
    reports.push(report);
    onReport(report);
  }
  return reports;
}

runCli(import.meta.url, USAGE, parseArgs, async (options) => {
  if (options === 'list') {
    for (const w of WORKLOADS) console.log(`${w.name}\t${w.description}`);
    return;
  }
  const json = options.json;
  const reports = await runExportBench(options, (r) => {
    if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
  });
  if (!json) console.log(formatReports(reports));
});
