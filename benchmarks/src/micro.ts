#!/usr/bin/env node
/**
 * `pnpm bench [--json] [--quick] [--only suite,suite]`: tinybench suites for the hot paths — block encoding and
 * CRC, heap / property-context / table-context building, a whole small message, keyword matching, ZIP packaging.
 * Byte-oriented tasks also report MB/s (10^6 bytes, from the mean, so that a periodic flush counts). `--quick` gives each task a few milliseconds: a smoke test.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compileQuery, ZipPackager } from '@pstream/export';
import { type MessageRecord, PstWriter } from '@pstream/pst';
import { Bench } from 'tinybench';
import { listFlag, readFlags } from './args.js';
import { BytePool } from './byte-pool.js';
import { runCli } from './cli.js';
import { loadPstInternals, type PstInternals } from './internals.js';
import { generatePool, type PooledMessage } from './message-pool.js';
import { FULL_SCAN_QUERY } from './workloads.js';

export interface MicroOptions {
  readonly json: boolean;
  readonly quick: boolean;
  readonly only: readonly string[] | null;
}

export interface MicroResult {
  readonly suite: string;
  readonly task: string;
  readonly opsPerSecond: number;
  readonly meanMs: number;
  /** The median: on a busy machine less swayed by the slow outliers than the mean. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Relative margin of error, %. */
  readonly rme: number;
  readonly samples: number;
  /** For tasks that process a known number of bytes an operation. */
  readonly MBps?: number;
}

interface Context {
  readonly dir: string;
  readonly bytes: BytePool;
  readonly pst: PstInternals;
  readonly messages: readonly PooledMessage[];
}

interface Task {
  readonly name: string;
  /** Bytes an operation processes, for MB/s. */
  readonly bytes?: number;
  readonly fn: () => unknown;
}

interface Suite {
  readonly name: string;
  /** Builds the tasks; `cleanup` runs after the suite. */
  setup(ctx: Context): Promise<{ tasks: Task[]; cleanup?: () => Promise<void> | void }>;
}

const BLOCK = 8176;

const ndbSuite: Suite = {
  name: 'ndb',
  async setup({ dir, bytes, pst }) {
    const block = Uint8Array.from(bytes.bytes.subarray(0, BLOCK));
    const scratch = new Uint8Array(BLOCK);
    const javaScript = pst.blockEncoder.javaScriptEncoder();
    const words = new Uint32Array(scratch.buffer);
    const kernel = pst.native.loadNativeKernel();
    const nativeTarget = new Uint8Array(BLOCK);
    const writer = new pst.ndb.NdbWriter(join(dir, 'ndb.bin'), 'permute');
    const plain = new pst.ndb.NdbWriter(join(dir, 'ndb-plain.bin'), 'none');
    const jsWriter = new pst.ndb.NdbWriter(join(dir, 'ndb-js.bin'), 'permute', { native: false });
    const where = kernel
      ? `native ${kernel.isa}: copy, encode and CRC in one pass`
      : 'no native kernel: the JavaScript encoder';
    // The writers' slots are written behind them: a writer awaits ready() now and then, or its queue would grow.
    const paced = (ndb: typeof writer): (() => Promise<void>) => {
      let blocks = 0;
      return async () => {
        ndb.writeBlock(block, BLOCK, false);
        if (++blocks % 128 === 0) await ndb.ready();
      };
    };
    const projecting = new pst.ndb.NdbWriter(join(dir, 'ndb-projection.bin'), 'permute');
    projecting.beginProjection();
    return {
      tasks: [
        { name: 'pstCrc, 8,176 B', bytes: BLOCK, fn: () => pst.crc.pstCrc(block) },
        {
          name: 'permuteEncode, 8,176 B',
          bytes: BLOCK,
          fn: () => {
            scratch.set(block);
            pst.permute.permuteEncode(scratch);
          },
        },
        {
          name: 'permuteEncodeFast (JavaScript, 2 × 16-bit lookups per word), 8,176 B',
          bytes: BLOCK,
          fn: () => {
            scratch.set(block);
            pst.permute.permuteEncodeFast(scratch, words, 0, BLOCK);
          },
        },
        {
          name: 'JavaScript copyBlock (copy, permuteEncodeFast, zlib.crc32), 8,176 B',
          bytes: BLOCK,
          fn: () => javaScript.copyBlock(nativeTarget, 0, block, 0, BLOCK, true),
        },
        ...(kernel
          ? [
              {
                name: `native encodeCopy (${kernel.isa}: copy + permute + CRC), 8,176 B`,
                bytes: BLOCK,
                fn: () => kernel.encodeCopy(nativeTarget, 0, block, 0, BLOCK, true, 0),
              },
              { name: `native crc (${kernel.isa}), 8,176 B`, bytes: BLOCK, fn: () => kernel.crc(block, 0, BLOCK, 0) },
            ]
          : []),
        { name: `writeBlock (permute; ${where}), 8,176 B`, bytes: BLOCK, fn: paced(writer) },
        { name: `writeBlock (no encryption; ${where}), 8,176 B`, bytes: BLOCK, fn: paced(plain) },
        { name: 'writeBlock (permute; JavaScript encoder), 8,176 B', bytes: BLOCK, fn: paced(jsWriter) },
        {
          name: 'writeBlock during a projection (counting sink: allocation only)',
          fn: () => projecting.writeBlock(block, BLOCK, false),
        },
      ],
      cleanup: async () => {
        await Promise.all([writer.close(), plain.close(), jsWriter.close(), projecting.close()]);
      },
    };
  },
};

