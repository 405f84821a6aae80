/**
 * One measurement in a process of its own, so that its peak RSS is its own:
 *   child --workload <name> --mode writer|export --dir <scratch> --result <file.json> [--quick]
 * Builds the workload (before the clock starts), measures, and writes a `ChildResult` to the result file.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { BytePool } from './byte-pool.js';
import { measureExport, measureWriter, type Measurement } from './measure.js';
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
  /** `process.resourceUsage().maxRSS` at the end: the peak of the whole child (MB = 10^6 bytes). */
  readonly peakRssMB: number;
}

function parse(argv: readonly string[]): { workload: string; mode: 'writer' | 'export'; dir: string; result: string; quick: boolean } {
  const get = (flag: string): string => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (v === undefined) throw new RangeError(`${flag} is required`);
    return v;
  };
  const mode = get('--mode');
  if (mode !== 'writer' && mode !== 'export') throw new RangeError(`--mode must be writer or export, got ${JSON.stringify(mode)}`);
  return { workload: get('--workload'), mode, dir: get('--dir'), result: get('--result'), quick: argv.includes('--quick') };
}

const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const workload = workloadNamed(args.workload);
  await mkdir(args.dir, { recursive: true });
  try {
    const setupStart = performance.now();
    const bytes = new BytePool(args.workload);
    const input = await workload.build({ quick: args.quick, dir: args.dir, bytes });
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const setupRssMB = mb(process.memoryUsage.rss());
    const limit = workload.partLimitBytes(args.quick);
    const measurement = args.mode === 'writer' ? await measureWriter(input, args.dir, bytes, limit) : await measureExport(input, args.dir, bytes, limit);
    const result: ChildResult = {
      workload: args.workload,
      quick: args.quick,
      measurement,
      payloadBytes: input.payloadBytes,
      distinctRecords: input.distinct,
      setupSeconds,
      notes: input.notes ?? [],
      setupRssMB,
      peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
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
