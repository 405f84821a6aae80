/**
 * `pstream export` and `pstream check` against the real pipeline, sources and checker, on the demo mailbox;
 * what they write is read back by our checker, by `unzip -t` and by pst-extractor.
 */

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkPst } from '@pstream/pst';
import { requireTool } from '../../pst/test/support/oracles.js';
import { main } from '../src/main.js';
import { memoryIO } from './helpers/memory-io.js';
import {
  ANSI_PST,
  DEMO_MAILBOX,
  demoExpectations,
  MBOX,
  PSTREAM_NODE_ARGS,
  readMessages,
  runCli,
  tempDir,
  unzipEntry,
  unzipTest,
  zipEntries,
} from './helpers/real-data.js';

interface Report {
  format: 'pst' | 'zip';
  file: string;
  bytes: number;
  parts: { name: string; bytes: number; messages: number }[];
  scanned: number;
  matched: number;
  skipped: number;
  warnings: { code: string; message: string }[];
}

/** Offset of the root NBT page's BREF in a Unicode PST header (ROOT at 0xB4, then 44 bytes in). */
const NBT_ROOT_OFFSET = 0xb4 + 44;

/** Overwrites 64 bytes inside the root NBT page of the PST starting at `start` of `bytes` (its CRC no longer matches). */
function damageNbtRoot(bytes: Buffer, start: number): void {
  const page = start + Number(bytes.readBigUInt64LE(start + NBT_ROOT_OFFSET));
  bytes.fill(0xa5, page + 16, page + 80);
}

function onlyLine(text: string): Report {
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 1, text);
  return JSON.parse(lines[0]!) as Report;
}

test('the demo mailbox filtered by "support" becomes one PST that our checker and pst-extractor read back', async (t) => {
  const dir = await tempDir(t);
  const io = memoryIO({ cwd: dir });
  const status = await main(
    ['export', '--source', DEMO_MAILBOX, '--keywords', 'support', '--out', join(dir, 'demo'), '--json'],
    io,
  );
  assert.equal(status, 0, io.stderr.text);
  assert.equal(io.stderr.text, '');
  const report = onlyLine(io.stdout.text);
  const expected = await demoExpectations();
  assert.equal(report.format, 'pst');
  assert.equal(report.file, join(dir, 'demo.pst'));
  assert.equal(report.scanned, expected.messages);
  assert.equal(report.skipped, 0);
  assert.deepEqual(report.warnings, []);
  assert.equal(report.bytes, (await stat(report.file)).size);
  assert.deepEqual(report.parts, [{ name: 'demo.pst', bytes: report.bytes, messages: report.matched }]);
  assert.deepEqual(await readdir(dir), ['demo.pst'], 'no partial file is left beside the result');

  const checked = await checkPst(report.file, { strict: true });
  assert.deepEqual(checked.errors, []);
  assert.equal(checked.complete, true);

  const messages = await readMessages(report.file);
  assert.equal(messages.length, report.matched);
  // Every message the fixture says contains the keyword is there (the filter may take more: see the report).
  const exported = new Set(messages.map((m) => m.messageId));
  for (const id of expected.matchedIds) assert.ok(exported.has(id), `${id} is in the export`);
});

test('--encryption none writes a PST with bCryptMethod 0 holding the same messages', async (t) => {
  const dir = await tempDir(t);
  const io = memoryIO({ cwd: dir });
  const status = await main(
    [
      'export',
      '--source',
      DEMO_MAILBOX,
      '--keywords',
      'support',
      '--encryption',
      'none',
      '--out',
      join(dir, 'plain'),
      '--json',
    ],
    io,
  );
  assert.equal(status, 0, io.stderr.text);
  const report = onlyLine(io.stdout.text);
  const header = Buffer.alloc(1);
  const file = await open(report.file);
  await file.read(header, 0, 1, 0x201).finally(() => file.close());
  assert.equal(header[0], 0x00, 'bCryptMethod');
  const checked = await checkPst(report.file, { strict: true });
  assert.deepEqual(checked.errors, []);
  const expected = await demoExpectations();
  const exported = new Set((await readMessages(report.file)).map((m) => m.messageId));
  assert.equal(exported.size, report.matched);
  for (const id of expected.matchedIds) assert.ok(exported.has(id), `${id} is in the export`);
});

