/**
 * Size accounting, as a property: for random sequences of messages (subject and body lengths, recipients, attachment
 * sizes around block boundaries, folders), `projectedSizeWith(folder, record)` before an add equals `projectedSize()`
 * after it, and the finished file's size equals the last projection exactly.
 */

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Attachment, type MessageRecord, PstWriter } from '@pstream/pst';
import fc from 'fast-check';
import { assertCheckClean, seededAttachment, tempDir } from './support.js';

/** Attachment sizes near the boundaries that change the layout: heap limit, block, XBLOCK → XXBLOCK. */
const attachmentSize = fc.oneof(
  fc.integer({ min: 0, max: 4000 }),
  fc.constantFrom(3580, 3581, 8175, 8176, 8177, 16352, 16353),
  fc.integer({ min: 8176 * 1020, max: 8176 * 1022 }),
  fc.integer({ min: 4000, max: 300_000 }),
);

const attachment: fc.Arbitrary<Attachment> = fc
  .tuple(attachmentSize, fc.integer({ min: 1, max: 1000 }), fc.boolean())
  .map(([size, seed, inline]) =>
    seededAttachment(`a${seed}.bin`, size, seed, inline ? { contentId: `c${seed}@x`, isInline: true } : {}),
  );

const text = (max: number): fc.Arbitrary<string> =>
  fc.integer({ min: 0, max }).chain((n) => fc.constantFrom('a', 'é', '😀', ' ', 'Z').map((c) => c.repeat(n)));

const record: fc.Arbitrary<MessageRecord> = fc.record({
  subject: text(600),
  body: fc.option(text(12_000), { nil: undefined }),
  html: fc.option(text(5000), { nil: undefined }),
  recipients: fc.array(
    fc.record({
      kind: fc.constantFrom('to' as const, 'cc' as const, 'bcc' as const),
      name: text(40),
      address: fc.constant('x@example.com'),
    }),
    { maxLength: 120 },
  ),
  categories: fc.option(fc.array(text(20), { maxLength: 3 }), { nil: undefined }),
  attachments: fc.array(attachment, { maxLength: 3 }),
});

const step = fc.record({
  folder: fc.constantFrom(['Inbox'], ['Inbox', 'A'], ['B'], ['B', 'C', 'D'], ['Deleted Items']),
  record,
  embed: fc.boolean(),
});

test('projectedSizeWith before an add equals projectedSize after it; the file size equals the last projection', {
  timeout: 15 * 60 * 1000,
}, async (t) => {
  const dir = await tempDir(t);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const path = join(dir, `p${run++}.pst`);
      const w = await PstWriter.create(path, { deterministic: true });
      try {
        let last = w.projectedSize();
        for (const [i, s] of steps.entries()) {
          const rec: MessageRecord = s.embed
            ? { subject: `outer ${i}`, attachments: [{ kind: 'message', name: 'inner', message: s.record }] }
            : s.record;
          const predicted = await w.projectedSizeWith(s.folder, rec);
          assert.equal(w.projectedSize(), last, 'a projection changes nothing');
          await w.addMessage(s.folder, rec);
          last = w.projectedSize();
          assert.equal(last, predicted, `message ${i}: projected with ${predicted}, after the add ${last}`);
        }
        const summary = await w.finish();
        assert.equal(summary.bytes, last);
        assert.equal(statSync(path).size, last);
        await assertCheckClean(path);
      } finally {
        await w.abort();
      }
    }),
    { numRuns: 20, seed: 20240601, endOnFailure: true },
  );
});
