import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  createWriteStream,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { ZipError } from '../../src/errors.js';
import { canReleaseFileRanges } from '../../src/zip/release-range.js';
import { ZipPackager } from '../../src/zip/zip-packager.js';
import { extract, requireZipTools, seededBytes, tempDir, validate } from './zip-check.js';

const LARGE = process.env.PSTREAM_LARGE_TESTS === '1' || process.env.CI === 'true';

function invalidFor(zipPath: string): void {
  // A checker that did not run (status null) would pass for the wrong reason.
  const rejects = (command: string, args: string[]): boolean => {
    const status = spawnSync(command, args).status;
    assert.notEqual(status, null, `${command} did not run`);
    return status !== 0;
  };
  assert.ok(rejects('unzip', ['-tq', zipPath]), 'unzip -t should reject the archive');
  assert.ok(rejects('7z', ['t', zipPath]), '7z t should reject the archive');
  // Exit 0 only for an archive zipfile reads whole; an unreadable one raises (exit 1).
  assert.ok(
    rejects('python3', [
      '-c',
      'import sys, zipfile\nsys.exit(0 if zipfile.ZipFile(sys.argv[1]).testzip() is None else 1)',
      zipPath,
    ]),
    'python zipfile should reject the archive',
  );
}

function openFds(): string[] {
  return readdirSync('/proc/self/fd');
}

