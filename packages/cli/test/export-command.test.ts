import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PstreamDeps } from '../src/deps.js';
import { main } from '../src/main.js';
import { expectedBytes, fakeExporter, fakeSources } from './helpers/fake-deps.js';
import { MemoryStream, memoryIO } from './helpers/memory-io.js';

const GIB = 2 ** 30;

async function workspace(): Promise<{ dir: string; mbox: string; emlDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-cli-export-'));
  const mbox = join(dir, 'alice.mbox');
  await writeFile(mbox, 'From x\n\n');
  const emlDir = join(dir, 'bob');
  await mkdir(emlDir);
  return { dir, mbox, emlDir };
}

async function setup(settings: Parameters<typeof fakeExporter>[0] = {}) {
  const ws = await workspace();
  const exporter = fakeExporter(settings);
  const sources = fakeSources();
  const deps: Partial<PstreamDeps> = {
    exportToPst: exporter.exportToPst,
    exportToPstFile: exporter.exportToPstFile,
    openSource: sources.openSource,
  };
  return { ...ws, exporter, sources, deps };
}

test('writes the file with the extension set by the result and prints the final path', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const io = memoryIO({ cwd: s.dir });
  const status = await main(
    ['export', '--source', 'alice.mbox', '--source', s.emlDir, '--limit', '2GB', '--out', 'result.pst'],
    io,
    s.deps,
  );
  assert.equal(status, 0, io.stderr.text);
  const file = join(s.dir, 'result.zip');
  assert.equal(io.stdout.text, `${file}\n`);
  assert.deepEqual(await readFile(file), expectedBytes('result', 4, 64 * 1024));
  assert.deepEqual(s.sources.opened, [s.mbox, s.emlDir]);
  assert.deepEqual(s.sources.closed.sort(), [s.mbox, s.emlDir].sort());
  const options = s.exporter.calls[0]!.options;
  assert.equal(options.limitBytes, 2 * GIB);
  assert.equal(options.name, 'result');
  assert.equal(options.sources.length, 2);
  assert.deepEqual((await readdir(s.dir)).sort(), ['alice.mbox', 'bob', 'result.zip']);
});

test('without --out the file is named after the first source in the current directory', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const io = memoryIO({ cwd: s.dir });
  assert.equal(await main(['export', '--source', s.mbox], io, s.deps), 0, io.stderr.text);
  assert.equal(io.stdout.text, `${join(s.dir, 'alice.pst')}\n`);
  assert.equal(s.exporter.calls[0]!.options.limitBytes, undefined);
});

test('--json prints one line with the summary; limits go through the REST clamp', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const io = memoryIO({ cwd: s.dir });
  const status = await main(
    [
      'export',
      '--source',
      s.mbox,
      '--limit',
      '10MB',
      '--keywords',
      'support OR invoice',
      '--max-part-bytes',
      '1MiB',
      '--out',
      join(s.dir, 'x'),
      '--json',
    ],
    io,
    s.deps,
  );
  assert.equal(status, 0, io.stderr.text);
  const lines = io.stdout.text.trim().split('\n');
  assert.equal(lines.length, 1);
  const report = JSON.parse(lines[0]!);
  assert.deepEqual(Object.keys(report).sort(), [
    'bytes',
    'damaged',
    'file',
    'format',
    'matched',
    'parts',
    'scanned',
    'skipped',
    'warnings',
  ]);
  assert.equal(report.format, 'zip');
  assert.equal(report.file, join(s.dir, 'x.zip'));
  assert.equal(report.bytes, 4 * 64 * 1024);
  assert.deepEqual(report.parts, [{ name: 'x-001.pst', bytes: 4 * 64 * 1024, messages: 20 }]);
  assert.equal(report.scanned, 40);
  assert.equal(report.matched, 20);
  assert.equal(report.damaged, 0);
  assert.equal(report.skipped, 0);
  // 10 MiB is below the REST minimum: clamped to 1 GiB, with the warning naming the option.
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0].message, /--limit 10485760 is below the minimum of 1 GiB/);
  assert.deepEqual(
    [report.warnings[0].code, report.warnings[0].field, report.warnings[0].requested],
    ['limit-clamped', '--limit', 10485760],
  );
  const options = s.exporter.calls[0]!.options;
  assert.equal(options.limitBytes, GIB);
  assert.equal(options.maxPartBytes, 2 ** 20);
  assert.equal(options.keywords, 'support OR invoice');
  assert.equal(options.onDamaged, 'keep', 'damaged items are kept by default');
  assert.equal(io.stderr.text, '');
});

