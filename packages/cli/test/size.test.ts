import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { formatBytes, parseSize } from '../src/size.js';

test('every unit is a binary multiple; GB and GiB are the same', () => {
  const cases: [string, number][] = [
    ['1', 1],
    ['1073741824', 2 ** 30],
    ['7B', 7],
    ['1K', 1024],
    ['1KB', 1024],
    ['1KiB', 1024],
    ['3M', 3 * 2 ** 20],
    ['3MB', 3 * 2 ** 20],
    ['3MiB', 3 * 2 ** 20],
    ['1G', 2 ** 30],
    ['1GB', 2 ** 30],
    ['1GiB', 2 ** 30],
    ['49gb', 49 * 2 ** 30],
    ['1TB', 2 ** 40],
    ['1TiB', 2 ** 40],
    ['1.5GB', 1.5 * 2 ** 30],
    ['2 GiB', 2 ** 31],
    ['.5KB', 512],
  ];
  for (const [text, bytes] of cases) assert.equal(parseSize(text, '--limit'), bytes, text);
});

test('bad sizes name the option and the value', () => {
  for (const text of ['', 'GB', '1XB', '-1GB', '1,5GB', '0', '0.0001B', '1e3', '99999999999TB']) {
    assert.throws(
      () => parseSize(text, '--limit'),
      (error: unknown) =>
        error instanceof UsageError &&
        error.option === '--limit' &&
        error.value === text &&
        error.message.includes(`"${text}"`),
      text,
    );
  }
});

test('formats sizes for people', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(3 * 2 ** 30), '3.00 GiB');
  assert.equal(formatBytes(200 * 2 ** 20), '200.0 MiB');
});
