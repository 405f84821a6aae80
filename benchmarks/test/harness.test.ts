/**
 * The benchmark harness keeps working: `bench:export --quick --json` runs end to end (child processes, the
 * reference, the writer, the whole export) and reports the fields the README's table is made of; `bench --quick`
 * runs every micro suite. Timings are printed by the harness, never checked here: only the shape and the facts
 * that do not depend on the machine (message counts, byte counts that add up, part limits respected).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkloadReport } from '../src/report.js';
import type { MicroResult } from '../src/micro.js';
import { parseArgs } from '../src/export.js';

const src = (name: string) => fileURLToPath(new URL(`../src/${name}`, import.meta.url));
const NODE_ARGS = ['--conditions=source', '--import', 'tsx'];

function run(script: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...NODE_ARGS, src(script), ...args], { encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const positive = (x: unknown, what: string) => assert.ok(typeof x === 'number' && Number.isFinite(x) && x > 0, `${what} = ${String(x)}`);

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
    for (const field of ['referenceMBps', 'writerMBps', 'exportMBps', 'writerMessagesPerSecond', 'exportMessagesPerSecond', 'writerRatio', 'exportRatio', 'peakRssMB', 'firstByteSeconds'] as const) {
      positive(rep[field], `${rep.workload}.${field}`);
    }
    assert.ok(Array.isArray(rep.partFill));
    assert.equal(typeof rep.environment.node, 'string');
    for (const mode of [rep.writer!, rep.export!]) {
      // The parts add up to what was written, and hold every message.
      assert.equal(mode.messages, rep.messages);
      assert.equal(
        mode.parts.reduce((n, p) => n + p.messages, 0),
        rep.messages,
      );
      positive(mode.peakRssMB, `${rep.workload} peakRssMB`);
      assert.ok(mode.peakRssMB >= mode.setupRssMB);
    }
    assert.equal(
      rep.writer!.parts.reduce((n, p) => n + p.bytes, 0),
      rep.writer!.bytes,
    );
    assert.ok(rep.export!.firstByteSeconds! <= rep.export!.seconds);
    assert.equal(rep.export!.scanned, rep.messages, 'the full-scan query matches every message');
  }
  const [small, forge, corpus] = reports as [WorkloadReport, WorkloadReport, WorkloadReport];
  // Small messages: one PST (no limit), streamed as is.
  assert.equal(small.messages, 200);
  assert.equal(small.export!.format, 'pst');
  assert.deepEqual(small.partFill, []);
  // PSTForge, quick: 250 small + 5 × 1 MiB at a 2 MiB cap → several parts in a ZIP, each within the cap.
  assert.equal(forge.messages, 255);
  assert.equal(forge.export!.format, 'zip');
  assert.ok(forge.export!.parts.length > 1);
  assert.equal(forge.partFill.length, forge.export!.parts.length - 1);
  for (const f of forge.partFill) assert.ok(f > 0 && f <= 1, `fill ${f}`);
  for (const p of forge.writer!.parts) assert.ok(p.bytes <= forge.partLimitBytes!);
  assert.ok(forge.export!.bytes > forge.export!.parts.reduce((n, p) => n + p.bytes, 0), 'a ZIP is larger than its entries');
  // The corpus, quick: 40 files of each of the five groups, less the ones the writer rejects (named in the notes).
  const left = corpus.notes.map((n) => /^(\d+) corpus messages left out/.exec(n)).find((m) => m !== null);
  assert.equal(corpus.messages + Number(left?.[1] ?? 0), 200);
});

test('bench:export rejects an unknown workload and an unknown flag, naming them', () => {
  assert.throws(() => parseArgs(['--only', 'nope']), /workload must be one of .*got "nope"/);
  assert.throws(() => parseArgs(['--fast']), /unknown argument "--fast"/);
  assert.throws(() => parseArgs(['--mode', 'all']), /--mode must be both, writer or export, got "all"/);
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
