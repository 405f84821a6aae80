/**
 * The measurements of a workload, each followed by its reference (`reference.ts`) with the same byte count:
 * - (b) `writer`: the PST writer alone, from the in-memory records (through `PstSplitter` when there is a part limit;
 *   each finished part is deleted inside the timed section). Its bytes: the PST parts.
 * - (c) `export`: the whole export — sources, keyword filter, splitter, ZIP — by `exportToPstFile` into the scratch
 *   directory, which writes the result itself (a single PST is its part renamed into place, several are a ZIP):
 *   the path of `pstream export --out`. Its bytes: the result file's (`summary.bytes`); the file is deleted after
 *   the clock stops.
 * - (c′) `stream`: the same export by `exportToPst(options).stream` piped into a file, the path of the HTTP server.
 *   Its bytes: the output stream's; it also times the first byte of the stream.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type ExportOptions,
  type ExportSummary,
  exportToPst,
  exportToPstFile,
  type FinishedPart,
  GIB,
  PstSplitter,
} from '@pstream/export';
import { PstWriter } from '@pstream/pst';
import type { BytePool } from './byte-pool.js';
import { referenceWrite } from './reference.js';
import { FULL_SCAN_QUERY, type WorkloadInput } from './workloads.js';

/** One PST file (or ZIP entry) written. */
export interface PartFigure {
  readonly bytes: number;
  readonly messages: number;
}

/** What a child measures (see the top of this file). */
export type BenchMode = 'writer' | 'export' | 'stream';

/** Every mode, in the order they run. */
export const BENCH_MODES: readonly BenchMode[] = ['writer', 'export', 'stream'];

export interface Measurement {
  readonly mode: BenchMode;
  readonly messages: number;
  /** Bytes written: the PST parts (writer), the result file (export), the output stream (stream). */
  readonly bytes: number;
  readonly seconds: number;
  /**
   * CPU seconds (user + system, all threads) the process spent in the timed section. On a busy shared machine wall
   * time stretches with the load while CPU time stays close to what the work costs.
   */
  readonly cpuSeconds: number;
  /** The plain-`fs` reference writing `bytes` bytes, right after. */
  readonly referenceSeconds: number;
  readonly parts: readonly PartFigure[];
  /** Export and stream: `pst` or `zip`. */
  readonly format?: string;
  /** Stream only: seconds from the call to the first byte of the output stream. */
  readonly firstByteSeconds?: number;
  /** Export and stream: messages the filter saw and selected. */
  readonly scanned?: number;
  readonly matched?: number;
}

