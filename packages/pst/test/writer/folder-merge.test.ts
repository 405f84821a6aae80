/**
 * Sibling folders whose names Outlook holds equal (case-insensitive after NFC) are one folder: the first spelling
 * seen is kept and every message written under any spelling lands in it. The readers must see exactly that.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type MessageRecord, PstWriter } from '@pstream/pst';
import { siblingKey } from '../../src/messaging/folder.js';
import { assertReadersAgree, type ExpectedFolder, requireReaders } from '../support/oracles.js';
import { expectedMessage, tempDir } from './support.js';

test('siblingKey: case and canonical equivalence collide, other differences do not', () => {
  const nfc = 'Caf\u00e9';
  const nfd = 'Cafe\u0301';
  assert.notEqual(nfc, nfd);
  assert.equal(siblingKey('Inbox'), siblingKey('inbox'));
  assert.equal(siblingKey('Inbox'), siblingKey('INBOX'));
  assert.equal(siblingKey(nfc), siblingKey(nfd));
  assert.equal(siblingKey('caf\u00e9'), siblingKey('CAFE\u0301'));
  assert.equal(siblingKey('Ωμέγα'), siblingKey('ΩΜΈΓΑ'));
  assert.equal(siblingKey('Post 📬 ä'), siblingKey('post 📬 Ä'));
  // Simple case mapping only: "ß" does not expand to "SS" (Windows keeps them apart).
  assert.notEqual(siblingKey('Straße'), siblingKey('STRASSE'));
  assert.notEqual(siblingKey('Inbox'), siblingKey('Inbox '));
  assert.notEqual(siblingKey('Cafe'), siblingKey(nfc));
});

const record = (subject: string): MessageRecord => ({
  subject,
  from: { name: 'Alice', address: 'alice@example.com' },
  recipients: [{ kind: 'to', name: 'Bob', address: 'bob@example.com' }],
  sentAt: new Date(Date.UTC(2024, 4, 1)),
  body: `body of ${subject}`,
});

test('sibling folders equal to Outlook are written as one folder that keeps the first name seen', async (t) => {
  if (!(await requireReaders(t, 'fsck', 'pypff', 'pffexport', 'readpst', 'pstextractor'))) return;
  const dir = await tempDir(t);
  const writes: { folder: string[]; record: MessageRecord }[] = [
    { folder: ['Inbox'], record: record('one') },
    { folder: ['inbox'], record: record('two') },
    { folder: ['INBOX', 'Sub'], record: record('three') },
    { folder: ['inbox', 'SUB'], record: record('four') },
    { folder: ['Caf\u00e9'], record: record('nfc') },
    { folder: ['Cafe\u0301'], record: record('nfd') },
    { folder: ['Straße'], record: record('sharp s') },
    { folder: ['STRASSE'], record: record('double s') },
    { folder: ['deleted ITEMS'], record: record('binned') },
  ];
  const w = await PstWriter.create(join(dir, 'merge.pst'), { deterministic: true });
  for (const [i, item] of writes.entries()) {
    // The projection resolves the folder the same way as the write: adding to an existing folder under another
    // spelling must not project a new folder.
    const projected = i === 1 ? await w.projectedSizeWith(item.folder, item.record) : undefined;
    await w.addMessage(item.folder, item.record);
    if (projected !== undefined) assert.equal(w.projectedSize(), projected);
  }
  assert.equal(w.folderCount, 5); // Inbox, Inbox/Sub, Café, Straße, STRASSE
  const summary = await w.finish();

  const messages = async (...indexes: number[]) => Promise.all(indexes.map((i) => expectedMessage(writes[i]!.record)));
  const expected: ExpectedFolder[] = [
    { path: '', messages: [] },
    { path: 'Deleted Items', messages: await messages(8) },
    { path: 'Inbox', messages: await messages(0, 1) },
    { path: 'Inbox/Sub', messages: await messages(2, 3) },
    { path: 'Caf\u00e9', messages: await messages(4, 5) },
    { path: 'Straße', messages: await messages(6) },
    { path: 'STRASSE', messages: await messages(7) },
  ];
  await assertReadersAgree(summary.path, expected, { exactFolders: true });
});
