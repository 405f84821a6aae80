/**
 * `releaseFileRange`: a released range reads as zeros, the rest of the file and its size stay, and it says false
 * (changing nothing) where it cannot work. `releaseFileRanges`, the same in steps between turns of the event loop:
 * a range of several steps, and a file closed while it runs (nothing is released after the close began).
 */

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  canReleaseFileRanges,
  RELEASE_STEP_BYTES,
  releaseFileRange,
  releaseFileRanges,
} from '../../src/zip/release-range.js';

test('releaseFileRange frees exactly the range asked for, keeping the size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-release-'));
  try {
    const path = join(dir, 'part.pst');
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 0xa5);
    writeFileSync(path, data);
    const fd = openSync(path, 'r+');
    let done: boolean[];
    try {
      // A block-aligned range, and one that starts and ends inside blocks.
      done = [releaseFileRange(fd, 4096, 1024 * 1024), releaseFileRange(fd, 2 * 1024 * 1024 + 100, 5000)];
    } finally {
      closeSync(fd);
    }
    const after = readFileSync(path);
    assert.equal(after.length, data.length, 'the size is kept');
    if (!canReleaseFileRanges()) {
      assert.deepEqual(done, [false, false]);
      assert.ok(after.equals(data), 'nothing changed');
      return;
    }
    assert.deepEqual(done, [true, true]);
    const expected = Buffer.from(data);
    expected.fill(0, 4096, 4096 + 1024 * 1024);
    expected.fill(0, 2 * 1024 * 1024 + 100, 2 * 1024 * 1024 + 5100);
    assert.ok(after.equals(expected), 'zeros exactly where released');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('releaseFileRange on a descriptor that is no open file says false', {
  skip: !canReleaseFileRanges() && 'no native kernel',
}, () => {
  assert.equal(releaseFileRange(2 ** 30, 0, 4096), false);
  assert.throws(() => releaseFileRange(-1, 0, 1), /punchHole: fd must be a non-negative integer, got -1/);
});

test('releaseFileRanges frees a range of several steps exactly, and stops once the file is being closed', {
  skip: !canReleaseFileRanges() && 'no native kernel',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pstream-release-'));
  try {
    const path = join(dir, 'part.pst');
    const data = Buffer.alloc(4 * RELEASE_STEP_BYTES + 4096, 0x5a);
    writeFileSync(path, data);
    const file = await open(path, 'r+');
    let done: boolean;
    let afterClose: boolean;
    try {
      done = await releaseFileRanges(file, 4096, 2 * RELEASE_STEP_BYTES + 8192);
    } finally {
      // Closed while a second call has its first step still to come: that call releases nothing.
      const late = releaseFileRanges(file, 3 * RELEASE_STEP_BYTES, RELEASE_STEP_BYTES);
      await file.close();
      afterClose = await late;
    }
    assert.equal(done, true);
    assert.equal(afterClose, false, 'a closed file is not touched');
    const expected = Buffer.from(data);
    expected.fill(0, 4096, 4096 + 2 * RELEASE_STEP_BYTES + 8192);
    assert.ok(readFileSync(path).equals(expected), 'zeros exactly where released, nothing after the close');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
