/**
 * Spooled bytes: a large attachment goes to a temporary file and reads back whole; a transient read (the writer's)
 * refills one buffer, which the next transient read takes over; a plain read gives every chunk a buffer of its own.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SpoolDirectory, SpoolGroup } from '../src/spool.js';
import { tempDir } from './helpers.js';

/** 600 KiB of bytes that differ from one chunk to the next. */
function payload(): Buffer {
  const bytes = Buffer.alloc(600 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >>> 10)) & 0xff;
  return bytes;
}

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

test('a spooled file reads back whole; transient reads refill one buffer, plain reads make one per chunk', async () => {
  const { dir, cleanup } = await tempDir();
  const directory = new SpoolDirectory(dir);
  const group = new SpoolGroup(directory);
  try {
    const bytes = payload();
    const spooled = await group.spool(chunksOf(bytes, 50_000));
    assert.equal(spooled.size, bytes.length);
    assert.ok(spooled.file, 'past the in-memory limit, the bytes are in a file');

    const read = async (transient: boolean) => {
      const hash = createHash('sha256');
      const buffers = new Set<ArrayBufferLike>();
      let chunks = 0;
      for await (const chunk of await spooled.open({ transient })) {
        hash.update(chunk); // used before the next chunk is asked for, as a transient reader must
        buffers.add(chunk.buffer);
        chunks++;
      }
      return { sha256: hash.digest('hex'), buffers, chunks };
    };
    const expected = createHash('sha256').update(bytes).digest('hex');
    const plain = await read(false);
    assert.equal(plain.sha256, expected);
    assert.ok(plain.chunks >= 3, `${plain.chunks} chunks`);
    assert.equal(plain.buffers.size, plain.chunks, 'a plain read gives each chunk its own buffer');

    const first = await read(true);
    assert.equal(first.sha256, expected);
    assert.equal(first.buffers.size, 1, 'a transient read refills one buffer');
    const second = await read(true);
    assert.equal(second.sha256, expected);
    assert.deepEqual([...second.buffers], [...first.buffers], 'the next transient read takes that buffer over');
  } finally {
    await group.dispose();
    await directory.close();
    await cleanup();
  }
});
