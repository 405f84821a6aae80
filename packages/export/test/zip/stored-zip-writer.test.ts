import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { StoredZipWriter } from '../../src/zip/stored-zip-writer.js';
import { ZipPackager } from '../../src/zip/zip-packager.js';
import { dosDateTime, endOfCentralDirectory } from '../../src/zip/zip-records.js';
import { extract, requireZipTools, seededBytes, tempDir, validate } from './zip-check.js';

interface Part {
  readonly name: string;
  readonly data: Buffer;
}

const SETS: Record<string, readonly Part[]> = {
  'no entries': [],
  'one entry': [{ name: 'mailbox.pst', data: seededBytes(200_003, 11) }],
  'several entries': [
    { name: 'mailbox-001.pst', data: seededBytes(3 * 1024 * 1024 + 5, 12) },
    { name: 'mailbox-002.pst', data: Buffer.alloc(0) },
    { name: 'Почта – Müller 📧-003.pst', data: seededBytes(4097, 13) },
    { name: 'mailbox-004.pst', data: seededBytes(1, 14) },
  ],
};

/** A local time with even seconds, which a DOS timestamp holds exactly. */
const DATE = new Date(2024, 4, 6, 7, 8, 10);
const CHUNK = 64 * 1024;

/** Writes `parts` to files and archives them, through ZipPackager (`auto`) or a writer forced to zip64. */
async function archive(
  dir: string,
  parts: readonly Part[],
  zip64: 'auto' | 'forced',
): Promise<{ zipPath: string; bytes: number }> {
  const zipPath = join(dir, 'out.zip');
  const files = parts.map((p, i) => {
    const path = join(dir, `part${i}.tmp`);
    writeFileSync(path, p.data);
    return path;
  });
  if (zip64 === 'auto') {
    const packager = new ZipPackager({ readChunkBytes: CHUNK });
    const written = pipeline(packager.output, createWriteStream(zipPath));
    for (const [i, p] of parts.entries()) await packager.addFile(files[i]!, p.name, p.data.byteLength, { date: DATE });
    const bytes = await packager.finish();
    await written;
    return { zipPath, bytes };
  }
  const writer = new StoredZipWriter({ readChunkBytes: CHUNK, forceZip64: true });
  const written = pipeline(writer.output, createWriteStream(zipPath));
  for (const [i, p] of parts.entries()) await writer.writeEntry(files[i]!, p.name, p.data.byteLength, DATE);
  writer.finish();
  await written;
  return { zipPath, bytes: writer.bytesWritten };
}

/** The archive size the layout implies: no zip64 bytes at all in `auto` mode for small entries. */
function expectedSize(parts: readonly Part[], zip64: 'auto' | 'forced'): number {
  let total = 0;
  for (const p of parts) {
    const n = Buffer.byteLength(p.name);
    total +=
      zip64 === 'auto' ? 30 + n + p.data.byteLength + 16 + 46 + n : 30 + n + 20 + p.data.byteLength + 24 + 46 + n + 28;
  }
  return total + (zip64 === 'auto' ? 22 : 56 + 20 + 22);
}

