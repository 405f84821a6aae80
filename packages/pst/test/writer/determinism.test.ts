/** `deterministic: true` gives byte-identical files; without it, record keys differ from file to file. */

import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MessageRecord } from '@pstream/pst';
import { seededAttachment, tempDir, type Written, writePst } from './support.js';

function items(): Written[] {
  const inner: MessageRecord = {
    subject: 'inner',
    body: 'embedded',
    attachments: [seededAttachment('in.txt', 300, 4)],
  };
  return Array.from({ length: 40 }, (_, i) => ({
    folder: i % 3 === 0 ? ['Inbox'] : ['Projects', `P${i % 4}`],
    record: {
      subject: `message ${i}`,
      body: 'x'.repeat(i * 97),
      from: { name: `Sender ${i}`, address: `s${i}@example.com` },
      recipients: [{ kind: 'to', name: 'Bob', address: 'bob@example.com' }],
      sentAt: new Date(Date.UTC(2023, 0, 1 + i)),
      categories: i % 5 === 0 ? ['Red'] : undefined,
      attachments:
        i % 7 === 0
          ? [seededAttachment(`a${i}.bin`, 10_000 + i, i), { kind: 'message', name: 'inner', message: inner }]
          : undefined,
    },
  }));
}

test('the same input with deterministic: true gives byte-identical files', async (t) => {
  const dir = await tempDir(t);
  // the store's display name comes from the file name: same name, two directories
  await Promise.all(['a', 'b', 'c', 'd'].map((d) => mkdir(join(dir, d))));
  const a = await writePst(join(dir, 'a'), 'same.pst', items(), { deterministic: true });
  const b = await writePst(join(dir, 'b'), 'same.pst', items(), { deterministic: true });
  const [x, y] = await Promise.all([readFile(a.path), readFile(b.path)]);
  assert.equal(x.length, a.bytes);
  assert.ok(x.equals(y), 'files differ');
  // another seed or clock changes the bytes
  const c = await writePst(join(dir, 'c'), 'same.pst', items(), { deterministic: { seed: 'other' } });
  assert.ok(!x.equals(await readFile(c.path)));
  const d = await writePst(join(dir, 'd'), 'same.pst', items(), {
    deterministic: { clock: new Date('2020-05-05T00:00:00Z') },
  });
  assert.ok(!x.equals(await readFile(d.path)));
});

test('without deterministic, two files of the same input differ in their record keys', async (t) => {
  const dir = await tempDir(t);
  const a = await writePst(dir, 'a.pst', items(), { displayName: 'Same' });
  const b = await writePst(dir, 'b.pst', items(), { displayName: 'Same' });
  assert.equal(a.bytes, b.bytes, 'same layout');
  const [x, y] = await Promise.all([readFile(a.path), readFile(b.path)]);
  assert.ok(!x.equals(y));
  const { PSTFile } = await import('pst-extractor');
  const key = (buf: Buffer): string => {
    const store = new PSTFile(buf).getMessageStore() as unknown as { pstTableItems: Map<number, { data: Buffer }> };
    return store.pstTableItems.get(0x0ff9)!.data.toString('hex');
  };
  const [ka, kb] = [key(x), key(y)];
  assert.equal(ka.length, 32);
  assert.notEqual(ka, kb);
});
