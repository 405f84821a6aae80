/**
 * The splitter: no part over the limit (to the byte), every message exactly once and in order, parts filled
 * greedily (a part is closed only when the next message does not fit it), oversize messages alone, every part a
 * complete PST with its own store identity and the folders of its messages.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkPst, type MessageRecord, PstWriter } from '@pstream/pst';
import fc from 'fast-check';
import { EMPTY_PST_BYTES, type FinishedPart, PstSplitter } from '../../src/split/pst-splitter.js';
import { readPst } from './read-pst.js';
import { seqOf, sizedRecord } from './records.js';

interface Item {
  readonly folder: readonly string[];
  readonly record: MessageRecord;
}

const FOLDERS: readonly (readonly string[])[] = [
  ['Inbox'],
  ['Inbox', 'Support'],
  ['Inbox', 'Support', '2024'],
  ['Sent Items'],
  ['Archive', 'Old'],
];

async function freshDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-split-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the splitter over `items`; returns the parts and which adds reported oversize. */
async function split(
  dir: string,
  limitBytes: number,
  items: readonly Item[],
): Promise<{ parts: readonly FinishedPart[]; oversize: number[] }> {
  const received: FinishedPart[] = [];
  const splitter = new PstSplitter({
    limitBytes,
    directory: dir,
    displayName: (i) => `store ${i}`,
    onPart: async (p) => void received.push(p),
  });
  const oversize: number[] = [];
  for (const [i, item] of items.entries()) if (await splitter.add(item.folder, item.record)) oversize.push(i);
  const parts = await splitter.finish();
  assert.deepEqual(received, parts, 'onPart received every part, in order');
  return { parts, oversize };
}

/** The size a fresh PST would have holding `items` plus `next`. */
async function projectedWith(dir: string, items: readonly Item[], next: Item): Promise<number> {
  const writer = await PstWriter.create(join(dir, 'projection.pst'));
  try {
    for (const item of items) await writer.addMessage(item.folder, item.record);
    return await writer.projectedSizeWith(next.folder, next.record);
  } finally {
    await writer.abort();
  }
}

/** Every folder a PST holding messages in `folders` shows under its IPM subtree. */
function expectedFolderSet(folders: readonly (readonly string[])[]): string[] {
  const set = new Set(['', 'Deleted Items']);
  for (const f of folders) for (let d = 1; d <= f.length; d++) set.add(f.slice(0, d).join('/'));
  return [...set].sort();
}

/** Checks everything the splitter promises about `parts` written from `items`. */
async function assertSplit(
  dir: string,
  limit: number,
  items: readonly Item[],
  parts: readonly FinishedPart[],
  oversize: readonly number[],
): Promise<void> {
  assert.ok(parts.length >= 1 || items.length === 0);
  assert.equal(
    parts.reduce((n, p) => n + p.messages, 0),
    items.length,
    'every message is in a part',
  );
  const keys = new Set<string>();
  let next = 0;
  for (const [k, part] of parts.entries()) {
    assert.equal(part.index, k + 1);
    assert.equal(part.path, join(dir, `part-${String(k + 1).padStart(3, '0')}.pst`));
    assert.equal((await stat(part.path)).size, part.bytes, `part ${part.index}: reported size is the file size`);
    const mine = items.slice(next, next + part.messages);
    if (part.oversize) {
      assert.equal(part.messages, 1, `oversize part ${part.index} holds one message`);
      assert.ok(oversize.includes(next), `add() reported message ${next} as oversize`);
      // It did not fit even an empty PST.
      assert.ok((await projectedWith(dir, [], mine[0]!)) > limit);
    } else {
      assert.ok(part.bytes <= limit, `part ${part.index}: ${part.bytes} bytes > limit ${limit}`);
    }
    // Read back: the part's messages, in order, in their folders; nothing else.
    const back = await readPst(part.path);
    assert.equal(back.storeName, `store ${part.index}`);
    assert.ok(back.recordKey.length === 32, 'the store has a 16-byte record key');
    keys.add(back.recordKey);
    assert.deepEqual(
      [...back.folders.keys()].sort(),
      expectedFolderSet(mine.map((m) => m.folder)),
      `part ${part.index}: folders`,
    );
    for (const [path, subjects] of back.folders) {
      const want = mine.filter((m) => m.folder.join('/') === path).map((m) => m.record.subject);
      assert.deepEqual(subjects, want, `part ${part.index}, folder ${JSON.stringify(path)}: subjects in order`);
    }
    const seqs = [...back.folders.values()]
      .flat()
      .map(seqOf)
      .sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      mine.map((m) => seqOf(m.record.subject)),
      `part ${part.index} holds a contiguous run`,
    );
    const report = await checkPst(part.path, { strict: true });
    assert.ok(report.ok, `part ${part.index}: checkPst: ${report.errors.map((e) => e.message).join('; ')}`);
    // Greedy fill: a part was closed only because the next message did not fit it.
    const following = items[next + part.messages];
    if (following && !part.oversize && k + 1 < parts.length) {
      assert.ok(
        (await projectedWith(dir, mine, following)) > limit,
        `part ${part.index} was closed although message ${next + part.messages} fitted`,
      );
    }
    next += part.messages;
  }
  assert.equal(keys.size, parts.length, 'every part has its own store identity');
  assert.deepEqual(
    oversize,
    parts.filter((p) => p.oversize).map((p) => parts.slice(0, p.index - 1).reduce((n, q) => n + q.messages, 0)),
    'add() returned true exactly for the oversize messages',
  );
}

