/**
 * PstWriter.abort() while addMessage() is waiting for attachment bytes. The writer writes through a raw file
 * descriptor; abort() closes it at once, and the number is free for the next file opened in the process. When the
 * attachment then delivers, the writer must not write into that other file. Under load this put bytes of one export
 * into another export's spooled attachment ("declared size N but its source gave more bytes"). The writer now refuses
 * every write once its file is closed, and the interrupted call fails; the pipeline also waits for the splitter call
 * in progress before it aborts the writer.
 */

import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type MessageRecord, PstWriter } from '@pstream/pst';
import { freshDir } from './support.js';

test('PstWriter.abort() during addMessage(): a file opened afterwards is never written by the aborted writer', async (t) => {
  const dir = await freshDir(t);
  const writer = await PstWriter.create(join(dir, 'aborted.pst'), { displayName: 'aborted' });
  let reached: () => void = () => undefined;
  const atGate = new Promise<void>((r) => (reached = r));
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const size = 4 * 1024 * 1024;
  const record: MessageRecord = {
    subject: 'held',
    attachments: [
      {
        kind: 'file',
        name: 'held.bin',
        size,
        open: async function* () {
          yield new Uint8Array(64 * 1024).fill(1);
          reached();
          await gate;
          for (let left = size - 64 * 1024; left > 0; left -= 64 * 1024)
            yield new Uint8Array(Math.min(left, 64 * 1024)).fill(2);
        },
      },
    ],
  };
  const adding = writer.addMessage(['Inbox'], record).catch((e: unknown) => e);
  await atGate;
  await writer.abort();
  const victimPath = join(dir, 'victim.txt');
  const victim = openSync(victimPath, 'w+');
  writeSync(victim, 'victim');
  open();
  const outcome = await adding;
  closeSync(victim);
  assert.ok(outcome instanceof Error, 'the interrupted addMessage() fails');
  assert.equal(readFileSync(victimPath).length, 6, 'the other file holds only its own 6 bytes');
});
