/**
 * `WriteBehind`, the ring of write buffers written by asynchronous positional writes: writes land in the order they
 * were handed over (overlaps included), slots come back to the ring, `ready()` waits for a free slot and lets the
 * event loop turn, and a failed write is thrown with its code by what comes next. The writer gives way to the event
 * loop while it writes a large attachment whose bytes never wait for I/O.
 */

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PstWriter } from '../src/index.js';
import { TURN_INTERVAL_MS, WRITE_SLOTS, WriteBehind } from '../src/ndb/write-behind.js';

const SLOT = 64 * 1024;

/** One step of a plan: a slot of `length` bytes at `position`, or bytes of their own (`enqueue`). */
type Step = { kind: 'slot'; position: number; length: number } | { kind: 'bytes'; position: number; length: number };

/** Deterministic bytes for step `i`. */
function fill(bytes: Uint8Array, length: number, i: number): void {
  let seed = i * 7919 + 1;
  for (let k = 0; k < length; k++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bytes[k] = seed >>> 24;
  }
}

/**
 * Runs `steps` through a WriteBehind into a new file (awaiting `ready()` after each step when `paced`); returns the
 * file's bytes, the bytes the same writes give applied one after the other in memory, and the slots it used.
 */
async function run(
  steps: readonly Step[],
  paced: boolean,
): Promise<{ file: Buffer; model: Uint8Array; slots: Set<Uint8Array> }> {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-wb-'));
  try {
    const path = join(dir, 'out.bin');
    const wb = new WriteBehind(openSync(path, 'w+'), SLOT);
    const end = Math.max(...steps.map((s) => s.position + s.length));
    const model = new Uint8Array(end);
    const slots = new Set<Uint8Array>();
    for (const [i, step] of steps.entries()) {
      if (step.kind === 'slot') {
        const slot = wb.slot;
        slots.add(slot);
        fill(slot, step.length, i);
        model.set(slot.subarray(0, step.length), step.position);
        wb.submit(step.position, step.length);
      } else {
        const bytes = new Uint8Array(step.length);
        fill(bytes, step.length, i);
        model.set(bytes, step.position);
        wb.enqueue(step.position, bytes);
      }
      if (paced) await wb.ready();
    }
    await wb.drain();
    assert.equal(wb.pending, 0);
    await wb.close();
    return { file: readFileSync(path), model, slots };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Slots one after the other, a rewrite of earlier ranges (a rollback), and pages over earlier slots (AMap pages). */
const steps: Step[] = [];
let position = 0;
for (let i = 0; i < 12; i++) {
  const length = [SLOT, 1000, SLOT - 64, 512, SLOT][i % 5]!;
  steps.push({ kind: 'slot', position, length });
  if (i % 3 === 2) steps.push({ kind: 'bytes', position: position - 4096, length: 512 });
  // Every fourth slot starts again 3,000 bytes back, over the end of the one before it.
  position += i % 4 === 3 ? length - 3000 : length;
}
steps.push({ kind: 'bytes', position: 0, length: 512 });

test('WriteBehind: the file holds every write in the order handed over, overlaps included, paced or not', async () => {
  const paced = await run(steps, true);
  assert.deepEqual(new Uint8Array(paced.file), paced.model);
  const unpaced = await run(steps, false);
  assert.deepEqual(new Uint8Array(unpaced.file), unpaced.model);
  assert.deepEqual(unpaced.file, paced.file);
});

test('WriteBehind: awaiting ready() keeps the ring at WRITE_SLOTS slots; without it the ring grows', async () => {
  const many: Step[] = Array.from({ length: 40 }, (_, i) => ({ kind: 'slot', position: i * SLOT, length: SLOT }));
  const paced = await run(many, true);
  assert.ok(paced.slots.size <= WRITE_SLOTS, `${paced.slots.size} slots`);
  assert.deepEqual(new Uint8Array(paced.file), paced.model);
  const unpaced = await run(many, false);
  assert.ok(unpaced.slots.size > WRITE_SLOTS, `${unpaced.slots.size} slots: every slot handed over at once`);
  assert.deepEqual(new Uint8Array(unpaced.file), unpaced.model);
});

test('WriteBehind: ready() waits while every other slot is queued, and resolves once one is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-wb-'));
  const wb = new WriteBehind(openSync(join(dir, 'out.bin'), 'w+'), SLOT);
  try {
    for (let i = 0; i < WRITE_SLOTS - 1; i++) wb.submit(i * SLOT, SLOT);
    assert.equal(wb.pending, WRITE_SLOTS - 1);
    const waiting = wb.ready();
    assert.ok(waiting instanceof Promise, 'ready() waits with every other slot queued');
    await waiting;
    assert.ok(wb.pending < WRITE_SLOTS - 1, `${wb.pending} pending`);
  } finally {
    await wb.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WriteBehind: ready() lets the event loop turn once TURN_INTERVAL_MS passed, and not before', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-wb-'));
  // The clock is the test's: a loaded machine must not decide how long a stretch took.
  let clock = 1000;
  const wb = new WriteBehind(openSync(join(dir, 'out.bin'), 'w+'), SLOT, () => clock);
  try {
    clock += TURN_INTERVAL_MS - 0.5;
    assert.equal(wb.ready(), undefined, 'a stretch shorter than the interval goes on');
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    clock += 1; // now past the interval, as after a large message held the thread
    const pause = wb.ready();
    assert.ok(pause instanceof Promise, 'a long stretch gives way');
    assert.equal(turned, false);
    await pause;
    assert.equal(turned, true, 'the immediate queued before it ran');
    assert.equal(wb.ready(), undefined, 'right after a turn, nothing to wait for');
    clock += TURN_INTERVAL_MS;
    assert.ok(wb.ready() instanceof Promise, 'and the interval counts from that turn');
  } finally {
    await wb.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WriteBehind: a failed write is thrown by drain, then by submit, enqueue and ready, with its code', async () => {
  const fd = openSync('/dev/full', 'w');
  const wb = new WriteBehind(fd, SLOT);
  wb.slot.fill(7, 0, 4096);
  wb.submit(0, 4096);
  wb.enqueue(8192, new Uint8Array(512));
  const isFull = (err: NodeJS.ErrnoException): boolean => err.code === 'ENOSPC' && /no space/i.test(err.message);
  await assert.rejects(wb.drain(), isFull);
  assert.equal(wb.pending, 0, 'the writes queued behind the failed one are dropped');
  assert.throws(() => wb.submit(4096, 100), isFull, 'the error stays');
  assert.throws(() => wb.enqueue(0, new Uint8Array(1)), isFull);
  assert.throws(() => wb.ready(), isFull);
  await wb.close(); // never rejects; closes the descriptor
  await wb.close();
  assert.throws(
    () => closeSync(fd),
    (err: NodeJS.ErrnoException) => err.code === 'EBADF',
    'the descriptor was closed',
  );
});

