import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PstWriter } from '@pstream/pst';
import { zeroPcRecords } from '../../pst/test/check/damage.js';
import type { CheckSummary, PstreamDeps } from '../src/deps.js';
import { main } from '../src/main.js';
import { extractZipEntry, readZipEntries } from '../src/zip-reader.js';
import { memoryIO } from './helpers/memory-io.js';
import { buildZip } from './helpers/zip-writer.js';

/** Deterministic content: a PST-looking header followed by seeded bytes. */
function pstBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  out.write('!BDN', 0, 'latin1');
  let state = createHash('sha256').update(seed).digest();
  for (let i = 4; i < size; i += 32) {
    state = createHash('sha256').update(state).digest();
    state.copy(out, i, 0, Math.min(32, size - i));
  }
  return out;
}

/** A fake checker that reports an error for files whose content hash is listed, and records what it read. */
function fakeChecker(damagedHashes: readonly string[] = []) {
  const seen: { path: string; hash: string; strict: boolean }[] = [];
  const checkPst: PstreamDeps['checkPst'] = async (path, options) => {
    const hash = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
    seen.push({ path, hash, strict: options?.strict ?? false });
    const damaged = damagedHashes.includes(hash);
    const report: CheckSummary = {
      ok: !damaged,
      complete: true,
      errors: damaged
        ? [
            {
              code: 'page.crc',
              severity: 'error',
              structure: 'BBT page',
              offset: 0x4400,
              message: 'BBT page at 17408 (0x4400): dwCRC 0x1 does not match 0x2',
            },
          ]
        : [],
      warnings: [
        { code: 'dlist.missing', severity: 'warning', structure: 'header', message: 'header: no density list' },
      ],
    };
    return report;
  };
  return { checkPst, seen };
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

test('checks a .pst file directly', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-check-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const good = pstBytes('good', 5000);
  const bad = pstBytes('bad', 5000);
  await writeFile(join(dir, 'good.pst'), good);
  await writeFile(join(dir, 'bad.pst'), bad);
  const checker = fakeChecker([sha(bad)]);
  const okIO = memoryIO({ cwd: dir });
  assert.equal(await main(['check', 'good.pst'], okIO, { checkPst: checker.checkPst }), 0);
  assert.match(okIO.stdout.text, /good\.pst: warning: header: no density list \[dlist\.missing\]/);
  assert.match(okIO.stdout.text, /good\.pst: ok \(0 errors, 1 warnings\)/);
  const badIO = memoryIO({ cwd: dir });
  assert.equal(await main(['check', 'bad.pst', '--strict'], badIO, { checkPst: checker.checkPst }), 1);
  assert.match(
    badIO.stdout.text,
    /bad\.pst: error: BBT page at 17408 \(0x4400\): dwCRC 0x1 does not match 0x2 \[page\.crc\]/,
  );
  assert.match(badIO.stdout.text, /bad\.pst: damaged/);
  assert.deepEqual(
    checker.seen.map((s) => s.strict),
    [false, true],
  );
});

for (const zip64 of [false, true]) {
  test(`checks every part inside a ${zip64 ? 'zip64 ' : ''}ZIP (stored and deflated), deleting the extracted files`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pstream-check-'));
    const work = await mkdtemp(join(tmpdir(), 'pstream-check-tmp-'));
    t.after(() => Promise.all([rm(dir, { recursive: true, force: true }), rm(work, { recursive: true, force: true })]));
    const parts = [pstBytes('p1', 70_000), pstBytes('p2', 1), pstBytes('p3', 200_003)];
    const zip = buildZip(
      [
        { name: 'mail-001.pst', data: parts[0]!, method: 0 },
        { name: 'mail-002.pst', data: parts[1]!, method: 8 },
        { name: 'readme.txt', data: Buffer.from('hello'), method: 0 },
        { name: 'mail-003.pst', data: parts[2]!, method: 8 },
      ],
      { zip64 },
    );
    await writeFile(join(dir, 'mail.zip'), zip);
    const checker = fakeChecker([sha(parts[2]!)]);
    const io = memoryIO({ cwd: dir });
    assert.equal(await main(['check', 'mail.zip', '--tmp-dir', work], io, { checkPst: checker.checkPst }), 1);
    // Each part reached the checker byte for byte.
    assert.deepEqual(
      checker.seen.map((s) => s.hash),
      parts.map(sha),
    );
    assert.match(io.stdout.text, /mail\.zip:mail-001\.pst: ok/);
    assert.match(io.stdout.text, /mail\.zip:mail-003\.pst: error: BBT page/);
    assert.match(io.stdout.text, /entry "readme\.txt" is not a \.pst file/);
    assert.match(io.stdout.text, /mail\.zip: 3 parts checked, some damaged/);
    assert.deepEqual(await readdir(work), []);
  });
}

