/**
 * NDB_CRYPT_NONE ([MS-PST] §2.2.2.6, bCryptMethod 0x00): the same content as the permute tests, stored without
 * encoding, must read back the same with every reader. The writer's fastest mode, so it gets its own round trip.
 */

import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { test } from 'node:test';
import type { MessageRecord } from '@pstream/pst';
import { type ExpectedFolder, requireReaders } from '../support/oracles.js';
import { seededAttachment, tempDir, verifyPst, type Written, writePst } from './support.js';

/** readpst (libpst) skips an attachment without data. */
function withoutEmptyAttachments(folders: ExpectedFolder[]): ExpectedFolder[] {
  for (const f of folders)
    for (const m of f.messages)
      if (m.attachments) m.attachments = m.attachments.filter((a) => !('size' in a) || a.size !== 0);
  return folders;
}

test('bCryptMethod none: messages, recipients, attachments across block and XBLOCK boundaries and an embedded message read back with every reader', async (t) => {
  if (!(await requireReaders(t))) return;
  const dir = await tempDir(t);
  const embedded: MessageRecord = {
    subject: 'inner',
    body: 'inside',
    attachments: [seededAttachment('inner.bin', 20_000, 9)],
  };
  const items: Written[] = [
    {
      folder: ['Inbox'],
      record: {
        // Starts with ASCII: Debian's pffexport drops a leading 'Ü' from the subject it prints (pypff, on the same
        // libpff, reads it whole), with permute as with none.
        subject: 'Report: Überweisung – 東京',
        from: { name: 'Zoë', address: 'zoe@example.org' },
        recipients: [
          { kind: 'to', name: 'Bob', address: 'bob@example.com' },
          { kind: 'cc', address: 'carol@example.net' },
        ],
        sentAt: new Date('2024-05-01T08:00:00Z'),
        body: 'plain text body\r\n'.repeat(400),
        html: '<p>html body</p>',
        attachments: [0, 1, 8176, 8177, 8176 * 1021 + 1].map((size, i) =>
          seededAttachment(`file-${size}.bin`, size, i + 1),
        ),
      },
    },
    {
      folder: ['Inbox', 'Sub'],
      record: {
        subject: 'with an embedded message',
        attachments: [{ kind: 'message', name: 'inner', message: embedded }],
      },
    },
    ...Array.from(
      { length: 200 },
      (_, i): Written => ({ folder: ['Bulk'], record: { subject: `bulk ${i}`, body: `message number ${i}` } }),
    ),
  ];
  const summary = await writePst(dir, 'none.pst', items, { deterministic: true, encryption: 'none' });
  const file = await open(summary.path);
  try {
    const head = Buffer.alloc(1);
    await file.read(head, 0, 1, 0x201);
    assert.equal(head[0], 0x00, 'bCryptMethod is NDB_CRYPT_NONE');
  } finally {
    await file.close();
  }
  await verifyPst(summary.path, items, { deep: true, adjust: { readpst: withoutEmptyAttachments } });
});