test('WriteBehind: once closed, nothing more is written or truncated through its descriptor', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-wb-'));
  const wb = new WriteBehind(openSync(join(dir, 'out.bin'), 'w+'), SLOT);
  try {
    wb.submit(0, 4096);
    const truncated = wb.truncate(8192);
    const closed = wb.close();
    await assert.rejects(truncated, /closed/, 'a truncate waiting behind the writes when the file was closed');
    await closed;
    assert.throws(() => wb.submit(4096, 10), /closed/);
    assert.throws(() => wb.enqueue(0, new Uint8Array(1)), /closed/);
    assert.equal(readFileSync(join(dir, 'out.bin')).length, 4096, 'written, not truncated');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PstWriter: the event loop turns while a 24 MiB attachment from memory is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-wb-'));
  const chunk = new Uint8Array(65_536).fill(0x5a);
  const size = 24 * 1024 * 1024;
  // Bytes that are always there: without the writer's own pauses, the whole message would run in one turn.
  async function* bytes(): AsyncIterable<Uint8Array> {
    for (let at = 0; at < size; at += chunk.length) yield chunk;
  }
  let turns = 0;
  let counting = true;
  const tick = (): void => {
    turns++;
    if (counting) setImmediate(tick);
  };
  try {
    const writer = await PstWriter.create(join(dir, 'big.pst'), { deterministic: true });
    setImmediate(tick);
    const before = turns;
    await writer.addMessage(['Inbox'], {
      subject: 'big',
      body: 'see the attachment',
      attachments: [{ kind: 'file', name: 'big.bin', size, open: bytes }],
    });
    assert.ok(turns - before >= 2, `${turns - before} turns of the event loop while 24 MiB were written`);
    const summary = await writer.finish();
    assert.ok(summary.bytes > size);
  } finally {
    counting = false;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WriteBehind: close() drops the writes not started, waits for those under way, then closes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-wb-'));
  const path = join(dir, 'out.bin');
  const wb = new WriteBehind(openSync(path, 'w+'), SLOT);
  try {
    for (let i = 0; i < 8; i++) {
      wb.slot.fill(i + 1, 0, SLOT);
      wb.submit(i * SLOT, SLOT);
    }
    await wb.close();
    assert.equal(wb.pending, 0);
    const file = readFileSync(path);
    // The first writes were under way (at most a few at once) and landed whole; the rest never started.
    assert.ok(file.length >= SLOT && file.length < 8 * SLOT, `${file.length} bytes`);
    for (let at = 0; at < file.length; at += SLOT)
      assert.ok(file.subarray(at, at + SLOT).every((b) => b === at / SLOT + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