/** Brackets the timed section only (setup and the reference stay out of a CPU profile). */
export interface Section {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const NO_SECTION: Section = { start: async () => {}, stop: async () => {} };

function elapsed(start: number): number {
  return (performance.now() - start) / 1000;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

/** What a measurement works on. */
export interface MeasureContext {
  readonly input: WorkloadInput;
  /** The child's scratch directory (the files written, the reference's file). */
  readonly dir: string;
  readonly bytes: BytePool;
  /** The part size limit; none: one file. */
  readonly limit: number | undefined;
  /** Started and stopped around the timed section (a profiler). */
  readonly section?: Section;
  readonly encryption?: 'permute' | 'none';
}

/** (b) Writes the workload with `PstWriter`, through `PstSplitter` when there is a part limit. */
export async function measureWriter({
  input,
  dir,
  bytes,
  limit,
  section = NO_SECTION,
  encryption = 'permute',
}: MeasureContext): Promise<Measurement> {
  const parts: PartFigure[] = [];
  await section.start();
  const cpu = process.cpuUsage();
  const start = performance.now();
  if (limit === undefined) {
    const writer = await PstWriter.create(join(dir, 'writer.pst'), { encryption });
    for (let i = 0; i < input.count; i++) {
      const m = input.message(i);
      await writer.addMessage(m.folder, m.record);
    }
    const summary = await writer.finish();
    parts.push({ bytes: summary.bytes, messages: summary.messages });
  } else {
    const splitter = new PstSplitter({
      limitBytes: limit,
      directory: dir,
      writerOptions: { encryption },
      onPart: async (part: FinishedPart) => {
        parts.push({ bytes: part.bytes, messages: part.messages });
        await rm(part.path, { force: true });
      },
    });
    for (let i = 0; i < input.count; i++) {
      const m = input.message(i);
      await splitter.add(m.folder, m.record);
    }
    await splitter.finish();
  }
  const seconds = elapsed(start);
  const cpuSeconds = cpuSince(cpu);
  await section.stop();
  await rm(join(dir, 'writer.pst'), { force: true });
  const total = parts.reduce((n, p) => n + p.bytes, 0);
  const referenceSeconds = referenceWrite(join(dir, 'reference.bin'), total, bytes);
  return { mode: 'writer', messages: input.count, bytes: total, seconds, cpuSeconds, referenceSeconds, parts };
}

/** The export's options for a workload: the same for (c) and (c′). */
function exportOptions({ input, dir, limit, encryption = 'permute' }: MeasureContext): ExportOptions {
  return {
    sources: input.exportSources(),
    encryption,
    keywords: input.keywords ?? FULL_SCAN_QUERY,
    name: 'bench',
    tmpDir: dir,
    ...(input.parseThreads === undefined ? {} : { parseThreads: input.parseThreads }),
    // Limits below the REST minimum (1 GiB) go through the engine-level option.
    ...(limit === undefined ? {} : limit >= GIB ? { limitBytes: limit } : { maxPartBytes: limit }),
  };
}

/** (c) Runs `exportToPstFile` over the workload into the scratch directory (the CLI's path). */
export async function measureExport(context: MeasureContext): Promise<Measurement> {
  const { dir, bytes, section = NO_SECTION } = context;
  const options = exportOptions(context);
  await section.start();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const summary = await exportToPstFile(options, join(dir, 'export'));
  const seconds = elapsed(start);
  const cpuSeconds = cpuSince(cpu);
  await section.stop();
  await rm(summary.path, { force: true });
  return exportFigures(
    'export',
    summary,
    seconds,
    cpuSeconds,
    referenceWrite(join(dir, 'reference.bin'), summary.bytes, bytes),
  );
}

/** A measurement of the whole export (c or c′) from its summary. */
function exportFigures(
  mode: 'export' | 'stream',
  summary: ExportSummary,
  seconds: number,
  cpuSeconds: number,
  referenceSeconds: number,
): Measurement {
  return {
    mode,
    messages: summary.matched,
    bytes: summary.bytes,
    seconds,
    cpuSeconds,
    referenceSeconds,
    parts: summary.parts.map((p) => ({ bytes: p.bytes, messages: p.messages })),
    format: summary.format,
    scanned: summary.scanned,
    matched: summary.matched,
  };
}

/** (c′) Runs `exportToPst` over the workload and pipes its output stream into a file (the HTTP server's path). */
export async function measureStream(context: MeasureContext): Promise<Measurement> {
  const { dir, bytes, section = NO_SECTION } = context;
  const out = join(dir, 'stream.out');
  const options = exportOptions(context);
  await section.start();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let firstByte: number | undefined;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      firstByte ??= elapsed(start);
      done(null, chunk);
    },
  });
  const handle = exportToPst(options);
  await pipeline(handle.stream, tap, createWriteStream(out));
  const summary = await handle.summary;
  const seconds = elapsed(start);
  const cpuSeconds = cpuSince(cpu);
  await section.stop();
  await rm(out, { force: true });
  const referenceSeconds = referenceWrite(join(dir, 'reference.bin'), summary.bytes, bytes);
  return {
    ...exportFigures('stream', summary, seconds, cpuSeconds, referenceSeconds),
    firstByteSeconds: firstByte ?? seconds,
  };
}
