import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MsgSource } from '../src/msg.js';
import { drain, embedded, fileAttachments, readAll, tempDir } from './helpers.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data', 'msg');

test('a .msg with a file attachment and an inline image; folder is the parent directory name', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await mkdir(join(dir, 'Saved'));
    const path = join(dir, 'Saved', 'attachAndInline.msg');
    await copyFile(join(DATA, 'attachAndInline.msg'), path);
    const { messages, damaged } = await drain((report) => new MsgSource(path, { reportDamaged: report }));
    assert.deepEqual(damaged, []);
    assert.equal(messages.length, 1);
    const m = messages[0]!;
    assert.deepEqual(m.folder, ['Saved']);
    assert.equal(m.origin, path);
    assert.equal(m.record.subject, 'Attach and inline');
    const files = fileAttachments(m.record);
    assert.deepEqual(
      files.map((a) => [a.name, a.size, a.contentId ?? null, a.isInline]),
      [
        ['attach.png', 1558, null, false],
        ['image001.png', 809, 'image001.png@01D78380.EF6DC500', true],
      ],
    );
    for (const a of files) {
      const read = await readAll(a);
      assert.equal(read.length, a.size);
      assert.deepEqual(read.bytes?.subarray(0, 8), Buffer.from('89504e470d0a1a0a', 'hex'), 'a PNG signature');
    }
  } finally {
    await cleanup();
  }
});

test('msg in msg in msg: nested embedded records, attachments opened through two levels', async () => {
  const { messages } = await drain(() => new MsgSource(join(DATA, 'msgInMsgInMsg.msg'), { folderName: ['Imported'] }));
  const outer = messages[0]!.record;
  assert.deepEqual(messages[0]!.folder, ['Imported']);
  assert.equal(outer.subject, 'I have sub attachments!');
  const [level1] = embedded(outer);
  assert.equal(level1?.subject, 'I have attachments!');
  const [level2] = embedded(level1!);
  assert.equal(level2?.subject, 'Microsoft Outlook テスト メッセージ');
  assert.equal(level2?.from?.address, 'xmailuser@xmailserver.test');
  const [green] = fileAttachments(level1!);
  assert.equal(green?.name, 'green.png');
  const read = await readAll(green!);
  assert.equal(read.length, green?.size);
  assert.equal(read.length, 134);
});

test('a file that is not a compound file is reported damaged', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'bad.msg');
    await writeFile(path, 'not an outlook message');
    const { messages, damaged } = await drain((report) => new MsgSource(path, { reportDamaged: report }));
    assert.equal(messages.length, 0);
    assert.equal(damaged.length, 1);
    assert.equal(damaged[0]?.origin, path);
    assert.match(damaged[0]?.reason ?? '', /^not a readable \.msg file: /);
  } finally {
    await cleanup();
  }
});