test("--parse-threads 0 (the export's own thread) and 2 export the same messages", async (t) => {
  const dir = await tempDir(t);
  const exported = async (threads: string) => {
    const io = memoryIO({ cwd: dir });
    const out = join(dir, `threads-${threads}`);
    const status = await main(
      ['export', '--source', DEMO_MAILBOX, '--keywords', 'support', '--parse-threads', threads, '--out', out, '--json'],
      io,
    );
    assert.equal(status, 0, io.stderr.text);
    const report = onlyLine(io.stdout.text);
    const messages = await readMessages(report.file);
    return { matched: report.matched, messages: messages.map((m) => `${m.folder} ${m.messageId}`).sort() };
  };
  const here = await exported('0');
  const threads = await exported('2');
  assert.ok(here.matched > 0);
  assert.deepEqual(threads, here);
});

test('a small --max-part-bytes gives a ZIP of several PSTs, each complete and clean', async (t) => {
  if (!(await requireTool(t, 'unzip', 'unzip'))) return;
  const dir = await tempDir(t);
  const io = memoryIO({ cwd: dir });
  const status = await main(
    [
      'export',
      '--source',
      DEMO_MAILBOX,
      '--keywords',
      'support',
      '--max-part-bytes',
      '600000',
      '--out',
      join(dir, 'demo.pst'),
      '--json',
    ],
    io,
  );
  assert.equal(status, 0, io.stderr.text);
  const report = onlyLine(io.stdout.text);
  assert.equal(report.format, 'zip');
  assert.equal(report.file, join(dir, 'demo.zip'), 'the extension follows the result');
  assert.ok(report.parts.length >= 2, `${report.parts.length} parts`);
  assert.deepEqual(
    report.parts.map((p) => p.name),
    report.parts.map((_, i) => `demo-${String(i + 1).padStart(3, '0')}.pst`),
  );
  assert.equal(
    report.parts.reduce((n, p) => n + p.messages, 0),
    report.matched,
  );
  for (const part of report.parts) assert.ok(part.bytes <= 600000, `${part.name}: ${part.bytes} bytes`);
  assert.equal(report.bytes, (await stat(report.file)).size);

  const tested = await unzipTest(report.file);
  assert.ok(tested.ok, tested.output);
  assert.deepEqual(
    await zipEntries(report.file),
    report.parts.map((p) => p.name),
  );
  let read = 0;
  for (const part of report.parts) {
    const extracted = join(dir, part.name);
    await unzipEntry(report.file, part.name, extracted);
    assert.equal((await stat(extracted)).size, part.bytes);
    const checked = await checkPst(extracted, { strict: true });
    assert.deepEqual(checked.errors, [], part.name);
    const messages = await readMessages(extracted);
    assert.equal(messages.length, part.messages, part.name);
    read += messages.length;
  }
  assert.equal(read, report.matched);

  // `pstream check` on the ZIP checks every part.
  const checkIO = memoryIO({ cwd: dir });
  assert.equal(await main(['check', report.file, '--strict'], checkIO), 0, checkIO.stdout.text);
  assert.match(checkIO.stdout.text, new RegExp(`${report.parts.length} parts checked, all ok`));
});

test('--out - streams the PST to standard output and the JSON line to standard error', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bob.mbox'), MBOX);
  const run = await runCli(['export', '--source', 'bob.mbox', '--keywords', 'invoice', '--out', '-', '--json'], dir);
  assert.equal(run.status, 0, run.stderr);
  const report = onlyLine(run.stderr);
  assert.equal(report.file, '-');
  assert.equal(report.format, 'pst');
  assert.equal(report.scanned, 3);
  assert.equal(report.matched, 2);
  assert.equal(report.bytes, run.stdout.length);
  assert.equal(run.stdout.subarray(0, 4).toString('latin1'), '!BDN');
  assert.deepEqual(await readdir(dir), ['bob.mbox'], 'nothing is written to the current directory');
  const pst = join(dir, 'from-stdout.pst');
  await writeFile(pst, run.stdout);
  assert.deepEqual((await checkPst(pst, { strict: true })).errors, []);
  assert.deepEqual((await readMessages(pst)).map((m) => m.messageId).sort(), ['<1@example.com>', '<3@example.com>']);
});

