import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filetime } from '../src/ltp/property-value.js';
import { oneOffEntryId, oneOffEntryIdOfClean } from '../src/messaging/entry-id.js';

/** The FILETIME of a date by the definition, in BigInt arithmetic. */
function filetimeByDefinition(ms: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(ms) + 11_644_473_600_000n) * 10_000n);
  return out;
}

test('filetime is exact across the FILETIME range (no BigInt, no rounding above 2^53)', () => {
  const first = Date.UTC(1601, 0, 1);
  const last = Date.UTC(30828, 0, 1);
  const dates = [first, first + 1, 0, -1, 1, Date.UTC(2000, 0, 1), Date.UTC(2023, 5, 6, 7, 8, 9, 123), last - 1, last];
  // seeded spread over the range, and values around multiples of 2^16 ms where the halves carry
  let x = 12345;
  for (let i = 0; i < 20_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    dates.push(first + Math.floor((x / 2 ** 32) * (last - first)));
    dates.push(first + (i + 1) * 65536 * 7919 - (i % 3));
  }
  for (const ms of dates)
    assert.deepEqual(Buffer.from(filetime(new Date(ms))), filetimeByDefinition(ms), `filetime of ${ms}`);
});

test('oneOffEntryId: provider, flags and NUL-terminated UTF-16 strings, cleaned', () => {
  const id = oneOffEntryId('Zoë\u0000 😀', 'SMTP', 'lone\ud800@x');
  const expected = Buffer.concat([
    Buffer.alloc(4),
    Buffer.from('812b1fa4bea310199d6e00dd010f5402', 'hex'),
    Buffer.from([0, 0, 0x01, 0x80]),
    Buffer.from('Zoë 😀\0SMTP\0lone\ufffd@x\0', 'utf16le'),
  ]);
  assert.deepEqual(Buffer.from(id), expected);
  assert.deepEqual(oneOffEntryIdOfClean('Zoë 😀', 'SMTP', 'lone\ufffd@x'), id);
});
