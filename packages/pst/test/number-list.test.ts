import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NumberList } from '../src/io/bytes.js';

test('NumberList: push, get, set, truncate and view across chunks, Float64 and Uint32', () => {
  for (const list of [new NumberList(4), new NumberList<Uint32Array>(4, (n) => new Uint32Array(n))]) {
    const n = 200_000;
    for (let i = 0; i < n; i++) list.push(i * 3);
    assert.equal(list.length, n);
    for (const i of [0, 1, 15, 16, 65535, 65536, 65537, 131072, n - 1]) assert.equal(list.get(i), i * 3);
    list.set(70000, 7);
    assert.equal(list.get(70000), 7);
    const all = list.view();
    assert.equal(all.length, n);
    assert.equal(all[70000], 7);
    assert.equal(all[n - 1], (n - 1) * 3);
    list.truncate(65540);
    assert.equal(list.length, 65540);
    list.push(1);
    list.push(2);
    assert.equal(list.get(65540), 1);
    assert.equal(list.get(65541), 2);
    assert.equal(list.view().length, 65542);
    list.truncate(10);
    assert.deepEqual([...list.view()], [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
  }
  const big = new NumberList();
  big.push(2 ** 52 + 1);
  assert.equal(big.get(0), 2 ** 52 + 1);
});