test('without --json the final path is printed; a run with no match still writes a valid, empty PST', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bob.mbox'), MBOX);
  const run = await runCli(['export', '--source', 'bob.mbox', '--keywords', 'zebra'], dir);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.toString(), `${join(dir, 'bob.pst')}\n`);
  assert.equal(run.stderr, '');
  assert.deepEqual(await readMessages(join(dir, 'bob.pst')), []);
  assert.deepEqual((await checkPst(join(dir, 'bob.pst'), { strict: true })).errors, []);
  // --out in directories that do not exist yet (`--out out/demo` in a fresh checkout).
  const io = memoryIO({ cwd: dir });
  assert.equal(
    await main(['export', '--source', 'bob.mbox', '--out', join('out', 'new', 'demo')], io),
    0,
    io.stderr.text,
  );
  assert.equal(io.stdout.text, `${join(dir, 'out', 'new', 'demo.pst')}\n`);
  assert.deepEqual(await readdir(join(dir, 'out', 'new')), ['demo.pst']);
});

test('exit status 2 and one line without a stack trace for every user mistake, against the real pipeline', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bob.mbox'), MBOX);
  await writeFile(join(dir, 'notes.txt'), 'just some notes\n');
  await writeFile(
    join(dir, 'fake.pst'),
    'not a PST at all, only text that is long enough to hold a header of 512 bytes'.repeat(10),
  );
  await writeFile(join(dir, 'bad-query.json'), JSON.stringify({ exportToPst: { contentKeywords: 'support AND (' } }));
  await writeFile(join(dir, 'not-json.json'), '{"exportToPst": ');
  await writeFile(join(dir, 'send.json'), JSON.stringify({ sendToDifferentAddress: { to: 'x@example.com' } }));
  const cases: [string[], RegExp][] = [
    [
      ['export', '--source', 'bob.mbox', '--keywords', 'support AND ('],
      /^pstream export: --keywords: .* at position \d+ of "support AND \("$/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--keywords', '"unclosed phrase'],
      /^pstream export: --keywords: .*"\\"unclosed phrase"$/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--keywords', 'received:notadate'],
      /^pstream export: --keywords: .*received:notadate/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--request', 'bad-query.json'],
      /^pstream export: --request bad-query\.json: contentKeywords: .* at position \d+/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--request', 'not-json.json'],
      /^pstream export: --request not-json\.json: the request body is not JSON/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--request', 'send.json'],
      /^pstream export: --request send\.json: .*sendToDifferentAddress.*not supported/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--limit', '0'],
      /^pstream export: --limit: size must be at least 1 byte: "0"$/,
    ],
    [['export', '--source', 'bob.mbox', '--limit', '-5'], /^pstream export: --limit: not a size: "-5"/],
    [['export', '--source', 'bob.mbox', '--limit', '1e9'], /^pstream export: --limit: not a size: "1e9"/],
    [
      ['export', '--source', 'bob.mbox', '--max-part-bytes', '1000'],
      /^pstream export: --max-part-bytes: .*below \d+ bytes, the size of an empty PST$/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--max-part-bytes', '0'],
      /^pstream export: --max-part-bytes: size must be at least 1 byte/,
    ],
    [['export', '--source', ANSI_PST], /^pstream export: --source: .*pstsdk_test_ansi\.pst: .*ANSI/i],
    [['export', '--source', 'notes.txt'], /^pstream export: --source: .*notes\.txt: unknown kind of mailbox/],
    [['export', '--source', 'fake.pst'], /^pstream export: --source: .*fake\.pst: /],
    [['export', '--source', 'missing.mbox'], /^pstream export: --source: no such file or directory: "missing\.mbox"$/],
    [
      ['export', '--source', 'bob.mbox', '--out', 'bob.mbox/x.pst'],
      /^pstream export: --out: cannot create the directory "bob\.mbox" \((EEXIST|ENOTDIR)\)$/,
    ],
    [['export', '--source', 'bob.mbox', '--out', ''], /^pstream export: --out: empty path$/],
    [
      ['export', '--source', 'bob.mbox', '--tmp-dir', 'nowhere'],
      /^pstream export: --tmp-dir: not a directory: "nowhere"$/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--encryption', 'cyclic'],
      /^pstream export: --encryption: must be permute or none, got "cyclic"$/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--parse-threads', 'many'],
      /^pstream export: --parse-threads: not a whole number of threads from 0 to 999: "many"$/,
    ],
    [['export', '--source', 'bob.mbox', '--json=yes'], /^pstream export: option --json takes no value \(got "yes"\)$/],
    [
      ['export', '--source', 'bob.mbox', '--no-limit', '--limit', '1GB'],
      /--limit and --no-limit cannot be used together/,
    ],
    [
      ['export', '--source', 'bob.mbox', '--request', 'bad-query.json', '--no-limit'],
      /--no-limit cannot be used with --request/,
    ],
    [['export', '-s', 'bob.mbox'], /^pstream export: unknown option -s \(options are spelled --name\)$/],
    [['check', 'bob.mbox', 'notes.txt'], /^pstream check: one FILE only \(got 2\)/],
    [['check', 'missing.pst'], /^pstream check: no such file: "missing\.pst"$/],
    [['check', '.'], /^pstream check: no such file: "\."$/],
    [['check', 'bob.mbox', '--tmp-dir'], /^pstream check: option --tmp-dir needs a value/],
    [['serve', '--data', '.', '--token', 't', '--port', 'http'], /^pstream serve: --port: not a port number: "http"$/],
    [
      ['serve', '--data', '.', '--token', 't', '--grace', 'soon'],
      /^pstream serve: --grace: not a number of seconds: "soon"$/,
    ],
    [
      ['serve', '--data', '.', '--token', 't', '--max-part-bytes', '1000'],
      /^pstream serve: --max-part-bytes: .*below \d+ bytes, the size of an empty PST$/,
    ],
    [['serve', '--data', 'bob.mbox', '--token', 't'], /^pstream serve: --data: not a directory: "bob\.mbox"$/],
    [['serve', '--data', '.', '--token', ''], /^pstream serve: a token is required/],
    [
      ['serve', '--data', '.', '--token', 't', '--tls-cert', 'c.pem', '--tls-key', 'k.pem'],
      /^pstream serve: --tls-cert: cannot read "c\.pem" \(ENOENT\)$/,
    ],
    [
      ['serve', '--data', '.', '--token', 't', '--tmp-dir', 'nowhere'],
      /^pstream serve: --tmp-dir: not a directory: "nowhere"$/,
    ],
    [
      ['serve', '--data', '.', '--token', 't', '--host', 'no.such.host.invalid'],
      /^pstream serve: cannot listen on no\.such\.host\.invalid:4443 \((ENOTFOUND|EAI_AGAIN)\)$/,
    ],
  ];
  for (const [argv, pattern] of cases) {
    const label = argv.join(' ');
    const io = memoryIO({ cwd: dir });
    assert.equal(await main(argv, io), 2, `${label}: ${io.stderr.text}`);
    assert.match(io.stderr.text.trimEnd().split('\n')[0]!, pattern, label);
    assert.doesNotMatch(io.stderr.text, /\n\s+at |Error:/, `no stack trace for ${label}: ${io.stderr.text}`);
    assert.equal(io.stdout.text, '', label);
  }
  // The same through the process, for a few of them: the exit status and standard error of the binary.
  for (const index of [0, 6, 11]) {
    const [argv, pattern] = cases[index]!;
    const run = await runCli(argv, dir);
    assert.equal(run.status, 2, `${argv.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr.trimEnd(), pattern);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.equal(run.stdout.length, 0);
  }
  assert.deepEqual((await readdir(dir)).sort(), [
    'bad-query.json',
    'bob.mbox',
    'fake.pst',
    'not-json.json',
    'notes.txt',
    'send.json',
  ]);
});

test('a failure that is not a user mistake exits 1 without a stack trace: standard output closed mid-stream', async (t) => {
  const dir = await tempDir(t);
  const child = spawn(process.execPath, [...PSTREAM_NODE_ARGS, 'export', '--source', DEMO_MAILBOX, '--out', '-'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Read the first chunk, then close the pipe: the export cannot go on.
  const closed = once(child, 'close');
  await Promise.race([once(child.stdout, 'data'), closed]);
  child.stdout.destroy();
  const [status] = (await closed) as [number | null];
  assert.equal(status, 1, stderr);
  assert.match(stderr, /^pstream export: /);
  assert.doesNotMatch(stderr, /\n\s+at /);
  assert.deepEqual(await readdir(dir), []);
});

test('pstream check: a real PST and ZIP are ok; a damaged copy exits 1 and says what is wrong', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bob.mbox'), MBOX);
  const made = await runCli(['export', '--source', 'bob.mbox', '--out', 'bob.pst'], dir);
  assert.equal(made.status, 0, made.stderr);
  const good = await runCli(['check', 'bob.pst', '--strict'], dir);
  assert.equal(good.status, 0, good.stdout.toString());
  assert.equal(good.stdout.toString(), 'bob.pst: ok (0 errors, 0 warnings)\n');

  // Damage: 64 bytes of the root NBT page overwritten.
  const damaged = await readFile(join(dir, 'bob.pst'));
  damageNbtRoot(damaged, 0);
  await writeFile(join(dir, 'damaged.pst'), damaged);
  const bad = await runCli(['check', 'damaged.pst'], dir);
  assert.equal(bad.status, 1, bad.stdout.toString());
  assert.match(bad.stdout.toString(), /^damaged\.pst: error: .+ \[[\w.-]+\]$/m);
  assert.match(bad.stdout.toString(), /damaged\.pst: damaged \([1-9]\d* errors, \d+ warnings\)\n$/);
  assert.equal(bad.stderr, '');

  // A truncated copy: the checker cannot even read it through.
  const bytes = await readFile(join(dir, 'bob.pst'));
  await writeFile(join(dir, 'truncated.pst'), bytes.subarray(0, 300));
  const cut = await runCli(['check', 'truncated.pst'], dir);
  assert.equal(cut.status, 1, cut.stdout.toString());
  assert.match(cut.stdout.toString(), /truncated\.pst: damaged/);

  // A ZIP of parts, then the same ZIP with one part damaged.
  const zipped = await runCli(
    [
      'export',
      '--source',
      DEMO_MAILBOX,
      '--keywords',
      'support',
      '--max-part-bytes',
      '600000',
      '--out',
      'demo',
      '--json',
    ],
    dir,
  );
  assert.equal(zipped.status, 0, zipped.stderr);
  const report = onlyLine(zipped.stdout.toString());
  assert.equal(report.format, 'zip');
  const zipOk = await runCli(['check', 'demo.zip'], dir);
  assert.equal(zipOk.status, 0, zipOk.stdout.toString());
  for (const part of report.parts)
    assert.match(zipOk.stdout.toString(), new RegExp(`^demo\\.zip:${part.name}: ok`, 'm'));

  const zipBytes = await readFile(join(dir, 'demo.zip'));
  const secondName = zipBytes.indexOf(Buffer.from(report.parts[1]!.name)); // in the second local header
  damageNbtRoot(zipBytes, zipBytes.indexOf(Buffer.from('!BDN'), secondName)); // stored: the part follows as is
  await writeFile(join(dir, 'damaged.zip'), zipBytes);
  const zipBad = await runCli(['check', 'damaged.zip'], dir);
  assert.equal(zipBad.status, 1, zipBad.stdout.toString());
  assert.match(zipBad.stdout.toString(), new RegExp(`^damaged\\.zip:${report.parts[0]!.name}: ok`, 'm'));
  assert.match(zipBad.stdout.toString(), new RegExp(`^damaged\\.zip:${report.parts[1]!.name}: (error|damaged)`, 'm'));
  assert.match(zipBad.stdout.toString(), /parts checked, some damaged\n$/);
});

test('a progress line is drawn on a terminal (pseudo-terminal through script) and erased at the end', async (t) => {
  if (!(await requireTool(t, 'script', 'bsdutils'))) return;
  const dir = await tempDir(t);
  const command = [
    process.execPath,
    ...PSTREAM_NODE_ARGS,
    'export',
    '--source',
    DEMO_MAILBOX,
    '--out',
    join(dir, 'demo'),
  ]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { cwd: dir, env: { ...process.env, COLUMNS: '200' } },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
  assert.match(output, /\r\x1b\[K[|/\\-] scanned [\d,]+, matched [\d,]+ \| [\d.]+ (B|KiB|MiB) written \| part 1/);
  assert.match(output, /\r\x1b\[K\r?\n?.*demo\.pst\r?\n$/s);
  assert.ok((await stat(join(dir, 'demo.pst'))).size > 0);
});