test('a damaged ZIP entry is reported, not thrown', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-check-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const zip = buildZip([{ name: 'a.pst', data: pstBytes('a', 4000), method: 0 }]);
  zip[40] = zip[40]! ^ 0xff; // a byte of the stored data: the CRC no longer matches
  await writeFile(join(dir, 'bad.zip'), zip);
  const io = memoryIO({ cwd: dir });
  assert.equal(await main(['check', 'bad.zip'], io, { checkPst: fakeChecker().checkPst }), 1);
  assert.match(io.stdout.text, /bad\.zip:a\.pst: error: cannot extract: entry "a\.pst": CRC-32 mismatch/);
  await writeFile(join(dir, 'empty.zip'), buildZip([]));
  const empty = memoryIO({ cwd: dir });
  assert.equal(await main(['check', 'empty.zip'], empty, { checkPst: fakeChecker().checkPst }), 1);
  assert.match(empty.stdout.text, /holds no \.pst entry/);
});

test('the ZIP reader reads names, sizes and offsets from zip64 records', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-zip-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = pstBytes('z', 100_000);
  await writeFile(
    join(dir, 'a.zip'),
    buildZip(
      [
        { name: 'ü.pst', data: Buffer.alloc(0), method: 0 },
        { name: 'b.pst', data, method: 8 },
      ],
      { zip64: true },
    ),
  );
  const entries = await readZipEntries(join(dir, 'a.zip'));
  assert.deepEqual(
    entries.map((e) => [e.name, e.uncompressedSize, e.method]),
    [
      ['ü.pst', 0, 0],
      ['b.pst', 100_000, 8],
    ],
  );
  assert.equal(entries[1]!.localHeaderOffset, 30 + Buffer.byteLength('ü.pst'));
  await extractZipEntry(join(dir, 'a.zip'), entries[1]!, join(dir, 'b.pst'));
  assert.deepEqual(await readFile(join(dir, 'b.pst')), data);
  await extractZipEntry(join(dir, 'a.zip'), entries[0]!, join(dir, 'empty.pst'));
  assert.equal((await readFile(join(dir, 'empty.pst'))).length, 0);
});

test('the real checker: a message PC with its first eight BTH records zeroed (issue 12) makes `pstream check` exit 1', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-check-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const w = await PstWriter.create(join(dir, 'good.pst'), { deterministic: true });
  await w.addMessage(['Inbox'], {
    subject: 'Printer on fire',
    from: { name: 'Alice', address: 'alice@example.org' },
    body: 'Please help.',
  });
  await w.finish();
  const bytes = await readFile(join(dir, 'good.pst'));
  zeroPcRecords(bytes, 0x200024, 8);
  await writeFile(join(dir, 'bad.pst'), bytes);
  const okIO = memoryIO({ cwd: dir });
  assert.equal(await main(['check', 'good.pst'], okIO), 0, okIO.stdout.text);
  assert.match(okIO.stdout.text, /good\.pst: ok \(0 errors, 0 warnings\)/);
  const badIO = memoryIO({ cwd: dir });
  assert.equal(await main(['check', 'bad.pst'], badIO), 1);
  assert.match(
    badIO.stdout.text,
    /bad\.pst: error: message 0x200024: property 0x0000 \(type 0x0000\) \(dwValueHnid 0x0\): unknown property type \[pc\.type\]/,
  );
  assert.match(badIO.stdout.text, /bad\.pst: damaged \(\d+ errors, 0 warnings\)/);
});