function fdsPointingAt(path: string): string[] {
  return openFds().filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

/** Waits, a bounded number of event-loop turns, for `cond`; returns whether it became true. */
async function eventually(cond: () => boolean, turns = 200): Promise<boolean> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

for (const compression of ['store', 'deflate'] as const) {
  test(`several parts stream into a valid ${compression} archive with the right sizes, CRCs and modes`, async (t) => {
    if (!(await requireZipTools(t))) return;
    const dir = tempDir();
    try {
      const parts = [
        { name: 'mailbox-001.pst', data: seededBytes(3 * 1024 * 1024 + 7, 1) },
        { name: 'mailbox-002.pst', data: seededBytes(100_000, 2) },
        { name: 'mailbox-003.pst', data: Buffer.alloc(0) },
        { name: 'Почта-004.pst', data: seededBytes(1, 4) },
      ];
      const zipPath = join(dir, 'out.zip');
      const packager = new ZipPackager({ compression, readChunkBytes: 64 * 1024 });
      const written = pipeline(packager.output, createWriteStream(zipPath));
      const date = new Date('2024-05-06T07:08:10Z');
      for (const [i, p] of parts.entries()) {
        const path = join(dir, `part${i}.tmp`);
        writeFileSync(path, p.data);
        await packager.addFile(path, p.name, p.data.byteLength, { date });
        // The entry is complete in the archive: its file is closed and may go.
        assert.deepEqual(fdsPointingAt(path), []);
        rmSync(path);
        if (compression === 'store')
          assert.ok(packager.bytesWritten >= parts.slice(0, i + 1).reduce((n, q) => n + q.data.byteLength, 0));
      }
      const total = await packager.finish();
      await written;
      assert.equal(total, statSync(zipPath).size);
      const entries = validate(zipPath);
      assert.deepEqual(
        entries.map((e) => [e.name, e.file_size, e.CRC, e.compress_type]),
        parts.map((p) => [p.name, p.data.byteLength, crc32(p.data), compression === 'store' ? 0 : 8]),
      );
      for (const e of entries) {
        assert.equal(e.mode & 0o777, 0o644, `${e.name} mode ${e.mode.toString(8)}`);
        assert.equal(e.dos_attr & 0x01, 0, `${e.name} must not be read-only`);
      }
      // Extracted contents equal the inputs.
      const extracted = spawnSync('unzip', ['-p', zipPath, 'mailbox-002.pst']);
      assert.ok(Buffer.compare(extracted.stdout, parts[1]?.data as Buffer) === 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('output applies backpressure: nothing much is read until the consumer reads', async () => {
  const dir = tempDir();
  try {
    const size = 16 * 1024 * 1024;
    const path = join(dir, 'big.tmp');
    writeFileSync(path, seededBytes(size, 9));
    const packager = new ZipPackager({ readChunkBytes: 64 * 1024 });
    let resolved = false;
    const adding = packager.addFile(path, 'big.pst', size).then(() => {
      resolved = true;
    });
    // Let the pipeline fill its buffers until production stops.
    let last = -1;
    let stable = 0;
    for (let i = 0; i < 500 && stable < 10; i++) {
      await new Promise((r) => setTimeout(r, 5));
      stable = packager.bytesWritten === last ? stable + 1 : 0;
      last = packager.bytesWritten;
    }
    assert.equal(stable, 10, 'production should stall without a reader');
    assert.equal(resolved, false);
    assert.ok(packager.bytesWritten < size / 2, `buffered ${packager.bytesWritten} bytes without a reader`);
    // Now read: the entry completes.
    let received = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        received += chunk.byteLength;
        cb();
      },
    });
    const consumed = pipeline(packager.output, sink);
    await adding;
    const total = await packager.finish();
    await consumed;
    assert.equal(received, total);
    assert.ok(total > size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts an archive of one big part; calls `midway` once the first archive bytes have been written. */
async function interrupted(
  midway: (path: string, packager: ZipPackager) => void,
  options: { size?: number; announce?: number } = {},
) {
  const dir = tempDir();
  const size = options.size ?? 8 * 1024 * 1024;
  const path = join(dir, 'part.tmp');
  writeFileSync(path, seededBytes(size, 5));
  const zipPath = join(dir, 'out.zip');
  const packager = new ZipPackager({ readChunkBytes: 64 * 1024 });
  // Interrupt once 256 KiB of archive are out: the part file is open and still far from its end
  // (at most a few MiB are buffered between the file and the output).
  let seen = 0;
  let fired = false;
  let openAtMidway = -1;
  packager.output.on('data', (chunk: Buffer) => {
    seen += chunk.byteLength;
    if (!fired && seen >= 256 * 1024) {
      fired = true;
      openAtMidway = fdsPointingAt(path).length;
      midway(path, packager);
    }
  });
  const written = pipeline(packager.output, createWriteStream(zipPath)).then(
    () => undefined,
    (err: unknown) => err,
  );
  const added = packager.addFile(path, 'part.pst', options.announce ?? size).then(
    () => undefined,
    (err: unknown) => err,
  );
  const addError = await added;
  if (addError === undefined) await packager.finish().catch(() => {}); // (the test then fails on addError)
  const outputError = await written;
  if (openAtMidway !== 1) {
    rmSync(dir, { recursive: true, force: true });
    assert.fail(`the part file should be open when the interruption comes (${openAtMidway} descriptors)`);
  }
  return {
    dir,
    path,
    zipPath,
    packager,
    addError,
    outputError,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('a part truncated while it streams fails the output instead of giving a short entry', async (t) => {
  if (!(await requireZipTools(t))) return;
  const r = await interrupted((path) => truncateSync(path, 1024 * 1024));
  try {
    assert.ok(r.addError instanceof ZipError, String(r.addError));
    assert.equal(r.addError.code, 'short-entry');
    assert.equal(r.addError.entry, 'part.pst');
    assert.match(r.addError.message, /expected 8388608/);
    assert.ok(r.outputError instanceof Error, 'the output is destroyed with the error');
    invalidFor(r.zipPath);
    await assert.rejects(r.packager.finish(), ZipError);
    assert.deepEqual(fdsPointingAt(r.path), []);
  } finally {
    r.cleanup();
  }
});

test('a part that grows while it streams fails the output', async (t) => {
  if (!(await requireZipTools(t))) return;
  const r = await interrupted((path) => appendFileSync(path, Buffer.alloc(4096, 1)));
  try {
    assert.ok(r.addError instanceof ZipError, String(r.addError));
    assert.equal(r.addError.code, 'long-entry');
    invalidFor(r.zipPath);
  } finally {
    r.cleanup();
  }
});

test('a read error on a part is forwarded and destroys the output', async (t) => {
  if (!(await requireZipTools(t))) return;
  const r = await interrupted((path) => {
    // Close the read stream's descriptor under it: its next read fails with EBADF.
    for (const fd of fdsPointingAt(path)) closeSync(Number(fd));
  });
  try {
    assert.ok(r.addError instanceof ZipError, String(r.addError));
    assert.equal(r.addError.code, 'source-failed');
    assert.match(r.addError.message, /part\.pst: reading .* failed/);
    invalidFor(r.zipPath);
  } finally {
    r.cleanup();
  }
});

test('a size that does not match the file fails before the entry starts', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'p.tmp');
    writeFileSync(path, Buffer.alloc(1000));
    const short = new ZipPackager();
    short.output.on('error', () => {});
    short.output.resume();
    await assert.rejects(
      short.addFile(path, 'p.pst', 1001),
      (e: unknown) => e instanceof ZipError && e.code === 'short-entry' && /1000 bytes, expected 1001/.test(e.message),
    );
    assert.equal(short.output.destroyed, true);
    const missing = new ZipPackager();
    missing.output.on('error', () => {});
    await assert.rejects(
      missing.addFile(join(dir, 'nope'), 'p.pst', 1),
      (e: unknown) => e instanceof ZipError && e.code === 'source-failed' && /ENOENT/.test(e.message),
    );
    const directory = new ZipPackager();
    directory.output.on('error', () => {});
    await assert.rejects(
      directory.addFile(dir, 'p.pst', 1),
      (e: unknown) => e instanceof ZipError && /not a regular file/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('destroying the output mid-entry closes the part files', async () => {
  const before = openFds().length;
  const r = await interrupted((_path, packager) => packager.output.destroy(), { size: 32 * 1024 * 1024 });
  try {
    assert.ok(r.addError instanceof ZipError, String(r.addError));
    assert.equal(r.addError.code, 'closed');
    assert.ok(await eventually(() => fdsPointingAt(r.path).length === 0), 'the part file is closed');
    assert.ok(await eventually(() => openFds().length <= before), `fd count ${openFds().length}, was ${before}`);
    assert.throws(() => r.packager.addFile(r.path, 'again.pst', 1), ZipError);
  } finally {
    r.cleanup();
  }
});

test('destroy() stops the entry in progress at once', async () => {
  const before = openFds().length;
  const reason = new Error('client went away');
  const r = await interrupted((_path, packager) => packager.destroy(reason), { size: 32 * 1024 * 1024 });
  try {
    assert.equal(r.addError, reason);
    assert.equal(r.outputError, reason);
    assert.ok(await eventually(() => openFds().length <= before), `fd count ${openFds().length}, was ${before}`);
  } finally {
    r.cleanup();
  }
});

test('entry names are validated and must be unique; state errors do not touch the archive', async (t) => {
  if (!(await requireZipTools(t))) return;
  const dir = tempDir();
  try {
    const path = join(dir, 'p.tmp');
    writeFileSync(path, 'hello');
    const packager = new ZipPackager();
    const zipPath = join(dir, 'out.zip');
    const written = pipeline(packager.output, createWriteStream(zipPath));
    for (const bad of [
      '',
      'a/b.pst',
      '../x.pst',
      'a..b',
      'nul\0.pst',
      'tab\t.pst',
      'c:x.pst',
      'a\\b.pst',
      'q?.pst',
      'dot.',
      'CON.pst',
      'x'.repeat(256),
    ]) {
      assert.throws(
        () => packager.addFile(path, bad, 5),
        (e: unknown) => e instanceof ZipError && e.code === 'invalid-entry' && e.entry === bad,
        JSON.stringify(bad),
      );
    }
    assert.throws(
      () => packager.addFile(path, 'ok.pst', -1),
      (e: unknown) => e instanceof RangeError && /non-negative integer, got -1$/.test(e.message),
    );
    assert.throws(
      () => packager.addFile(path, 'ok.pst', 1.5),
      (e: unknown) => e instanceof RangeError && /non-negative integer, got 1\.5$/.test(e.message),
    );
    assert.throws(
      () => packager.addFile(path, 'ok.pst', 5, { date: new Date(NaN) }),
      (e: unknown) => e instanceof TypeError && /date must be a valid Date/.test(e.message),
    );
    assert.throws(
      () => new ZipPackager({ compression: 'zstd' as 'store' }),
      (e: unknown) => e instanceof RangeError && /compression must be "store" or "deflate", got "zstd"/.test(e.message),
    );
    assert.throws(
      () => new ZipPackager({ deflateLevel: 12 }),
      (e: unknown) => e instanceof RangeError && /deflateLevel must be an integer from 1 to 9, got 12/.test(e.message),
    );
    await packager.addFile(path, 'ok.pst', 5);
    assert.throws(
      () => packager.addFile(path, 'ok.pst', 5),
      (e: unknown) => e instanceof ZipError && e.code === 'invalid-entry' && /already added/.test(e.message),
    );
    await packager.finish();
    await written;
    assert.throws(
      () => packager.addFile(path, 'late.pst', 5),
      (e: unknown) => e instanceof ZipError && e.code === 'closed',
    );
    assert.deepEqual(
      validate(zipPath).map((e) => e.name),
      ['ok.pst'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an entry over 4 GiB gets zip64 records (sparse file)', {
  skip: LARGE ? false : 'set PSTREAM_LARGE_TESTS=1 or CI=true',
}, async (t) => {
  if (!(await requireZipTools(t))) return;
  const dir = tempDir();
  try {
    const size = 4 * 1024 * 1024 * 1024 + 12345;
    const path = join(dir, 'sparse.tmp');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, size);
    closeSync(fd);
    const small = join(dir, 'small.tmp');
    writeFileSync(small, 'after the big one');
    const zipPath = join(dir, 'big.zip');
    const packager = new ZipPackager();
    const written = pipeline(packager.output, createWriteStream(zipPath));
    await packager.addFile(path, 'big-001.pst', size);
    await packager.addFile(small, 'big-002.pst', 17);
    await packager.finish();
    await written;
    const entries = validate(zipPath);
    assert.deepEqual(
      entries.map((e) => [e.name, e.file_size]),
      [
        ['big-001.pst', size],
        ['big-002.pst', 17],
      ],
    );
    // The second entry starts past 4 GiB: its offset is in the central directory's zip64 field.
    assert.ok((entries[1]?.header_offset ?? 0) > 2 ** 32);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('releaseAsRead: stored entries are whole in the archive while the temporary files are released as they are read', async (t) => {
  if (!(await requireZipTools(t))) return;
  const dir = tempDir();
  try {
    const parts = [seededBytes(5 * 64 * 1024 + 100, 7), seededBytes(64 * 1024 - 1, 8)];
    const zipPath = join(dir, 'out.zip');
    const packager = new ZipPackager({ readChunkBytes: 64 * 1024 });
    const written = pipeline(packager.output, createWriteStream(zipPath));
    const paths = parts.map((data, i) => {
      const path = join(dir, `part${i}.tmp`);
      writeFileSync(path, data);
      return path;
    });
    for (const [i, path] of paths.entries())
      await packager.addFile(path, `p${i}.pst`, parts[i]!.byteLength, { releaseAsRead: true });
    await packager.finish();
    await written;
    const entries = validate(zipPath);
    assert.deepEqual(
      entries.map((e) => [e.name, e.file_size, e.CRC]),
      parts.map((p, i) => [`p${i}.pst`, p.byteLength, crc32(p)]),
    );
    for (const [i, p] of parts.entries())
      assert.ok(extract(zipPath, `p${i}.pst`).equals(p), `p${i}.pst extracted equals its input`);
    for (const [i, path] of paths.entries()) {
      const after = readFileSync(path);
      assert.equal(after.byteLength, parts[i]!.byteLength, 'the file keeps its size');
      // With the native kernel on Linux the ranges read were punched out (zeros); without it the file is untouched.
      if (canReleaseFileRanges())
        assert.ok(
          after.every((b) => b === 0),
          `part${i}.tmp was released`,
        );
      else assert.ok(after.equals(parts[i]!));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recycle: a consumer that hands chunks back once written gets every part whole from a handful of buffers', async (t) => {
  if (!(await requireZipTools(t))) return;
  const dir = tempDir();
  try {
    const parts = [seededBytes(40 * 64 * 1024 + 5, 11), seededBytes(17 * 64 * 1024, 12)];
    const zipPath = join(dir, 'out.zip');
    const packager = new ZipPackager({ readChunkBytes: 64 * 1024 });
    const memories = new Set<ArrayBufferLike>();
    const fd = openSync(zipPath, 'w');
    // The consumer copies each chunk into the file, then recycles it (and a buffer the packager never made).
    const consumer = new Writable({
      write(chunk: Buffer, _e, done) {
        if (chunk.length === 64 * 1024) memories.add(chunk.buffer);
        writeSync(fd, chunk);
        packager.recycle(chunk);
        packager.recycle(Buffer.alloc(64 * 1024));
        done();
      },
    });
    const written = pipeline(packager.output, consumer);
    for (const [i, data] of parts.entries()) {
      const path = join(dir, `part${i}.tmp`);
      writeFileSync(path, data);
      await packager.addFile(path, `p${i}.pst`, data.byteLength);
    }
    await packager.finish();
    await written;
    closeSync(fd);
    const entries = validate(zipPath);
    assert.deepEqual(
      entries.map((e) => [e.name, e.file_size, e.CRC]),
      parts.map((p, i) => [`p${i}.pst`, p.byteLength, crc32(p)]),
    );
    for (const [i, p] of parts.entries())
      assert.ok(extract(zipPath, `p${i}.pst`).equals(p), `p${i}.pst extracted equals its input`);
    assert.ok(memories.size <= 6, `${memories.size} read buffers for 57 full chunks`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