for (const zip64 of ['auto', 'forced'] as const) {
  for (const [label, parts] of Object.entries(SETS)) {
    // An archive of nothing but zip64 end records is one `auto` never writes, and 7-Zip does not open it.
    if (zip64 === 'forced' && parts.length === 0) continue;
    test(`stored archive, ${label}, zip64 ${zip64}: valid for unzip, 7-Zip and Python, with the right CRCs, names and attributes`, async (t) => {
      if (!(await requireZipTools(t))) return;
      const dir = tempDir();
      try {
        const { zipPath, bytes } = await archive(dir, parts, zip64);
        assert.equal(bytes, statSync(zipPath).size);
        assert.equal(bytes, expectedSize(parts, zip64));
        const entries = validate(zipPath);
        assert.deepEqual(
          entries.map((e) => [e.name, e.file_size, e.compress_size, e.CRC, e.compress_type]),
          parts.map((p) => [p.name, p.data.byteLength, p.data.byteLength, crc32(p.data), 0]),
        );
        for (const e of entries) {
          assert.equal(e.mode, 0o100644, `${e.name}: mode ${e.mode.toString(8)}`);
          assert.equal(e.dos_attr, 0, `${e.name}: no DOS attribute (above all not read-only)`);
          assert.equal(e.create_system, 3, 'made by UNIX');
          assert.equal(e.flag_bits, 0x0808, 'data descriptor and UTF-8 name');
          assert.deepEqual(e.date_time, [2024, 5, 6, 7, 8, 10]);
          assert.equal(e.extract_version, zip64 === 'auto' ? 20 : 45);
          // Forced zip64: both sizes and the offset sit in the central directory's zip64 field (id 1, 24 bytes).
          assert.equal(
            e.extra,
            zip64 === 'auto'
              ? ''
              : `01001800${Buffer.from(new BigUint64Array([BigInt(e.file_size), BigInt(e.file_size), BigInt(e.header_offset)]).buffer).toString('hex')}`,
          );
        }
        for (const p of parts) assert.ok(extract(zipPath, p.name).equals(p.data), `${p.name}: extracted bytes differ`);
        // The first local header leaves CRC and sizes to the data descriptor that follows the data.
        const raw = readFileSync(zipPath);
        if (parts.length > 0) {
          const first = parts[0]!;
          assert.equal(raw.readUInt32LE(0), 0x04034b50);
          assert.equal(raw.readUInt16LE(6), 0x0808);
          assert.equal(raw.readUInt32LE(14), 0, 'CRC in the descriptor');
          const sizeField = zip64 === 'auto' ? 0 : 0xffffffff;
          assert.deepEqual([raw.readUInt32LE(18), raw.readUInt32LE(22)], [sizeField, sizeField]);
          const dataAt = 30 + Buffer.byteLength(first.name) + (zip64 === 'auto' ? 0 : 20);
          const descriptor = raw.subarray(dataAt + first.data.byteLength);
          assert.equal(descriptor.readUInt32LE(0), 0x08074b50);
          assert.equal(descriptor.readUInt32LE(4), crc32(first.data));
          if (zip64 === 'auto') assert.equal(descriptor.readUInt32LE(8), first.data.byteLength);
          else assert.equal(descriptor.readBigUInt64LE(8), BigInt(first.data.byteLength));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test('DOS timestamps: local time, two-second steps, clamped to the 1980–2107 range', () => {
  const at = (d: Date) => {
    const { dosTime, dosDate } = dosDateTime(d);
    return [
      (dosDate >> 9) + 1980,
      (dosDate >> 5) & 15,
      dosDate & 31,
      dosTime >> 11,
      (dosTime >> 5) & 63,
      (dosTime & 31) * 2,
    ];
  };
  assert.deepEqual(at(new Date(2031, 11, 31, 23, 59, 59)), [2031, 12, 31, 23, 59, 58]);
  assert.deepEqual(at(new Date(1970, 0, 1)), [1980, 1, 1, 0, 0, 0]);
  assert.deepEqual(at(new Date(2200, 5, 1)), [2107, 12, 31, 23, 59, 58]);
});

test('the end records switch to zip64 for 65,535 entries or more, and for sizes and offsets past 32 bits', () => {
  const plain = endOfCentralDirectory(65_534, 1000, 200, false);
  assert.equal(plain.length, 22);
  assert.equal(plain.readUInt16LE(10), 65_534);
  for (const [entries, offset, size] of [
    [65_535, 1000, 200],
    [3, 2 ** 32 + 5, 200],
    [3, 1000, 2 ** 32],
  ] as const) {
    const b = endOfCentralDirectory(entries, offset, size, false);
    assert.equal(b.length, 56 + 20 + 22);
    assert.equal(b.readUInt32LE(0), 0x06064b50);
    assert.deepEqual(
      [b.readBigUInt64LE(32), b.readBigUInt64LE(40), b.readBigUInt64LE(48)],
      [BigInt(entries), BigInt(size), BigInt(offset)],
    );
    assert.equal(b.readUInt32LE(56), 0x07064b50);
    assert.equal(b.readBigUInt64LE(64), BigInt(offset + size), 'the locator points at the zip64 end record');
    const end = b.subarray(76);
    assert.equal(end.readUInt32LE(0), 0x06054b50);
    assert.equal(end.readUInt16LE(10), Math.min(entries, 0xffff));
    assert.equal(end.readUInt32LE(12), Math.min(size, 0xffffffff));
    assert.equal(end.readUInt32LE(16), Math.min(offset, 0xffffffff));
  }
});

test('an invalid date or read chunk size is refused, naming the field', () => {
  assert.throws(
    () => new ZipPackager({ readChunkBytes: 0 }),
    (e: unknown) => e instanceof RangeError && /readChunkBytes must be an integer from 1 to \d+, got 0/.test(e.message),
  );
  const packager = new ZipPackager();
  packager.output.on('error', () => {});
  assert.throws(
    () => packager.addFile('/nonexistent', 'a.pst', 1, { date: new Date(Number.NaN) }),
    /a\.pst: date must be a valid Date, got Invalid Date/,
  );
  packager.destroy();
});

test('a stored archive reads at most about two chunks ahead of a consumer that does not read', async (t) => {
  if (!(await requireZipTools(t))) return;
  const dir = tempDir();
  try {
    const chunk = 1024 * 1024;
    const size = 16 * chunk;
    const path = join(dir, 'big.tmp');
    writeFileSync(path, seededBytes(size, 21));
    const packager = new ZipPackager({ readChunkBytes: chunk });
    const adding = packager.addFile(path, 'big.pst', size);
    // Wait until production stops (ten quiet turns in a row).
    let last = -1;
    let quiet = 0;
    for (let i = 0; i < 500 && quiet < 10; i++) {
      await new Promise((r) => setTimeout(r, 5));
      quiet = packager.bytesWritten === last ? quiet + 1 : 0;
      last = packager.bytesWritten;
    }
    assert.equal(quiet, 10, 'production should stall without a reader');
    assert.ok(
      packager.bytesWritten > 0 && packager.bytesWritten <= 2 * chunk + 1024,
      `produced ${packager.bytesWritten} bytes without a reader`,
    );
    const received = await new Promise<Buffer[]>((resolve, reject) => {
      const chunks: Buffer[] = [];
      packager.output.on('data', (c: Buffer) => chunks.push(c));
      packager.output.on('end', () => resolve(chunks));
      packager.output.on('error', reject);
      void adding.then(() => packager.finish());
    });
    const zipPath = join(dir, 'out.zip');
    writeFileSync(zipPath, Buffer.concat(received));
    assert.deepEqual(
      validate(zipPath).map((e) => [e.name, e.file_size]),
      [['big.pst', size]],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
