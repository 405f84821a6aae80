/**
 * One measurement in a process of its own, so that its peak RSS is its own:
 *   child --workload <name> --mode writer|export|stream --dir <scratch> --result <file.json> [--quick] [--profile <file>]
 * Builds the workload (before the clock starts), measures, and writes a `ChildResult` to the result file.
 * `--profile` writes a V8 CPU profile (the format of `node --cpu-prof`) of the timed section alone.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { readFlags } from './args.js';
import { BytePool } from './byte-pool.js';
import {
  BENCH_MODES,
  type BenchMode,
  type MeasureContext,
  type Measurement,
  measureExport,
  measureStream,
  measureWriter,
  type Section,
} from './measure.js';
import type { ParseReference } from './parse-reference.js';
import { workloadNamed } from './workloads.js';

export interface ChildResult {
  readonly workload: string;
  readonly quick: boolean;
  readonly measurement: Measurement;
  readonly payloadBytes: number;
  /** Distinct records held in memory (a larger workload cycles through them). */
  readonly distinctRecords: number;
  readonly setupSeconds: number;
  readonly notes: readonly string[];
  /** RSS once the workload is built, before the clock starts (MB = 10^6 bytes). */
  readonly setupRssMB: number;
  /**
   * `process.resourceUsage().maxRSS` once the measurement and its write reference are done: the peak of the child
   * (MB = 10^6 bytes), the bare parse that may follow left out.
   */
  readonly peakRssMB: number;
  /** Real-mail workloads, export and stream: the bare parse of the same files, run after the measurement. */
  readonly parse?: ParseReference;
}

/** The V8 sampling profiler over the timed section, written to `path` (0.5 ms samples). */
function profiler(path: string): Section {
  const session = new Session();
  return {
    async start() {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 500 });
      await session.post('Profiler.start');
    },
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await writeFile(path, JSON.stringify(profile));
    },
  };
}

const CHILD_USAGE = 'usage: child --workload NAME --mode MODE --dir DIR --result FILE [--quick] [--profile FILE]';

function parse(argv: readonly string[]): {
  workload: string;
  mode: BenchMode;
  dir: string;
  result: string;
  quick: boolean;
  profile: string | undefined;
} {
  const flags = readFlags(
    argv,
    {
      workload: { type: 'string' },
      mode: { type: 'string' },
      dir: { type: 'string' },
      result: { type: 'string' },
      quick: { type: 'boolean' },
      profile: { type: 'string' },
    },
    CHILD_USAGE,
  );
  const required = (name: 'workload' | 'mode' | 'dir' | 'result'): string => {
    const v = flags[name];
    if (v === undefined) throw new RangeError(`--${name} is required; ${CHILD_USAGE}`);
    return v;
  };
  const mode = required('mode');
  if (!isBenchMode(mode))
    throw new RangeError(`--mode must be one of ${BENCH_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  return {
    workload: required('workload'),
    mode,
    dir: required('dir'),
    result: required('result'),
    quick: flags.quick ?? false,
    profile: flags.profile,
  };
}

const isBenchMode = (m: string): m is BenchMode => (BENCH_MODES as readonly string[]).includes(m);

const MEASURE: Record<BenchMode, (context: MeasureContext) => Promise<Measurement>> = {
  writer: measureWriter,
  export: measureExport,
  stream: measureStream,
};

const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const workload = workloadNamed(args.workload);
  await mkdir(args.dir, { recursive: true });
  try {
    const setupStart = performance.now();
    const bytes = new BytePool(args.workload);
    const input = await workload.build({ quick: args.quick, dir: args.dir, bytes, mode: args.mode });
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const setupRssMB = mb(process.memoryUsage.rss());
    const limit = workload.partLimitBytes(args.quick);
    const section = args.profile ? profiler(args.profile) : undefined;
    const measure = MEASURE[args.mode];
    const measurement = await measure({
      input,
      dir: args.dir,
      bytes,
      limit,
      ...(section ? { section } : {}),
      encryption: workload.encryption ?? 'permute',
    });
    const peakRssMB = mb(process.resourceUsage().maxRSS * 1024);
    const parse = args.mode !== 'writer' ? await input.parseReference?.() : undefined;
    const result: ChildResult = {
      workload: args.workload,
      quick: args.quick,
      measurement,
      payloadBytes: input.payloadBytes,
      distinctRecords: input.distinct,
      setupSeconds,
      notes: input.notes ?? [],
      setupRssMB,
      peakRssMB,
      ...(parse ? { parse } : {}),
    };
    await writeFile(args.result, JSON.stringify(result));
  } finally {
    await rm(args.dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
