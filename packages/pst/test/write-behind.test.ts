import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pstCrc } from '../src/encode/crc.js';
import { createPermuteBuffer } from '../src/encode/permute-buffer.js';
import { permuteEncode } from '../src/encode/permute.js';
import { WriteBehind, type WriteBehindOptions } from '../src/ndb/write-behind.js';

const SLOT = 64 * 1024;
const PAGE = 512;

interface Plan {
  /** Per job: blocks (cb of each, laid out from the slot start at 64-byte multiples) and patches. */
  readonly jobs: { blocks: number[]; patches: { position: number; fill: number }[] }[];
}

/** Runs `plan` through a WriteBehind (a new one by default) into a new file; returns its bytes and whether a thread ran. */
function run(plan: Plan, options: WriteBehindOptions, reuse?: WriteBehind, slots = 2): { bytes: Buffer; threaded: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-wb-'));
  try {
    const path = join(dir, 'out.bin');
    const fd = openSync(path, 'w+');
    const wb = reuse ?? new WriteBehind(new Uint8Array(new SharedArrayBuffer(slots * SLOT)), SLOT, PAGE, options);
    const memory = wb.tables.memory;
    wb.attach(fd);
    let position = 0;
    let seed = 1;
    for (const job of plan.jobs) {
      let at = 0;
      for (const cb of job.blocks) {
        const base = wb.base + at;
        const size = (cb + 16 + 63) & ~63;
        // Like the NDB writer, write every byte handed over: slots are reused as they are.
        for (let i = 0; i < cb; i++) memory[base + i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
        memory.fill(0, base + cb, base + size);
        wb.noteBlock(base, cb);
        at += size;
      }
      for (const patch of job.patches) assert.ok(wb.addPatch(patch.position, new Uint8Array(PAGE).fill(patch.fill)));
      wb.submit(position, at);
      position += at;
    }
    wb.drain();
    const threaded = wb.threaded;
    assert.equal(wb.detach(), true);
    if (!reuse) wb.dispose();
    closeSync(fd);
    return { bytes: readFileSync(path), threaded };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks the dwCRC (at trailer + 4) of every block past the first page (which the patches overwrite). */
function assertCrcs(bytes: Buffer, plan: Plan): void {
  let at = 0;
  let checked = 0;
  for (const job of plan.jobs) {
    for (const cb of job.blocks) {
      const size = (cb + 16 + 63) & ~63;
      if (at >= PAGE) {
        const stored = bytes.readUInt32LE(at + size - 12);
        assert.equal(stored, pstCrc(bytes.subarray(at, at + cb)), `dwCRC of the block at ${at}`);
        checked++;
      }
      at += size;
    }
  }
  assert.equal(bytes.length, at);
  assert.ok(checked > 50);
}

const plan: Plan = {
  jobs: Array.from({ length: 9 }, (_, j) => ({
    blocks: Array.from({ length: 7 }, (_, i) => [8176, 1, 4000, 63, 64, 65, 8000][(i + j) % 7]!),
    // Each job after the first patches the file's first page (written by job 0), as the writer does with AMap pages.
    patches: j === 0 ? [] : [{ position: 0, fill: j }],
  })),
};

test('WriteBehind: jobs run on a thread give the same file as jobs run in place, with every dwCRC filled in', () => {
  const inPlace = run(plan, { threadAfterJobs: Infinity });
  const threaded = run(plan, { threadAfterJobs: 0 });
  const late = run(plan, { threadAfterJobs: 3 });
  assert.equal(inPlace.threaded, false);
  assert.equal(threaded.threaded, true, 'the write thread ran');
  assert.equal(late.threaded, true, 'the write thread took over after three jobs');
  assertCrcs(inPlace.bytes, plan);
  assert.deepEqual(threaded.bytes, inPlace.bytes);
  assert.deepEqual(late.bytes, inPlace.bytes);
  // The last patch (fill 8) was written after every slot, over the start of the file.
  assert.ok(inPlace.bytes.subarray(0, PAGE).every((b) => b === 8));
});

test('WriteBehind: with four slots (the writer\'s), in place and on a thread, the same file as with two', () => {
  const two = run(plan, { threadAfterJobs: Infinity });
  for (const threadAfterJobs of [Infinity, 0, 3]) {
    const four = run(plan, { threadAfterJobs }, undefined, 4);
    assert.equal(four.threaded, threadAfterJobs !== Infinity);
    assert.deepEqual(four.bytes, two.bytes, `threadAfterJobs ${threadAfterJobs}`);
  }
  assertCrcs(two.bytes, plan);
});

test('WriteBehind: one buffer and thread serve file after file, also after a file abandoned with bytes staged', () => {
  const wb = new WriteBehind(new Uint8Array(new SharedArrayBuffer(2 * SLOT)), SLOT, PAGE, { threadAfterJobs: 0 });
  try {
    const first = run(plan, {}, wb);
    // A file abandoned with bytes staged and never handed over (an aborted writer).
    const fd = openSync('/dev/null', 'w');
    wb.attach(fd);
    wb.tables.memory.fill(0xee, wb.base, wb.base + 1000);
    wb.noteBlock(wb.base, 900);
    assert.equal(wb.detach(), true);
    closeSync(fd);
    const second = run(plan, {}, wb);
    assert.equal(first.threaded, true);
    assert.equal(second.threaded, true, 'the same thread wrote the second file');
    assert.deepEqual(second.bytes, first.bytes);
    assertCrcs(second.bytes, plan);
  } finally {
    wb.dispose();
  }
});

test('WriteBehind: a failed write on the thread is thrown by the next flush or drain, with its code', () => {
  const fd = openSync('/dev/full', 'w');
  try {
    const memory = new Uint8Array(new SharedArrayBuffer(2 * SLOT));
    const wb = new WriteBehind(memory, SLOT, PAGE, { threadAfterJobs: 0 });
    wb.attach(fd);
    memory.fill(7, 0, 4096);
    wb.submit(0, 4096);
    assert.throws(
      () => {
        wb.drain();
      },
      (err: NodeJS.ErrnoException) => err.code === 'ENOSPC' && /no space/i.test(err.message),
    );
    assert.equal(wb.threaded, true);
    assert.throws(() => wb.submit(4096, 0), (err: NodeJS.ErrnoException) => err.code === 'ENOSPC', 'the error stays');
    assert.equal(wb.detach(), false, 'a failed buffer is not reused');
    assert.throws(() => wb.attach(fd), /failed write buffer/);
    wb.dispose();
    wb.dispose();
  } finally {
    closeSync(fd);
  }
});

test('WriteBehind: blocks left to the job are permute-encoded before their CRC, on the thread as in place', () => {
  const files = [Infinity, 0].map((threadAfterJobs) => {
    const staging = createPermuteBuffer(2 * SLOT, { shared: true });
    assert.ok(staging.kernel, 'a SIMD kernel on shared memory');
    const wb = new WriteBehind(staging.bytes, SLOT, PAGE, { threadAfterJobs, staging });
    assert.equal(wb.encodesBlocks, true);
    const dir = mkdtempSync(join(tmpdir(), 'pstream-wb-'));
    try {
      const path = join(dir, 'out.bin');
      const fd = openSync(path, 'w+');
      wb.attach(fd);
      const source = new Uint8Array(SLOT).map((_, i) => (i * 31 + (i >> 7)) & 0xff);
      let position = 0;
      for (let job = 0; job < 5; job++) {
        let at = 0;
        for (const [i, cb] of [8176, 1, 17, 4000, 8176].entries()) {
          const size = (cb + 16 + 63) & ~63;
          const later = (i + job) % 2 === 0;
          staging.copyIn(source, i * 100, cb, wb.base + at, !later);
          staging.bytes.fill(0, wb.base + at + cb, wb.base + at + size);
          wb.noteBlock(wb.base + at, later ? -cb : cb);
          at += size;
        }
        wb.submit(position, at);
        position += at;
      }
      wb.drain();
      assert.equal(wb.threaded, threadAfterJobs === 0);
      wb.detach();
      wb.dispose();
      closeSync(fd);
      const bytes = readFileSync(path);
      // Every block's data is the encoded source, and its dwCRC is the CRC of the encoded bytes.
      let at = 0;
      for (let job = 0; job < 5; job++) {
        for (const [i, cb] of [8176, 1, 17, 4000, 8176].entries()) {
          const size = (cb + 16 + 63) & ~63;
          const expected = source.slice(i * 100, i * 100 + cb);
          permuteEncode(expected);
          assert.deepEqual(new Uint8Array(bytes.subarray(at, at + cb)), expected, `job ${job}, block ${i}`);
          assert.equal(bytes.readUInt32LE(at + size - 12), pstCrc(bytes.subarray(at, at + cb)));
          at += size;
        }
      }
      return bytes;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  assert.deepEqual(files[1], files[0]);
});

test('WriteBehind: once the writer gave up on a thread that did not start, it runs every job itself and starts no other', () => {
  const wb = new WriteBehind(new Uint8Array(new SharedArrayBuffer(2 * SLOT)), SLOT, PAGE, { threadAfterJobs: 0 });
  Atomics.store(wb.tables.control, 4 /* Started */, 2); // what the start timeout leaves behind
  const result = run(plan, {}, wb);
  assert.equal(result.threaded, false);
  assertCrcs(result.bytes, plan);
  assert.deepEqual(result.bytes, run(plan, { threadAfterJobs: Infinity }).bytes);
  wb.dispose();
});
