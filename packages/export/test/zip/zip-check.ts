/** Shared helpers of the ZIP tests: seeded data, and the three independent validators (unzip, 7-Zip, Python). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { requireZipTools } from '../pipeline/output-check.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pstream-zip-'));
}

/** Deterministic pseudo-random bytes (xorshift32), compressible in part like a PST. */
export function seededBytes(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    if (i % 4096 < 1024) {
      buf[i] = 0x41 + (i % 26); // a text-like stretch
      continue;
    }
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = x & 0xff;
  }
  return buf;
}

/** An entry as Python's `zipfile` reads it from the central directory. */
export interface ZipInfo {
  name: string;
  file_size: number;
  compress_size: number;
  CRC: number;
  compress_type: number;
  /** Unix mode (upper 16 bits of the external attributes). */
  mode: number;
  /** DOS attributes (low byte of the external attributes). */
  dos_attr: number;
  flag_bits: number;
  create_system: number;
  extract_version: number;
  header_offset: number;
  /** [year, month, day, hour, minute, second] of the DOS timestamp. */
  date_time: number[];
  /** The central directory extra field, in hex. */
  extra: string;
}

/**
 * Runs the three independent validators (`unzip -t`, `7z t`, Python `zipfile.testzip`, which all check every
 * entry's CRC-32); returns Python's view of the entries.
 */
export function validate(zipPath: string): ZipInfo[] {
  const unzip = spawnSync('unzip', ['-tq', zipPath], { encoding: 'utf8' });
  // unzip exits with 1 (a warning) for an archive without entries, which is valid.
  const empty = unzip.status === 1 && /zipfile is empty/.test(unzip.stdout + unzip.stderr);
  assert.ok(unzip.status === 0 || empty, `unzip -t: ${unzip.stdout}${unzip.stderr}`);
  const sevenZip = spawnSync('7z', ['t', zipPath], { encoding: 'utf8' });
  assert.equal(sevenZip.status, 0, `7z t: ${sevenZip.stdout}${sevenZip.stderr}`);
  const py = spawnSync(
    'python3',
    [
      '-c',
      `import sys, json, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
print(json.dumps({"bad": bad, "entries": [{"name": i.filename, "file_size": i.file_size, "compress_size": i.compress_size, "CRC": i.CRC, "compress_type": i.compress_type, "mode": i.external_attr >> 16, "dos_attr": i.external_attr & 0xFF, "flag_bits": i.flag_bits, "create_system": i.create_system, "extract_version": i.extract_version, "header_offset": i.header_offset, "date_time": list(i.date_time), "extra": i.extra.hex()} for i in z.infolist()]}))`,
      zipPath,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(py.status, 0, `python zipfile: ${py.stderr}`);
  const result = JSON.parse(py.stdout) as { bad: string | null; entries: ZipInfo[] };
  assert.equal(result.bad, null, 'python testzip found a bad entry');
  return result.entries;
}

/** The bytes of entry `name`, as Python's `zipfile` extracts them (checking the CRC-32 on the way). */
export function extract(zipPath: string, name: string): Buffer {
  const py = spawnSync(
    'python3',
    [
      '-c',
      'import sys, zipfile\nsys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))',
      zipPath,
      name,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  assert.equal(py.status, 0, `python zipfile read ${name}: ${py.stderr.toString()}`);
  return py.stdout;
}
