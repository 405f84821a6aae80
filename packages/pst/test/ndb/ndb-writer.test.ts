/**
 * The NDB writer put together: size projection through the counting sink gives the exact root of the file the file
 * sink then writes, and leaves no trace in it; a rollback forgets what it undoes.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataTreeWriter } from '../../src/ndb/data-tree.js';
import { buildHeader } from '../../src/ndb/header.js';
import { type NdbRoot, NdbWriter } from '../../src/ndb/ndb-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'pstream-ndb-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Blocks and nodes enough to fill a few regions and several BT levels. */
function writeSome(ndb: NdbWriter, seed: number, count: number): void {
  const data = Uint8Array.from({ length: 8176 }, (_, i) => (i * seed) & 0xff);
  for (let i = 0; i < count; i++) {
    const bid = ndb.writeBlock(data, 1 + ((i * 977 + seed) % 8176), false);
    ndb.addNode((((seed * 100_000 + i) << 5) | 4) >>> 0, bid, 0, 0x122);
  }
}

async function complete(ndb: NdbWriter, root: NdbRoot): Promise<void> {
  const dlist = new Uint8Array(512);
  ndb.sealDensityList(dlist, 0x4200, root.nextPageBid);
  await ndb.complete(buildHeader(root, new Array<number>(32).fill(0x400), ndb.crypt), dlist, 0x4200);
}

test('a projection predicts the root of the finished file exactly, and the file is the same as one written without it', async () => {
  const plain = new NdbWriter(join(dir, 'plain.bin'));
  writeSome(plain, 3, 200);
  writeSome(plain, 5, 100);
  const plainRoot = plain.finishTrees();
  await complete(plain, plainRoot);

  const projected = new NdbWriter(join(dir, 'projected.bin'));
  writeSome(projected, 3, 200);
  const before = projected.position;
  const checkpoint = projected.beginProjection();
  writeSome(projected, 5, 100);
  const predicted = projected.finishTrees();
  assert.ok(projected.position > before);
  assert.equal(projected.writtenEnd, before, 'what was written stays where the projection began');
  projected.endProjection(checkpoint);
  assert.equal(projected.position, before);
  writeSome(projected, 5, 100);
  const root = projected.finishTrees();
  assert.deepEqual(predicted, root);
  assert.deepEqual(root, plainRoot);
  await complete(projected, root);
  assert.ok(readFileSync(join(dir, 'projected.bin')).equals(readFileSync(join(dir, 'plain.bin'))));
});

test('during a projection the content of a value is not read: zeros of its size, or its size accounted for', async () => {
  const ndb = new NdbWriter(join(dir, 'content.bin'));
  const checkpoint = ndb.beginProjection();
  const unread = (): Promise<never> => Promise.reject(new Error('read during a projection'));
  assert.deepEqual(await ndb.content(5, unread), new Uint8Array(5));
  const tree = new DataTreeWriter(ndb);
  await ndb.streamContent(tree, 20_000, unread);
  assert.equal(tree.size, 20_000);
  const blocks = ndb.blockCount;
  assert.equal(blocks, 2, 'two full blocks written (counted), the rest waits for finish');
  ndb.endProjection(checkpoint);
  assert.equal(ndb.blockCount, 0);
  assert.deepEqual(await ndb.content(3, () => Promise.resolve(Uint8Array.of(1, 2, 3))), Uint8Array.of(1, 2, 3));
  await ndb.close();
});

test('a rollback forgets blocks and nodes since its checkpoint: the same root and map pages as without them', async () => {
  const plain = new NdbWriter(join(dir, 'no-detour.bin'));
  writeSome(plain, 7, 50);
  writeSome(plain, 11, 50);
  const plainRoot = plain.finishTrees();
  await complete(plain, plainRoot);

  const rolled = new NdbWriter(join(dir, 'detour.bin'));
  writeSome(rolled, 7, 50);
  const checkpoint = rolled.checkpoint();
  writeSome(rolled, 13, 80); // crosses into the next region
  rolled.rollback(checkpoint);
  writeSome(rolled, 11, 50);
  const root = rolled.finishTrees();
  assert.deepEqual(root, plainRoot);
  await complete(rolled, root);
  const a = readFileSync(join(dir, 'no-detour.bin'));
  const b = readFileSync(join(dir, 'detour.bin'));
  assert.equal(b.length, a.length);
  // Everything up to the end of the last allocation is the same; past it, the detour's bytes are free space.
  assert.ok(b.subarray(0, root.usedEnd).equals(a.subarray(0, root.usedEnd)));
});

test('record and replay, and rollback, are refused where they make no sense', () => {
  const ndb = new NdbWriter(join(dir, 'refused.bin'));
  assert.throws(() => ndb.record(() => {}), /only valid during a projection/);
  const checkpoint = ndb.beginProjection();
  assert.throws(() => ndb.beginProjection(), /nested projection/);
  assert.throws(() => ndb.rollback(checkpoint), /rollback during a projection/);
  const plan = ndb.record(() => writeSome(ndb, 1, 3));
  assert.deepEqual(plan, [2, 0, 979, 0, 1956, 0]); // block lengths 1 + (977 i + 1) % 8176, a 0 per node
  ndb.endProjection(checkpoint);
  return ndb.close();
});
