import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPermuteBuffer } from '../src/encode/permute-buffer.js';
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

test('NDB_CRYPT_PERMUTE: the write buffer encodes like the byte-wise encoder, with SIMD and without, and leaves the rest alone', () => {
  const simd = createPermuteBuffer(8192);
  // Node 20 and later have WebAssembly SIMD on every platform it supports: the kernel must be the one in use.
  assert.equal(simd.simd, true);
  const shared = createPermuteBuffer(8192, { shared: true });
  assert.equal(shared.simd, true);
  assert.ok(shared.bytes.buffer instanceof SharedArrayBuffer);
  const plain = createPermuteBuffer(8192, { simd: false });
  assert.equal(plain.simd, false);
  for (const buffer of [simd, shared, plain]) {
    assert.equal(buffer.bytes.length, 8192);
    for (const start of [0, 1, 15, 16, 17, 64, 8000]) {
      for (const length of [0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 4096, 8176].filter((n) => start + n <= 8192)) {
        const all = new Uint8Array(randomBytes(8192));
        buffer.bytes.set(all);
        const expected = all.slice();
        permuteEncode(expected, start, start + length);
        buffer.encode(start, start + length);
        assert.deepEqual(buffer.bytes, expected, `simd ${buffer.simd}, start ${start}, length ${length}`);
      }
    }
  }
  // Every byte value, in every lane of a vector.
  const every = Uint8Array.from({ length: 4096 }, (_, i) => (i * 17 + (i >> 8)) & 0xff);
  simd.bytes.set(every);
  simd.encode(0, every.length);
  const expected = every.slice();
  permuteEncode(expected);
  assert.deepEqual(simd.bytes.subarray(0, every.length), expected);
});

test('NDB_CRYPT_PERMUTE: copyIn from sources at every alignment equals set (and encode), with SIMD and without', () => {
  const buffers = [createPermuteBuffer(32768), createPermuteBuffer(32768, { shared: true }), createPermuteBuffer(32768, { simd: false })];
  const backing = new Uint8Array(randomBytes(40000));
  for (const buffer of buffers) {
    for (const encode of [true, false]) {
      for (const offset of [0, 1, 3, 7, 8, 13]) {
        for (const length of [0, 1, 15, 16, 17, 100, 8176, 8192, 8193, 20000]) {
          for (const at of [0, 64, 5, 8192]) {
            const source = new Uint8Array(backing.buffer, offset, 30000);
            const from = (offset * 7) % 50;
            buffer.bytes.fill(0x5a);
            const expected = new Uint8Array(buffer.bytes.length).fill(0x5a);
            expected.set(source.subarray(from, from + length), at);
            if (encode) permuteEncode(expected, at, at + length);
            buffer.copyIn(source, from, length, at, encode);
            assert.deepEqual(buffer.bytes, expected, `simd ${buffer.simd}, encode ${encode}, offset ${offset}, length ${length}, at ${at}`);
          }
        }
      }
    }
  }
});
