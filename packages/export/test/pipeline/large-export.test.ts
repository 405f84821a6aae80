/**
 * The API's example at full size: about 1.5 GB of messages at the real 1 GiB limit gives two parts, the first
 * filled to at least 99.5 % of the limit, in one ZIP that unzip, 7z and Python accept. In-memory records with
 * generated attachment bytes keep it fast. Runs under CI=true or PSTREAM_LARGE_TESTS=1 (it writes ~3 GB to disk).
 */

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportToPst } from '../../src/index.js';
import { sizedRecord } from '../split/records.js';
import { type MemoryItem, MemorySource } from './memory-source.js';
import { checkZip, leftovers, requireZipTools, saveStream } from './output-check.js';

const ENABLED = process.env.CI === 'true' || process.env.PSTREAM_LARGE_TESTS === '1';
const GIB = 1024 * 1024 * 1024;

test('1.5 GB at the 1 GiB limit: two parts, the first ≥ 99.5 % full, one valid ZIP', {
  skip: ENABLED ? false : 'set PSTREAM_LARGE_TESTS=1 (or CI=true) to run',
}, async (t) => {
  if (!(await requireZipTools(t))) return;
  const root = await mkdtemp(join(tmpdir(), 'pstream-large-test-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const tmp = join(root, 'tmp');
  await mkdir(tmp);
  // 384 messages of 3.5 to 4.5 MB (≈ 1.5 GB), in three folders.
  const folders = [['Inbox'], ['Inbox', 'Support'], ['Archive', '2024']];
  const items: MemoryItem[] = Array.from({ length: 384 }, (_, i) => ({
    folder: folders[i % 3]!,
    record: sizedRecord(i, { bodyChars: 2000, attachmentBytes: 3_500_000 + ((i * 7_919_393) % 1_000_000) }),
  }));
  const total = items.reduce(
    (n, i) => n + (i.record.attachments?.[0]?.kind === 'file' ? i.record.attachments[0].size : 0),
    0,
  );
  assert.ok(total > 1.45e9 && total < 1.6e9, `input ${total} bytes`);
  const started = process.hrtime.bigint();
  const handle = exportToPst({ sources: [new MemorySource(items)], name: 'large', tmpDir: tmp, limitBytes: GIB });
  const head = await handle.head;
  assert.deepEqual(head, { format: 'zip', fileName: 'large.zip' });
  const file = join(root, head.fileName);
  const [bytes, summary] = await Promise.all([saveStream(handle.stream, file), handle.summary]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.deepEqual(await leftovers(tmp), []);
  assert.equal(summary.bytes, bytes);
  assert.deepEqual(
    summary.parts.map((p) => p.name),
    ['large-001.pst', 'large-002.pst'],
  );
  assert.equal(summary.parts[0]!.messages + summary.parts[1]!.messages, items.length);
  for (const p of summary.parts) assert.ok(p.bytes <= GIB, `${p.name}: ${p.bytes} > ${GIB}`);
  const fill = summary.parts[0]!.bytes / GIB;
  assert.ok(fill >= 0.995, `first part fill ${(fill * 100).toFixed(3)} %`);
  const entries = await checkZip(file);
  assert.deepEqual(
    entries.map((e) => [e.name, e.size, e.method]),
    summary.parts.map((p) => [p.name, p.bytes, 0]),
  );
  t.diagnostic(
    `export ${seconds.toFixed(1)} s for ${bytes} bytes; parts ${summary.parts.map((p) => `${p.name} ${p.bytes} bytes (${((100 * p.bytes) / GIB).toFixed(3)} % of 1 GiB, ${p.messages} messages)`).join(', ')}`,
  );
});