test('--on-damaged skip|stop reaches the export', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  for (const policy of ['skip', 'stop']) {
    assert.equal(
      await main(
        ['export', '--source', s.mbox, '--on-damaged', policy, '--out', join(s.dir, policy)],
        memoryIO({ cwd: s.dir }),
        s.deps,
      ),
      0,
    );
  }
  assert.deepEqual(
    s.exporter.calls.map((c) => c.options.onDamaged),
    ['skip', 'stop'],
  );
});

test('a limit over 49 GiB is clamped to 49 GiB; --no-limit sets none', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  assert.equal(
    await main(['export', '--source', s.mbox, '--limit', '100GiB', '--out', join(s.dir, 'a')], memoryIO(), s.deps),
    0,
  );
  assert.equal(s.exporter.calls[0]!.options.limitBytes, 49 * GIB);
  assert.equal(
    await main(['export', '--source', s.mbox, '--no-limit', '--out', join(s.dir, 'b')], memoryIO(), s.deps),
    0,
  );
  assert.equal(s.exporter.calls[1]!.options.limitBytes, undefined);
});

test('--out - writes the octet-stream to standard output and the JSON line to standard error', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const io = memoryIO({ cwd: s.dir });
  assert.equal(await main(['export', '--source', s.mbox, '--out', '-', '--json'], io, s.deps), 0);
  assert.deepEqual(io.stdout.buffer, expectedBytes('alice', 4, 64 * 1024));
  const report = JSON.parse(io.stderr.text);
  assert.equal(report.file, '-');
  assert.equal(report.format, 'pst');
  assert.deepEqual(await readdir(s.dir), ['alice.mbox', 'bob']);
});

test('--request reads a REST body instead of the flags', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const request = join(s.dir, 'body.json');
  await writeFile(
    request,
    JSON.stringify({
      exportToPst: { contentKeywords: 'support', EnablePstSizeLimit: 'true', PstSizeLimitBytes: 1073741824 },
    }),
  );
  assert.equal(
    await main(['export', '--source', s.mbox, '--request', request, '--out', join(s.dir, 'r')], memoryIO(), s.deps),
    0,
  );
  const options = s.exporter.calls[0]!.options;
  assert.equal(options.keywords, 'support');
  assert.equal(options.limitBytes, GIB);
  await writeFile(request, JSON.stringify({ contentKeyword: 'x', enablePstSizeLimit: false }));
  assert.equal(
    await main(['export', '--source', s.mbox, '--request', request, '--out', join(s.dir, 'r2')], memoryIO(), s.deps),
    0,
  );
  assert.equal(s.exporter.calls[1]!.options.keywords, 'x');
  assert.equal(s.exporter.calls[1]!.options.limitBytes, undefined);
});

test('a failure mid-stream exits 1 and leaves no file behind', async (t) => {
  const s = await setup({ failAfter: 2 });
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const io = memoryIO({ cwd: s.dir });
  assert.equal(await main(['export', '--source', s.mbox, '--out', join(s.dir, 'broken.pst')], io, s.deps), 1);
  assert.equal(io.stderr.text, 'pstream export: fake export failure\n');
  assert.deepEqual((await readdir(s.dir)).sort(), ['alice.mbox', 'bob']);
  assert.deepEqual(s.sources.closed, [s.mbox]);
});

test('an interrupt aborts the export and leaves no file behind', async (t) => {
  const s = await setup({ gated: true });
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const controller = new AbortController();
  const io = memoryIO({ cwd: s.dir, signal: controller.signal });
  const run = main(['export', '--source', s.mbox, '--out', join(s.dir, 'cut.pst')], io, s.deps);
  while (s.exporter.calls.length === 0) await new Promise((r) => setImmediate(r));
  await s.exporter.calls[0]!.firstChunk;
  controller.abort(new Error('received SIGINT'));
  assert.equal(await run, 1);
  assert.equal(s.exporter.calls[0]!.wasAborted(), true);
  assert.deepEqual((await readdir(s.dir)).sort(), ['alice.mbox', 'bob']);
});

test('progress is drawn on a terminal and not otherwise', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const tty = memoryIO({ cwd: s.dir, stderrIsTTY: true });
  assert.equal(await main(['export', '--source', s.mbox, '--out', join(s.dir, 'p1')], tty, s.deps), 0);
  assert.match(tty.stderr.text, /scanned 10, matched 5 \| 0 B written \| part 1/);
  assert.ok(tty.stderr.text.endsWith('\r\x1b[K'), 'the progress line is erased at the end');
  const pipe = memoryIO({ cwd: s.dir });
  assert.equal(await main(['export', '--source', s.mbox, '--out', join(s.dir, 'p2')], pipe, s.deps), 0);
  assert.equal(pipe.stderr.text, '');
});

