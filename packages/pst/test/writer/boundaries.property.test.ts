/**
 * Whole messages at the writer's limits, as a property: fast-check generates messages whose field counts and sizes
 * sit on every boundary of the layout (see boundary-records.ts), writes a few of them into one PST, and the file must
 * pass checkPst (strict) and pst_fsck.py and read back, field by field, through pypff and pst-extractor (and
 * pffexport for embedded messages). A layout probe records which boundaries the written files reached; the run fails
 * when one was not reached, so that the generator cannot drift away from the limits unnoticed.
 *
 * Deterministic: a fixed seed unless `PSTREAM_FC_SEED` is set; `PSTREAM_FC_RUNS` raises the number of files for a
 * soak run. A failure prints the seed, the path to replay and the shrunk messages.
 */

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type MessageRecord, PstWriter } from '@pstream/pst';
import fc from 'fast-check';
import { requireReaders } from '../support/oracles.js';
import { boundaryMessage, HEAP_MAX, makeText, PC_PAGES } from './boundary-records.js';
import { LayoutProbe } from './layout-probe.js';
import {
  asLibpffReads,
  asPstExtractorReads,
  assertMessageFields,
  seededAttachment,
  tempDir,
  verifyPst,
  type Written,
  writePst,
} from './support.js';

const SEED = Number(process.env.PSTREAM_FC_SEED ?? 20_261_206);
const RUNS = Number(process.env.PSTREAM_FC_RUNS ?? 30);

/** One file's worth of messages; `tune` asks for the PC's BTH leaf to open a heap page (see {@link leafFirstOnAPage}). */
const batch = fc.array(fc.record({ record: boundaryMessage, tune: fc.boolean() }), { minLength: 2, maxLength: 4 });

/**
 * The record with padding in PidTagInternetReferences (and, when that is not enough, in the transport headers, the
 * in-reply-to and the message id; the padding replaces the record's own values) such that the message PC's BTH leaf,
 * its last allocation, is the first allocation of a heap page: the shape in which a page header written over the
 * page's start damages the leaf. The padding is found by bisection over projections (which lay the message out
 * without writing it), watched by `probe`.
 */
async function leafFirstOnAPage(
  w: PstWriter,
  folder: readonly string[],
  record: MessageRecord,
  probe: LayoutProbe,
): Promise<MessageRecord> {
  const per = HEAP_MAX / 2;
  const pad = (total: number, i: number): string | undefined => {
    const n = Math.min(per, Math.max(0, total - i * per));
    return n > 0 ? makeText(n, 'ascii', 7 + i) : undefined;
  };
  const padded = (total: number): MessageRecord => ({
    ...record,
    references: pad(total, 0),
    transportHeaders: pad(total, 1),
    inReplyTo: pad(total, 2),
    internetMessageId: pad(total, 3),
  });
  const leafPage = async (total: number): Promise<number> => {
    const before = probe.pcs.length;
    await w.projectedSizeWith(folder, padded(total));
    const pc = probe.pcs.slice(before).findLast((p) => p.isMessage);
    assert.ok(pc, 'the projection laid out a message PC');
    return pc.leafPage;
  };
  const start = await leafPage(0);
  let lo = 0;
  let hi = 4 * per;
  if ((await leafPage(hi)) === start) return record;
  // the smallest padding that moves the leaf to the next page: it opens that page
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((await leafPage(mid)) === start) lo = mid;
    else hi = mid;
  }
  return padded(hi);
}