test('property: random message sizes and limits — no part over the limit, each message once, in order, greedy fill', async (t) => {
  const dir = await freshDir(t);
  const itemArb = fc.record({
    folder: fc.constantFrom(...FOLDERS),
    bodyChars: fc.integer({ min: 0, max: 6000 }),
    // Mostly small attachments, some near or above the limit.
    attachmentBytes: fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 120_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 120_000, max: 900_000 }) },
    ),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: EMPTY_PST_BYTES, max: EMPTY_PST_BYTES + 1_500_000 }),
      fc.array(itemArb, { minLength: 1, maxLength: 60 }),
      async (limit, specs) => {
        const runDir = await mkdtemp(join(dir, 'run-'));
        const items: Item[] = specs.map((s, i) => ({
          folder: s.folder,
          record: sizedRecord(i, { bodyChars: s.bodyChars, attachmentBytes: s.attachmentBytes }),
        }));
        const { parts, oversize } = await split(runDir, limit, items);
        await assertSplit(runDir, limit, items, parts, oversize);
        // Only the finished parts remain: no partial file is left behind.
        assert.deepEqual(
          (await readdir(runDir)).sort(),
          parts.map((p) => `part-${String(p.index).padStart(3, '0')}.pst`),
        );
        await rm(runDir, { recursive: true, force: true });
      },
    ),
    { seed: 0x5eed, numRuns: 40 },
  );
});

test('the limit is exact to the byte: a limit one byte below a part size moves its last message on', async (t) => {
  const dir = await freshDir(t);
  const items: Item[] = Array.from({ length: 12 }, (_, i) => ({
    folder: ['Inbox'],
    record: sizedRecord(i, { attachmentBytes: 40_000 }),
  }));
  const whole = await split(await mkdtemp(join(dir, 'a-')), 10_000_000, items);
  assert.equal(whole.parts.length, 1);
  const size = whole.parts[0]!.bytes;
  // At exactly the size, one part; one byte less, two.
  const exact = await split(await mkdtemp(join(dir, 'b-')), size, items);
  assert.deepEqual(
    exact.parts.map((p) => p.messages),
    [12],
  );
  const below = await split(await mkdtemp(join(dir, 'c-')), size - 1, items);
  assert.equal(below.parts.length, 2);
  assert.ok(below.parts.every((p) => p.bytes <= size - 1));
  assert.equal(below.parts[0]!.messages + below.parts[1]!.messages, 12);
});

test('a message larger than the limit goes alone into its own part, marked oversize; nothing is dropped', async (t) => {
  const dir = await freshDir(t);
  const limit = EMPTY_PST_BYTES + 300_000;
  const items: Item[] = [
    { folder: ['Inbox'], record: sizedRecord(0, { attachmentBytes: 10_000 }) },
    { folder: ['Inbox'], record: sizedRecord(1, { attachmentBytes: 10_000 }) },
    { folder: ['Big'], record: sizedRecord(2, { attachmentBytes: 2_000_000 }) },
    { folder: ['Big'], record: sizedRecord(3, { attachmentBytes: 1_000_000 }) },
    { folder: ['Inbox'], record: sizedRecord(4, { attachmentBytes: 10_000 }) },
  ];
  const { parts, oversize } = await split(dir, limit, items);
  assert.deepEqual(
    parts.map((p) => [p.messages, p.oversize]),
    [
      [2, false],
      [1, true],
      [1, true],
      [1, false],
    ],
  );
  assert.deepEqual(oversize, [2, 3]);
  assert.ok(parts[1]!.bytes > limit && parts[2]!.bytes > limit);
  await assertSplit(dir, limit, items, parts, oversize);
});

