/**
 * The benchmark harness keeps working: `bench:export --quick --json` runs end to end (child processes, the
 * reference, the writer, the whole export into a file and as a stream) and reports the fields the README's table is made of; `bench --quick`
 * runs every micro suite. Timings are printed by the harness, never checked here: only the shape and the facts
 * that do not depend on the machine (message counts, byte counts that add up, part limits respected).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ChildResult } from '../src/child.js';
import { type EventLoopReport, latencyFigures } from '../src/event-loop.js';
import { parseArgs, parseModes } from '../src/export.js';
import type { BenchMode } from '../src/measure.js';
import type { MicroResult } from '../src/micro.js';
import { addScaling, buildReport, environment, type ModeFigures, type WorkloadReport } from '../src/report.js';

const src = (name: string) => fileURLToPath(new URL(`../src/${name}`, import.meta.url));
const NODE_ARGS = ['--conditions=source', '--import', 'tsx'];

function run(script: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...NODE_ARGS, src(script), ...args], { encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const positive = (x: unknown, what: string) =>
  assert.ok(typeof x === 'number' && Number.isFinite(x) && x > 0, `${what} = ${String(x)}`);

test('bench:export --quick --json: one JSON object per workload, with every figure', () => {
  const only = ['small-10k', 'pstforge', 'spamassassin-x10'];
  const r = run('export.ts', ['--quick', '--json', '--only', only.join(',')]);
  assert.equal(r.status, 0, r.stderr);
  const reports = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as WorkloadReport);
  assert.deepEqual(
    reports.map((x) => x.workload),
    only,
  );
  for (const rep of reports) {
    assert.equal(rep.quick, true);
    const fields = [
      'referenceMBps',
      ...(['writer', 'export', 'stream'] as const).flatMap(
        (m) => [`${m}MBps`, `${m}MessagesPerSecond`, `${m}Ratio`] as const,
      ),
      'peakRssMB',
      'firstByteSeconds',
    ] as const;
    for (const field of fields) positive(rep[field], `${rep.workload}.${field}`);
    assert.ok(Array.isArray(rep.partFill));
    assert.equal(typeof rep.environment.node, 'string');
    const {
      writer,
      export: exported,
      stream,
    } = rep as { writer: ModeFigures; export: ModeFigures; stream: ModeFigures };
    assert.ok(writer && exported && stream, `${rep.workload}: every mode ran by default`);
    for (const [name, mode] of [
      ['writer', writer],
      ['export', exported],
      ['stream', stream],
    ] as const) {
      // Every mode wrote every message, and its parts hold them all.
      assert.equal(mode.messages, rep.messages, `${rep.workload} ${name} messages`);
      assert.equal(
        mode.parts.reduce((n, p) => n + p.messages, 0),
        rep.messages,
      );
      for (const f of ['seconds', 'cpuSeconds', 'MBps', 'referenceMBps', 'ratio', 'bytes'] as const)
        positive(mode[f], `${rep.workload} ${name}.${f}`);
      positive(mode.peakRssMB, `${rep.workload} ${name}.peakRssMB`);
      assert.ok(mode.peakRssMB >= mode.setupRssMB);
    }
    assert.equal(rep.peakRssMB, Math.max(writer.peakRssMB, exported.peakRssMB, stream.peakRssMB));
    assert.equal(rep.exportRatio, exported.ratio);
    assert.equal(rep.streamRatio, stream.ratio);
    assert.equal(rep.streamMBps, stream.MBps);
    assert.equal(
      writer.parts.reduce((n, p) => n + p.bytes, 0),
      writer.bytes,
    );
    // The file and the stream are the same export: the same format, parts and bytes; only the stream has a first byte.
    assert.equal(exported.format, stream.format);
    assert.deepEqual(exported.parts, stream.parts);
    assert.equal(exported.bytes, stream.bytes);
    assert.equal(exported.firstByteSeconds, undefined);
    assert.equal(rep.firstByteSeconds, stream.firstByteSeconds);
    assert.ok(stream.firstByteSeconds! <= stream.seconds);
    for (const mode of [exported, stream])
      assert.equal(mode.scanned, rep.messages, 'the full-scan query matches every message');
    if (exported.format === 'pst')
      assert.equal(exported.bytes, exported.parts[0]!.bytes, 'a single PST is the result file');
  }
  const [small, forge, corpus] = reports as [WorkloadReport, WorkloadReport, WorkloadReport];
  // Small messages: one PST (no limit), renamed into place or streamed as is.
  assert.equal(small.messages, 200);
  assert.equal(small.export!.format, 'pst');
  assert.equal(small.export!.parts.length, 1);
  assert.deepEqual(small.partFill, []);
  // PSTForge, quick: 250 small + 5 × 1 MiB at a 2 MiB cap → several parts in a ZIP, each within the cap.
  assert.equal(forge.messages, 255);
  assert.equal(forge.export!.format, 'zip');
  assert.ok(forge.export!.parts.length > 1);
  assert.equal(forge.partFill.length, forge.export!.parts.length - 1);
  for (const f of forge.partFill) assert.ok(f > 0 && f <= 1, `fill ${f}`);
  for (const p of forge.writer!.parts) assert.ok(p.bytes <= forge.partLimitBytes!);
  assert.ok(
    forge.export!.bytes > forge.export!.parts.reduce((n, p) => n + p.bytes, 0),
    'a ZIP is larger than its entries',
  );
  // The corpus, quick: 40 files of each of the five groups, less the ones the writer rejects (named in the notes).
  const left = corpus.notes.map((n) => /^(\d+) corpus messages left out/.exec(n)).find((m) => m !== null);
  assert.equal(corpus.messages + Number(left?.[1] ?? 0), 200);
});

test('bench:export rejects an unknown workload and an unknown flag, naming them', () => {
  assert.throws(() => parseArgs(['--only', 'nope']), /workload must be one of .*got "nope"/);
  assert.throws(() => parseArgs(['--fast']), /unknown argument "--fast"/);
  assert.throws(
    () => parseArgs(['--mode', 'all']),
    /--mode must be both, writer, export, stream or a comma list of them, got "all"/,
  );
  assert.throws(() => parseArgs(['--mode', 'writer,']), /got "writer,"/);
  assert.deepEqual(parseModes('both'), ['writer', 'export', 'stream']);
  assert.deepEqual(parseModes('stream'), ['stream']);
  // A comma list runs in the usual order, each mode once.
  assert.deepEqual(parseModes('stream,writer,stream'), ['writer', 'stream']);
  assert.deepEqual((parseArgs([]) as { modes: readonly string[] }).modes, ['writer', 'export', 'stream']);
  assert.deepEqual(parseArgs(['--quick', '--json', '--mode', 'writer']), {
    json: true,
    quick: true,
    only: null,
    modes: ['writer'],
    tmp: (parseArgs([]) as { tmp: string }).tmp,
    cpuProfDir: null,
    repeat: 1,
  });
  assert.throws(() => parseArgs(['--repeat', '0']), /--repeat must be an integer from 1 to 99, got "0"/);
});

/** A child's result with made-up figures (the report's arithmetic is checked, not a machine). */
function child(mode: BenchMode, messages: number, seconds: number, peakRssMB: number): ChildResult {
  return {
    workload: 'w',
    quick: true,
    measurement: {
      mode,
      messages,
      bytes: 4e6,
      seconds,
      cpuSeconds: seconds,
      referenceSeconds: 0.5,
      parts: [{ bytes: 4e6, messages }],
      ...(mode === 'writer' ? {} : { format: 'pst', scanned: messages, matched: messages }),
      ...(mode === 'stream' ? { firstByteSeconds: seconds / 4 } : {}),
    },
    payloadBytes: 3e6,
    distinctRecords: 10,
    setupSeconds: 0.1,
    notes: [],
    setupRssMB: 50,
    peakRssMB,
  };
}