const ltpSuite: Suite = {
  name: 'ltp',
  async setup({ dir, pst }) {
    const ndb = new pst.ndb.NdbWriter(join(dir, 'ltp.bin'), 'permute');
    const { PropType, tag, tagType, cellSize, isFixedInRow } = pst.types;
    const { utf16, filetime, int64 } = pst.values;
    // A message-like property set: strings, flags, times, a binary search key.
    const properties = [
      ...Array.from({ length: 12 }, (_, i) => ({ tag: tag(0x0e00 + i, PropType.Integer32), value: i })),
      ...Array.from({ length: 10 }, (_, i) => ({
        tag: tag(0x0037 + i * 2, PropType.String),
        value: utf16(`Property value number ${i}, some text of a typical length`),
      })),
      ...Array.from({ length: 4 }, (_, i) => ({
        tag: tag(0x3007 + i, PropType.Time),
        value: filetime(new Date(Date.UTC(2024, 0, i + 1))),
      })),
      { tag: tag(0x300b, PropType.Binary), value: new Uint8Array(16).fill(7) },
      { tag: tag(0x1000, PropType.String), value: utf16('Body text. '.repeat(200)) },
    ];
    // One contents-table row with every column of the writer's layout.
    const layout = pst.store.CONTENTS_LAYOUT;
    const cells = new Map<number, number | Uint8Array>();
    for (const c of layout.columns) {
      const type = tagType(c.tag);
      cells.set(
        c.tag,
        isFixedInRow(type) ? (cellSize(type) === 8 ? int64(1) : 1) : utf16('A subject line of a message'),
      );
    }
    return {
      tasks: [
        {
          name: 'heap: 64 allocations of 48 B, finish',
          fn: () => {
            const heap = new pst.heap.Heap(ndb, pst.heap.HeapClient.PropertyContext);
            for (let i = 0; i < 64; i++) heap.allocate(48);
            heap.finish(0);
          },
        },
        {
          name: 'property context: 28 properties',
          fn: () => pst.pc.writePropertyContext(ndb, properties, new pst.subnodes.Subnodes(ndb)),
        },
        {
          name: 'table context: 100 contents rows, finish',
          fn: () => {
            const table = new pst.tc.TableWriter(ndb, layout);
            for (let i = 0; i < 100; i++) table.addRow(0x200024 + i * 32, cells);
            table.finish();
          },
        },
      ],
      cleanup: async () => {
        await ndb.close();
      },
    };
  },
};

const messageSuite: Suite = {
  name: 'message',
  async setup({ dir, messages }) {
    const writer = await PstWriter.create(join(dir, 'messages.pst'));
    let i = 0;
    return {
      tasks: [
        {
          name: 'PstWriter.addMessage, one small message',
          fn: async () => {
            const m = messages[i++ % messages.length]!;
            await writer.addMessage(m.folder, m.record);
          },
        },
        {
          name: 'PstWriter.fits (bound), one small message',
          fn: async () => {
            const m = messages[i++ % messages.length]!;
            await writer.fits(1024 ** 3, m.folder, m.record);
          },
        },
      ],
      cleanup: () => writer.abort(),
    };
  },
};

const keywordSuite: Suite = {
  name: 'keywords',
  async setup({ messages }) {
    const records: MessageRecord[] = messages.map((m) => m.record);
    const word = compileQuery('support');
    const full = compileQuery(FULL_SCAN_QUERY);
    const rich = compileQuery('subject:"quarterly report" OR (invoice AND NOT from:noreply) OR support*');
    let i = 0;
    return {
      tasks: [
        { name: 'match "support" (one message)', fn: () => word.matches(records[i++ % records.length]!) },
        {
          name: 'match a query with no hit, every field (one message)',
          fn: () => full.matches(records[i++ % records.length]!),
        },
        {
          name: 'match fields, phrase, AND/OR/NOT (one message)',
          fn: () => rich.matches(records[i++ % records.length]!),
        },
        {
          name: 'compile a query with fields, phrase, AND/OR/NOT',
          fn: () => compileQuery('subject:"quarterly report" OR (invoice AND NOT from:noreply) OR support*'),
        },
      ],
    };
  },
};