test('an oversize first message, then small ones: the small ones share the next part', async (t) => {
  const dir = await freshDir(t);
  const limit = EMPTY_PST_BYTES + 100_000;
  const items: Item[] = [
    { folder: ['A'], record: sizedRecord(0, { attachmentBytes: 500_000 }) },
    { folder: ['A'], record: sizedRecord(1) },
    { folder: ['B'], record: sizedRecord(2) },
  ];
  const { parts, oversize } = await split(dir, limit, items);
  assert.deepEqual(
    parts.map((p) => p.messages),
    [1, 2],
  );
  assert.deepEqual(oversize, [0]);
  await assertSplit(dir, limit, items, parts, oversize);
});

test('EMPTY_PST_BYTES is the size of a PST with no message, and the smallest limit accepted', async (t) => {
  const dir = await freshDir(t);
  const writer = await PstWriter.create(join(dir, 'empty.pst'));
  assert.equal((await writer.finish()).bytes, EMPTY_PST_BYTES);
  assert.throws(
    () => new PstSplitter({ limitBytes: EMPTY_PST_BYTES - 1, directory: dir, onPart: async () => {} }),
    new RegExp(`limitBytes must be an integer of at least ${EMPTY_PST_BYTES}\\b`),
  );
  assert.throws(
    () => new PstSplitter({ limitBytes: 1.5e6 + 0.5, directory: dir, onPart: async () => {} }),
    /limitBytes/,
  );
  // At the minimum, small messages still share the slack of the first AMap region; a large one is oversize.
  const items: Item[] = [
    { folder: ['Inbox'], record: sizedRecord(0) },
    { folder: ['Inbox'], record: sizedRecord(1) },
    { folder: ['Inbox'], record: sizedRecord(2, { attachmentBytes: 300_000 }) },
    { folder: ['Inbox'], record: sizedRecord(3) },
  ];
  const { parts, oversize } = await split(await mkdtemp(join(dir, 'min-')), EMPTY_PST_BYTES, items);
  assert.deepEqual(
    parts.map((p) => [p.messages, p.oversize, p.bytes]),
    [
      [2, false, EMPTY_PST_BYTES],
      [1, true, parts[1]!.bytes],
      [1, false, EMPTY_PST_BYTES],
    ],
  );
  assert.deepEqual(oversize, [2]);
});

test('the splitter waits for onPart before writing on (backpressure), and abort() deletes the part being written', async (t) => {
  const dir = await freshDir(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let handedOver!: () => void;
  const handed = new Promise<string>((r) => (handedOver = () => r('handed')));
  const received: FinishedPart[] = [];
  const splitter = new PstSplitter({
    limitBytes: EMPTY_PST_BYTES + 50_000,
    directory: dir,
    onPart: async (p) => {
      received.push(p);
      handedOver();
      await gate;
    },
  });
  // Add messages until one rolls over to part 2: that add is then held until onPart resolves.
  let pending: Promise<boolean> | undefined;
  let added = false;
  for (let i = 0; i < 50 && received.length === 0; i++) {
    const add = splitter.add(['Inbox'], sizedRecord(i, { attachmentBytes: 60_000 }));
    if ((await Promise.race([add.then(() => 'added'), handed])) === 'handed')
      pending = add.finally(() => (added = true));
  }
  assert.ok(pending, 'a rollover happened');
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.equal(added, false, 'add() is held while onPart has not resolved');
  assert.deepEqual(await readdir(dir), ['part-001.pst'], 'no second part is started while the first is held');
  release();
  await pending;
  assert.equal(splitter.currentPart, 2);
  assert.ok(
    (await readdir(dir)).some((n) => n.endsWith('.partial')),
    'part 2 is being written',
  );
  await splitter.abort();
  assert.deepEqual(await readdir(dir), ['part-001.pst'], 'abort removed the partial part, finished parts stay');
  await assert.rejects(splitter.add(['Inbox'], sizedRecord(2)), /already finished/);
});

test('fill: messages small next to the limit fill every part but the last to at least 99.5 %', async (t) => {
  const dir = await freshDir(t);
  const limit = 64 * 1024 * 1024;
  const items: Item[] = Array.from({ length: 700 }, (_, i) => ({
    folder: FOLDERS[i % FOLDERS.length]!,
    record: sizedRecord(i, {
      bodyChars: 200 + ((i * 7919) % 3000),
      attachmentBytes: 100_000 + ((i * 104_729) % 200_000),
    }),
  }));
  const { parts } = await split(dir, limit, items);
  assert.ok(parts.length >= 3, `expected at least 3 parts, got ${parts.length}`);
  for (const p of parts.slice(0, -1))
    assert.ok(
      p.bytes >= 0.995 * limit && p.bytes <= limit,
      `part ${p.index}: ${p.bytes} bytes is ${((100 * p.bytes) / limit).toFixed(3)} % of the limit`,
    );
});
