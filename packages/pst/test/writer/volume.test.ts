/** Many messages and many folders: 10,000 small messages; a 300-folder tree six levels deep. */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PstWriter } from '@pstream/pst';
import { requireReaders } from '../support/oracles.js';
import { tempDir, verifyPst, type Written, writePst } from './support.js';

test('10,000 small messages in three folders', { timeout: 20 * 60 * 1000 }, async (t) => {
  if (!(await requireReaders(t))) return;
  const dir = await tempDir(t);
  const folders = [['Inbox'], ['Inbox', 'Lists'], ['Sent Items']];
  const items: Written[] = Array.from({ length: 10_000 }, (_, i) => ({
    folder: folders[i % 3]!,
    record: {
      subject: `small message ${i}`,
      body: `body of message ${i}\n${'lorem ipsum '.repeat(i % 20)}`,
      from: { name: `Sender ${i % 50}`, address: `sender${i % 50}@example.com` },
      recipients: [{ kind: 'to', name: `Rcpt ${i % 7}`, address: `r${i % 7}@example.com` }],
      sentAt: new Date(Date.UTC(2020, 0, 1) + i * 60_000),
      isRead: i % 4 === 0,
    },
  }));
  const summary = await writePst(dir, 'many.pst', items);
  assert.equal(summary.messages, 10_000);
  assert.equal(summary.folders, 3);
  await verifyPst(summary.path, items, { deep: false });
});

test('a 300-folder tree six levels deep, a message in every other folder', { timeout: 10 * 60 * 1000 }, async (t) => {
  if (!(await requireReaders(t))) return;
  const dir = await tempDir(t);
  // five top-level folders, then two children each, breadth first, until 300: levels of 5, 10, 20, 40, 80 and 145
  const deep: string[][] = Array.from({ length: 5 }, (_, i) => [`F${i}`]);
  for (let i = 0; deep.length < 300; i++) {
    for (let k = 0; k < 2 && deep.length < 300; k++) deep.push([...deep[i]!, `${deep[i]!.at(-1)}.${k}`]);
  }
  assert.equal(deep.length, 300);
  assert.equal(Math.max(...deep.map((p) => p.length)), 6);
  const items: Written[] = deep
    .filter((_, i) => i % 2 === 0)
    .map((folder, i) => ({ folder, record: { subject: `in ${folder.join('/')}`, body: `message ${i}` } }));
  const w = await PstWriter.create(join(dir, 'tree.pst'), { deterministic: true });
  for (const p of deep) w.ensureFolder(p);
  for (const item of items) await w.addMessage(item.folder, item.record);
  const summary = await w.finish();
  assert.equal(summary.folders, deep.length);
  await verifyPst(summary.path, items, { extraFolders: deep, deep: false });
});
