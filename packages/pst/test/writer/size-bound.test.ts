/**
 * `fits()` answers from a cheap upper bound while the file is far from the limit. The bound must never be below the
 * truth, or a part could end up larger than its limit: here each message is asked about with a limit one byte below
 * its exact projection (must not fit) and at it (must fit), on messages built to waste heap pages (values of
 * 1,000–3,580 bytes, which leave up to 3,580 bytes of a full 8,176-byte heap page unused).
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type MessageRecord, PstWriter } from '@pstream/pst';

function text(seed: number, length: number): string {
  let s = '';
  for (let i = 0; s.length < length; i++) s += String.fromCharCode(0x61 + ((seed * 31 + i * 7) % 26));
  return s.slice(0, length);
}

function wasteful(i: number): MessageRecord {
  const len = (k: number) => 500 + ((i * 977 + k * 331) % 1290); // UTF-16: 1,000–3,580 bytes
  return {
    subject: text(i, len(1)),
    body: text(i + 1, len(2)),
    internetMessageId: `<${text(i + 2, len(3))}@example.com>`,
    inReplyTo: `<${text(i + 3, len(4))}@example.com>`,
    references: text(i + 4, len(5)),
    transportHeaders: text(i + 5, len(6)),
    from: { name: text(i + 6, len(7)), address: 'a@example.com' },
    recipients: Array.from({ length: 1 + (i % 5) }, (_, r) => ({
      kind: 'to' as const,
      name: text(i + r, len(8 + r)),
      address: `r${r}@example.com`,
    })),
    categories: [text(i + 7, 300), text(i + 8, 700)],
    attachments: [
      {
        kind: 'file',
        name: 'small.bin',
        size: 1000 + (i % 2500),
        open: async function* () {
          yield new Uint8Array(1000 + (i % 2500));
        },
      },
    ],
  };
}

test('fits(): never true below the exact projection, always true at it (the bound is an upper bound)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-bound-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const writer = await PstWriter.create(join(dir, 'bound.pst'), { deterministic: true });
  let boundAnswers = 0;
  for (let i = 0; i < 120; i++) {
    const folder = ['Inbox', `F${i % 4}`];
    const record = wasteful(i);
    const exact = await writer.projectedSizeWith(folder, record);
    assert.equal(
      await writer.fits(exact - 1, folder, record),
      false,
      `message ${i}: fits one byte below its projection`,
    );
    // A far limit is answered by the bound alone (no projection); a limit at the projection must fit either way.
    if (await writer.fits(Number.MAX_SAFE_INTEGER, folder, record)) boundAnswers++;
    assert.equal(await writer.fits(exact, folder, record), true, `message ${i}: does not fit at its projection`);
    await writer.addMessage(folder, record);
    assert.equal(writer.projectedSize(), exact);
  }
  assert.ok(boundAnswers > 100, 'the bound path was exercised');
  const summary = await writer.finish();
  assert.equal(summary.messages, 120);
});
