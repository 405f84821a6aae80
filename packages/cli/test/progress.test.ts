/** The progress line's text: bytes written, the part, and the share read with the time left when it is known. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExportProgress } from '@pstream/export';
import { formatDuration, formatProgress, ProgressLine } from '../src/progress.js';
import { MemoryStream } from './helpers/memory-io.js';

const BASE: ExportProgress = {
  scanned: 1234,
  matched: 56,
  damaged: 0,
  skipped: 0,
  bytesOut: 0,
  bytesWritten: 3 * 1024 * 1024,
  partBytes: 3 * 1024 * 1024,
  part: 1,
};

test('bytes written count the part being written, not only what has left', () => {
  assert.equal(formatProgress(BASE), 'scanned 1,234, matched 56 | 3.00 MiB written | part 1');
  assert.equal(
    formatProgress({ ...BASE, damaged: 3, skipped: 2, part: 3, bytesWritten: 2.5 * 2 ** 30 }),
    'scanned 1,234, matched 56, 3 damaged, 2 skipped | 2.50 GiB written | part 3',
  );
});

test("with the sources' size: the share read, rounded down, and the time left from the time so far", () => {
  const sized = { ...BASE, sourceBytes: 1000, sourceBytesRead: 250 };
  // A quarter in 30 s: three quarters left, 90 s.
  assert.equal(
    formatProgress(sized, 30_000),
    'scanned 1,234, matched 56 | 3.00 MiB written | part 1 | 25 % | 1m 30s left',
  );
  assert.equal(
    formatProgress(sized),
    'scanned 1,234, matched 56 | 3.00 MiB written | part 1 | 25 %',
    'no time left without the time so far',
  );
  assert.match(formatProgress({ ...sized, sourceBytesRead: 999 }, 9990), /\| 99 % \| 1s left$/);
  assert.match(formatProgress({ ...sized, sourceBytesRead: 1000 }, 60_000), /\| 100 %$/, 'done: no time left shown');
  assert.match(formatProgress({ ...sized, sourceBytesRead: 0 }, 5000), /\| 0 %$/, 'nothing read yet: no estimate');
  assert.match(
    formatProgress({ ...sized, sourceBytes: 100_000, sourceBytesRead: 999 }, 5000),
    /\| 0 %$/,
    'below 1 %: no estimate yet',
  );
  assert.match(formatProgress({ ...sized, sourceBytes: 0, sourceBytesRead: 0 }, 5000), /\| 100 %$/, 'empty sources');
});

test('durations: seconds, minutes and seconds, hours and minutes, rounded up', () => {
  assert.deepEqual([formatDuration(1), formatDuration(45_000), formatDuration(59_001)], ['1s', '45s', '1m 00s']);
  assert.deepEqual([formatDuration(185_000), formatDuration(2 * 3600_000 + 7 * 60_000)], ['3m 05s', '2h 07m']);
});

test('the line drawn on a terminal carries the share read', () => {
  const stream = new MemoryStream(true, 200);
  const line = new ProgressLine(stream);
  line.update({ ...BASE, sourceBytes: 4000, sourceBytesRead: 1000 });
  line.done();
  assert.match(
    stream.text,
    /^\r\x1b\[K\| scanned 1,234, matched 56 \| 3\.00 MiB written \| part 1 \| 25 % \| \d+s left\r\x1b\[K$/,
  );
});