const ZIP_FILE_BYTES = 8 * 1024 * 1024;

const zipSuite: Suite = {
  name: 'zip',
  async setup({ dir, bytes }) {
    const file = join(dir, 'part.pst');
    await writeFile(file, bytes.bytes.subarray(0, ZIP_FILE_BYTES));
    const sink = () =>
      new Writable({
        write(_chunk, _encoding, done) {
          done();
        },
      });
    const pack = async (compression: 'store' | 'deflate') => {
      const zip = new ZipPackager({ compression });
      const drained = pipeline(zip.output, sink());
      await zip.addFile(file, 'part-001.pst', ZIP_FILE_BYTES);
      await zip.finish();
      await drained;
    };
    return {
      tasks: [
        { name: 'ZipPackager store, one 8 MiB part', bytes: ZIP_FILE_BYTES, fn: () => pack('store') },
        { name: 'ZipPackager deflate (level 1), one 8 MiB part', bytes: ZIP_FILE_BYTES, fn: () => pack('deflate') },
        {
          name: 'plain read + write of the same 8 MiB (for scale)',
          bytes: ZIP_FILE_BYTES,
          fn: async () => {
            const { createReadStream } = await import('node:fs');
            await pipeline(
              createReadStream(file, { highWaterMark: 1024 * 1024 }),
              createWriteStream(join(dir, 'copy.bin')),
            );
          },
        },
      ],
    };
  },
};

export const SUITES: readonly Suite[] = [ndbSuite, ltpSuite, messageSuite, keywordSuite, zipSuite];

const USAGE = `usage: bench [--json] [--quick] [--only ${SUITES.map((s) => s.name).join(',')}]`;

export function parseMicroArgs(argv: readonly string[]): MicroOptions | 'help' {
  const flags = readFlags(
    argv,
    {
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      only: { type: 'string' },
    },
    USAGE,
  );
  if (flags.help) return 'help';
  const only = listFlag(flags.only, (name) => {
    if (!SUITES.some((s) => s.name === name))
      throw new RangeError(
        `--only: suite must be one of ${SUITES.map((s) => s.name).join(', ')}, got ${JSON.stringify(name)}`,
      );
  });
  return { json: flags.json ?? false, quick: flags.quick ?? false, only };
}

export async function runMicro(options: MicroOptions): Promise<MicroResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-micro-'));
  const results: MicroResult[] = [];
  try {
    const bytes = new BytePool('micro');
    const pool = await generatePool(
      { seed: 'bench-micro', attachments: { share: 0 }, inlineImageShare: 0, embeddedMessageShare: 0 },
      { maxMessages: options.quick ? 50 : 500 },
      bytes,
    );
    const ctx: Context = { dir, bytes, pst: await loadPstInternals(), messages: pool.messages };
    for (const suite of SUITES) {
      if (options.only && !options.only.includes(suite.name)) continue;
      const { tasks, cleanup } = await suite.setup(ctx);
      try {
        const bench = new Bench({
          name: suite.name,
          time: options.quick ? 10 : 1000,
          iterations: options.quick ? 2 : 10,
          warmupTime: options.quick ? 0 : 200,
          warmupIterations: options.quick ? 1 : 5,
          throws: true,
        });
        for (const t of tasks) bench.add(t.name, t.fn);
        await bench.run();
        for (const task of bench.tasks) {
          const r = task.result;
          if (r.state !== 'completed') throw new Error(`${suite.name} / ${task.name}: ${r.state}`);
          const spec = tasks.find((t) => t.name === task.name)!;
          const meanMs = r.latency.mean;
          results.push({
            suite: suite.name,
            task: task.name,
            opsPerSecond: Math.round(1000 / meanMs),
            meanMs: Number(meanMs.toPrecision(4)),
            p50Ms: Number(r.latency.p50.toPrecision(4)),
            p99Ms: Number(r.latency.p99.toPrecision(4)),
            rme: Number(r.latency.rme.toFixed(2)),
            samples: r.latency.samplesCount,
            ...(spec.bytes !== undefined ? { MBps: Math.round(spec.bytes / 1e3 / meanMs) } : {}),
          });
        }
      } finally {
        await cleanup?.();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

export function formatMicro(results: readonly MicroResult[]): string {
  const lines = [
    '| suite | task | ops/s | mean ms | p50 ms | p99 ms | ± % | MB/s |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.suite} | ${r.task} | ${r.opsPerSecond.toLocaleString('en-US')} | ${r.meanMs} | ${r.p50Ms} | ${r.p99Ms} | ${r.rme} | ${r.MBps?.toLocaleString('en-US') ?? '–'} |`,
    );
  }
  return lines.join('\n');
}

runCli(import.meta.url, USAGE, parseMicroArgs, async (options) => {
  const results = await runMicro(options);
  if (options.json) for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  else console.log(formatMicro(results));
});