test('messages at the writer limits read back through checkPst, pypff and pst-extractor', {
  timeout: 30 * 60 * 1000,
}, async (t) => {
  if (!(await requireReaders(t, 'fsck', 'pypff', 'pffexport', 'pstextractor'))) return;
  const dir = await tempDir(t);
  const probe = new LayoutProbe();
  t.after(probe.install());
  t.diagnostic(`fast-check seed ${SEED}, ${RUNS} runs (PSTREAM_FC_SEED, PSTREAM_FC_RUNS)`);
  let run = 0;
  const result = await fc.check(
    fc.asyncProperty(batch, async (cases) => {
      const path = join(dir, `case-${run++}.pst`);
      const items: Written[] = [];
      const tuner = await PstWriter.create(join(dir, 'tuning.pst'), { deterministic: true });
      probe.counting = false;
      try {
        for (const [i, c] of cases.entries()) {
          // one folder a message: messages are paired by subject inside a folder, and generated subjects may repeat
          const folder = [`F${i}`];
          items.push({ folder, record: c.tune ? await leafFirstOnAPage(tuner, folder, c.record, probe) : c.record });
        }
      } finally {
        probe.counting = true;
        await tuner.abort();
      }
      try {
        await writePst(dir, `case-${run - 1}.pst`, items);
        await verifyPst(path, items, {
          readers: ['pypff', 'pstextractor'],
          adjust: { pypff: asLibpffReads, pstextractor: asPstExtractorReads },
          deep: true,
        });
        await assertMessageFields(path, items);
      } finally {
        await rm(path, { force: true });
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: false, interruptAfterTimeLimit: 25 * 60 * 1000 },
  );
  if (result.failed) {
    const e = result.errorInstance;
    const error =
      e instanceof Error ? (e instanceof assert.AssertionError ? e.message : (e.stack ?? e.message)) : String(e);
    assert.fail(
      `property failed after ${result.numRuns} files (${result.numShrinks} shrinks): replay with PSTREAM_FC_SEED=${SEED} (path ${result.counterexamplePath})\n` +
        `${error.slice(0, 6000)}\nshrunk messages: ${describe(result.counterexample)}`,
    );
  }
  t.diagnostic(
    `boundaries reached: ${[...probe.seen].map(([b, n]) => `${b}: ${n}`).join('; ')}; most allocations in one heap page: ${probe.maxAllocationsPerPage}`,
  );
  assert.deepEqual(probe.missed(), [], 'every boundary of the layout was reached');
});

test('a message PC that would take 10 heap pages keeps to 8, its largest values in subnodes, and libpff reads it', async (t) => {
  if (!(await requireReaders(t))) return;
  const dir = await tempDir(t);
  const probe = new LayoutProbe();
  t.after(probe.install());
  // twenty values of 3580 bytes: two a page
  const s = (c: string): string => c.repeat(HEAP_MAX / 2);
  const record: MessageRecord = {
    subject: s('a'),
    messageClass: `IPM.Note.${'X'.repeat(HEAP_MAX / 2 - 9)}`,
    from: { name: s('b'), address: s('c'), addressType: s('d') },
    sender: { name: s('e'), address: s('f'), addressType: s('g') },
    recipients: [
      { kind: 'to', name: s('h'), address: 'to@example.com' },
      { kind: 'cc', name: s('i'), address: 'cc@example.com' },
      { kind: 'bcc', name: s('j'), address: 'bcc@example.com' },
    ],
    internetMessageId: s('k'),
    inReplyTo: s('l'),
    references: s('m'),
    transportHeaders: s('n'),
    body: s('o'),
    html: 'p'.repeat(HEAP_MAX),
  };
  const items: Written[] = [{ folder: ['Inbox'], record }];
  const summary = await writePst(dir, 'full-pc.pst', items);
  assert.equal(probe.pcs.findLast((p) => p.isMessage)?.pages, PC_PAGES);
  // libpff 20180714 misreads the BTH records of a PC of 9 pages or more (see MAX_PC_PAGES)
  await verifyPst(summary.path, items);
  await assertMessageFields(summary.path, items);
});

// libfmapi (pffexport) checks the CRC of PidTagRtfCompressed even in the uncompressed form, whose CRC is 0, and
// then exports neither the body nor the attachments: the writer stores RTF compressed (LZFu) for that reason.
test('pffexport exports the body and attachments of a message with an RTF body', async (t) => {
  if (!(await requireReaders(t))) return;
  const dir = await tempDir(t);
  const items: Written[] = [
    {
      folder: ['Inbox'],
      record: { subject: 'rich text', rtf: '{\\rtf1 hello}', attachments: [seededAttachment('a.txt', 100, 3)] },
    },
  ];
  const summary = await writePst(dir, 'rtf.pst', items);
  await verifyPst(summary.path, items, { readers: ['pffexport'], deep: false });
});

/** A counterexample, readable: long strings and lists cut, with their length. */
function describe(value: unknown): string {
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'string' && v.length > 80) return `${v.slice(0, 60)}… (${v.length} units)`;
      if (Array.isArray(v) && v.length > 6) return [...v.slice(0, 3), `… (${v.length} items)`];
      if (v instanceof Date) return v.toISOString();
      return v;
    },
    1,
  );
  return (text ?? String(value)).slice(0, 20_000);
}