test('usage mistakes exit 2 with one line naming the option and value, never a stack trace', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const badRequest = join(s.dir, 'bad.json');
  await writeFile(badRequest, JSON.stringify({ exportToPst: { PstSizeLimitBytes: 'lots' } }));
  const restore = join(s.dir, 'restore.json');
  await writeFile(restore, JSON.stringify({ restoreTo: { mailbox: 'x' } }));
  const cases: [string[], RegExp][] = [
    [[], /a command is required/],
    [['exprot'], /unknown command "exprot"/],
    [['export'], /option --source is required/],
    [['export', '--source'], /option --source needs a value/],
    [['export', '--source', s.mbox, '--bogus'], /unknown option --bogus/],
    [['export', '--source', s.mbox, '--out', 'a', '--out', 'b'], /--out is given more than once \("a" and "b"\)/],
    [['export', '--source', s.mbox, '--limit', '5XB'], /--limit: not a size: "5XB"/],
    [['export', '--source', s.mbox, '--limit', '2GB', '--no-limit'], /--limit and --no-limit cannot be used together/],
    [
      ['export', '--source', s.mbox, '--request', badRequest, '--keywords', 'x'],
      /--keywords cannot be used with --request/,
    ],
    [['export', '--source', join(s.dir, 'missing.mbox')], /--source: no such file or directory: ".*missing\.mbox"/],
    [
      ['export', '--source', s.mbox, '--request', join(s.dir, 'nope.json')],
      /--request: cannot read ".*nope\.json" \(ENOENT\)/,
    ],
    [['export', '--source', s.mbox, '--request', badRequest], /PstSizeLimitBytes.*"lots"/],
    [['export', '--source', s.mbox, '--request', restore], /restoreTo.*not supported/],
    [
      ['export', '--source', s.mbox, '--out', join(s.mbox, 'x.pst')],
      /--out: cannot create the directory ".*alice\.mbox"/,
    ],
    [['export', '--source', s.mbox, '--max-part-bytes', 'many'], /--max-part-bytes: not a size: "many"/],
    [['export', '--source', s.mbox, '--on-damaged', 'drop'], /--on-damaged: must be keep, skip or stop, got "drop"/],
    [['export', '--source', s.mbox, 'stray'], /unexpected argument "stray"/],
    [['check'], /a FILE is required/],
    [['check', join(s.dir, 'missing.pst')], /no such file: ".*missing\.pst"/],
    [['serve', '--data', s.dir], /a token is required: --token T or PSTREAM_TOKEN/],
    [['serve', '--token', 't'], /option --data is required/],
    [['serve', '--data', s.dir, '--token', 't', '--port', '99999'], /--port: not a port number: "99999"/],
    [['serve', '--data', s.dir, '--token', 't', '--tls-cert', 'c.pem'], /--tls-cert and --tls-key go together/],
  ];
  for (const [argv, pattern] of cases) {
    const io = memoryIO({ cwd: s.dir });
    const status = await main(argv, io, s.deps);
    assert.equal(status, 2, `${argv.join(' ')}: ${io.stderr.text}`);
    assert.match(io.stderr.text, pattern, argv.join(' '));
    assert.doesNotMatch(io.stderr.text, /\n\s+at /, `no stack trace for ${argv.join(' ')}`);
    assert.equal(io.stdout.text, '');
  }
  assert.equal(s.exporter.calls.length, 0);
});

test('a source that is no mailbox (real openSource) is a usage error naming it', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  await writeFile(join(s.dir, 'notes.txt'), 'just some notes\n');
  const io = memoryIO({ cwd: s.dir });
  const status = await main(['export', '--source', 'notes.txt'], io, {
    exportToPst: s.exporter.exportToPst,
    exportToPstFile: s.exporter.exportToPstFile,
  });
  assert.equal(status, 2, io.stderr.text);
  assert.match(io.stderr.text, /^pstream export: --source: .*notes\.txt: unknown kind of mailbox/);
  assert.equal(s.exporter.calls.length, 0);
});

test('--out - refuses to write binary data to a terminal', async (t) => {
  const s = await setup();
  t.after(() => rm(s.dir, { recursive: true, force: true }));
  const io = { ...memoryIO({ cwd: s.dir }), stdout: new MemoryStream(true) };
  assert.equal(await main(['export', '--source', s.mbox, '--out', '-'], io, s.deps), 2);
  assert.match(io.stderr.text, /--out -: standard output is a terminal/);
  assert.equal(io.stdout.text, '');
});
