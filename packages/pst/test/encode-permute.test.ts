import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { permuteDecode, permuteEncode, permuteEncodeFast } from '../src/encode/permute.js';

test('NDB_CRYPT_PERMUTE: the word-wise encoder equals the byte-wise one at every alignment and length, and decodes back', () => {
  const buffer = new Uint8Array(4096);
  const words = new Uint32Array(buffer.buffer);
  for (let start = 0; start < 8; start++) {
    for (const length of [0, 1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 1000, 4000]) {
      const data = new Uint8Array(randomBytes(length));
      const expected = data.slice();
      permuteEncode(expected);
      buffer.set(data, start);
      permuteEncodeFast(buffer, words, start, start + length);
      assert.deepEqual(buffer.subarray(start, start + length), expected, `start ${start}, length ${length}`);
      const back = buffer.slice(start, start + length);
      permuteDecode(back);
      assert.deepEqual(back, data);
    }
  }
});

test('NDB_CRYPT_PERMUTE: the spec table maps 0x00 to 0x41 and is a permutation', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  permuteEncode(all);
  assert.equal(all[0], 0x41);
  assert.equal(new Set(all).size, 256);
});
