/**
 * Bad input is rejected with an error naming the field and the value; the writer stays usable, and the file it
 * finishes afterwards is clean and holds only the good messages.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { AttachmentSizeError, type MessageRecord, PstError, PstInputError, PstWriter } from '@pstream/pst';
import { requireReaders } from '../support/oracles.js';
import { lyingAttachment, seededAttachment, tempDir, verifyPst, type Written } from './support.js';

const BAD: { what: string; record: MessageRecord; error: RegExp; type: new (...args: never[]) => Error }[] = [
  {
    what: 'a date that is not a date',
    record: { subject: 'bad date', sentAt: new Date('not a date') },
    error: /message\.sentAt .*Invalid Date/,
    type: PstInputError,
  },
  {
    what: 'a string where a date belongs',
    record: { subject: 'bad date 2', receivedAt: '2024-01-01' as unknown as Date },
    error: /message\.receivedAt .*"2024-01-01"/,
    type: PstInputError,
  },
  {
    what: 'a negative attachment size',
    record: {
      subject: 'negative',
      attachments: [{ kind: 'file', name: 'n.bin', size: -1, open: async function* () {} }],
    },
    error: /message\.attachments\[0\]\.size .*-1/,
    type: PstInputError,
  },
  {
    what: 'an embedded message with a bad date',
    record: {
      subject: 'nested bad',
      attachments: [{ kind: 'message', name: 'inner', message: { subject: 'inner', createdAt: new Date(NaN) } }],
    },
    error: /message\.attachments\[0\]\.message\.createdAt/,
    type: PstInputError,
  },
  {
    what: 'a source with fewer bytes than its size (small)',
    record: { subject: 'short small', attachments: [lyingAttachment('short.txt', 100, 99)] },
    error: /"short\.txt" declared size 100 but its source gave 99/,
    type: AttachmentSizeError,
  },
  {
    what: 'a source with more bytes than its size (small)',
    record: { subject: 'long small', attachments: [lyingAttachment('long.txt', 100, 101)] },
    error: /"long\.txt" declared size 100 .*101/,
    type: AttachmentSizeError,
  },
  {
    what: 'a source with fewer bytes than its size (data tree)',
    record: {
      subject: 'short big',
      attachments: [seededAttachment('ok.bin', 5000, 1), lyingAttachment('short.bin', 100_000, 99_999)],
    },
    error: /"short\.bin" declared size 100000 but its source gave 99999/,
    type: AttachmentSizeError,
  },
  {
    what: 'a source with more bytes than its size (data tree)',
    record: { subject: 'long big', attachments: [lyingAttachment('long.bin', 100_000, 200_000)] },
    error: /"long\.bin" declared size 100000/,
    type: AttachmentSizeError,
  },
  {
    // Rolled back across a dozen AMap regions and many BBT leaves: the bitmap and the pending BBT entries come back.
    what: 'a source with fewer bytes than its size, across many AMap regions',
    record: { subject: 'short huge', attachments: [lyingAttachment('huge.bin', 3_000_000, 2_999_999)] },
    error: /"huge\.bin" declared size 3000000 but its source gave 2999999/,
    type: AttachmentSizeError,
  },
  {
    what: 'embedded messages nested deeper than the writer stores',
    record: Array.from({ length: 40 }).reduce<MessageRecord>(
      (inner, _, i) => ({ subject: `level ${39 - i}`, attachments: [{ kind: 'message', name: 'm', message: inner }] }),
      { subject: 'deepest' },
    ),
    error: /^message(\.attachments\[0\]\.message){33} nests embedded messages deeper than 32 levels: 33$/,
    type: PstInputError,
  },
  {
    what: 'a lying source inside an embedded message',
    record: {
      subject: 'nested lie',
      attachments: [
        {
          kind: 'message',
          name: 'inner',
          message: { subject: 'inner', attachments: [lyingAttachment('in.bin', 20_000, 10)] },
        },
      ],
    },
    error: /"in\.bin" declared size 20000/,
    type: AttachmentSizeError,
  },
];

test('invalid input is rejected naming the field, the writer stays usable and the file is clean', async (t) => {
  if (!(await requireReaders(t))) return;
  const dir = await tempDir(t);
  const w = await PstWriter.create(join(dir, 'bad.pst'), { deterministic: true });
  const good: Written[] = [];
  const addGood = async (i: number): Promise<void> => {
    const item: Written = {
      folder: i % 2 ? ['Inbox'] : ['Inbox', 'Sub'],
      record: {
        subject: `good ${i}`,
        body: `body ${i}`,
        attachments: [seededAttachment(`g${i}.bin`, 9000 * i, 50 + i)],
      },
    };
    await w.addMessage(item.folder, item.record);
    good.push(item);
  };
  await addGood(1);
  for (const [i, bad] of BAD.entries()) {
    const before = w.projectedSize();
    // a failing message in a folder that does not exist yet: the folder must not be left behind
    await assert.rejects(w.addMessage(['Never', `created ${i}`], bad.record), (e: unknown) => {
      assert.ok(e instanceof bad.type, `${bad.what}: ${String(e)}`);
      assert.ok(e instanceof PstError, bad.what);
      assert.equal(e.code, bad.type === PstInputError ? 'invalid-message' : 'attachment-size-mismatch', bad.what);
      assert.match((e as Error).message, bad.error, bad.what);
      return true;
    });
    assert.equal(w.projectedSize(), before, `${bad.what}: the projection is unchanged`);
    assert.equal(w.messageCount, i + 1);
    await addGood(i + 2);
  }
  const summary = await w.finish();
  assert.equal(summary.messages, BAD.length + 1);
  assert.equal(summary.bytes, (await import('node:fs')).statSync(summary.path).size);
  await verifyPst(summary.path, good);
});

test('validation errors carry the field and the value', async (t) => {
  const dir = await tempDir(t);
  const w = await PstWriter.create(join(dir, 'fields.pst'), { deterministic: true });
  const error = await w.addMessage(['x'], { subject: 'x', sentAt: new Date(NaN) }).then(
    () => assert.fail('accepted an invalid date'),
    (e: unknown) => e as PstInputError,
  );
  assert.equal(error.field, 'message.sentAt');
  assert.ok(error.value instanceof Date);
  assert.equal(error.code, 'invalid-message');
  await w.abort();
});

test('bad writer options are a TypeError or RangeError naming the option; a call out of turn is a PstError writer-state', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(
    PstWriter.create(join(dir, 'o.pst'), { encryption: 'rot13' as 'none' }),
    (e: unknown) => e instanceof RangeError && /^encryption must be "permute" or "none", got "rot13"$/.test(e.message),
  );
  await assert.rejects(
    PstWriter.create(join(dir, 'o.pst'), { displayName: 7 as unknown as string }),
    (e: unknown) => e instanceof TypeError && /^displayName must be a string, got number$/.test(e.message),
  );
  await assert.rejects(
    PstWriter.create('' as string),
    (e: unknown) => e instanceof TypeError && /^path must be a non-empty string/.test(e.message),
  );
  const w = await PstWriter.create(join(dir, 'state.pst'), { deterministic: true });
  await w.abort();
  await assert.rejects(
    w.addMessage(['x'], { subject: 'late' }),
    (e: unknown) => e instanceof PstError && e.code === 'writer-state' && /the writer is aborted/.test(e.message),
  );
});