test('a report: each mode its own figures, the first byte from the stream, the peak RSS over the children that ran', () => {
  const env = environment();
  const w = { name: 'w', description: 'd' };
  const all = buildReport(
    w,
    true,
    1,
    undefined,
    { writer: child('writer', 100, 1, 80), export: child('export', 100, 2, 90), stream: child('stream', 100, 4, 70) },
    env,
  );
  assert.deepEqual([all.writerMBps, all.exportMBps, all.streamMBps], [4, 2, 1]);
  assert.deepEqual([all.writerRatio, all.exportRatio, all.streamRatio], [0.5, 0.25, 0.125]);
  assert.equal(all.firstByteSeconds, 1);
  assert.equal(all.peakRssMB, 90);
  const noStream = buildReport(
    w,
    true,
    1,
    undefined,
    { writer: child('writer', 100, 1, 80), export: child('export', 100, 2, 90) },
    env,
  );
  assert.equal(noStream.stream, null);
  assert.equal(noStream.streamRatio, null);
  assert.equal(noStream.firstByteSeconds, null);
  const streamOnly = buildReport(w, true, 1, undefined, { stream: child('stream', 100, 4, 70) }, env);
  assert.deepEqual(
    [streamOnly.writer, streamOnly.export, streamOnly.messages, streamOnly.peakRssMB, streamOnly.referenceMBps],
    [null, null, 100, 70, 8],
  );
  // Ten times the messages in 20 times the seconds: a scaling of 2 for every mode that ran in both.
  const large = buildReport(
    w,
    true,
    1,
    undefined,
    { writer: child('writer', 1000, 20, 80), stream: child('stream', 1000, 80, 70) },
    env,
  );
  addScaling(large, all);
  assert.deepEqual(large.scaling, { versus: 'w', writer: 2, export: null, stream: 2 });
});

test('bench --quick --json: every micro suite runs and reports rates', () => {
  const r = run('micro.ts', ['--quick', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const results = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MicroResult);
  assert.deepEqual([...new Set(results.map((x) => x.suite))], ['ndb', 'ltp', 'message', 'keywords', 'zip']);
  for (const x of results) {
    positive(x.opsPerSecond, `${x.task} ops/s`);
    positive(x.samples, `${x.task} samples`);
  }
  assert.ok(results.filter((x) => x.MBps !== undefined).length >= 5);
});

test('event-loop --quick --json: the server streams the export while cheap requests are answered', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'pstream-event-loop-test-'));
  try {
    const r = run('event-loop.ts', ['--quick', '--json', '--mailbox-dir', join(dir, 'mailbox'), '--tmp', dir]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim()) as EventLoopReport;
    assert.equal(report.messages, 200);
    positive(report.exportBytes, 'exportBytes');
    const figures = [report.idle, report.busy, report.referenceIdle, report.referenceBusy];
    for (const f of figures) assert.ok(f.count >= 1 && f.p50 <= f.p99 && f.p99 <= f.max, JSON.stringify(report));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('latencyFigures: nearest-rank percentiles', () => {
  const times = Array.from({ length: 200 }, (_, i) => i + 1);
  assert.deepEqual(latencyFigures(times), { count: 200, p50: 100, p99: 198, max: 200 });
  assert.deepEqual(latencyFigures([3]), { count: 1, p50: 3, p99: 3, max: 3 });
});
