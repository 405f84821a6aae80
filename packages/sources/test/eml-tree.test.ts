import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmlTreeSource } from '../src/eml-tree.js';
import { SourceError } from '../src/errors.js';
import { crlf, drain, fileAttachments, readAll, tempDir } from './helpers.js';

const simple = (subject: string): string =>
  crlf('From: a@example.com', `Subject: ${subject}`, '', `body of ${subject}`, '');

test('directories are folders; files in the top directory go to Inbox; grouped by folder, name order', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await mkdir(join(dir, 'Projects', 'Alpha'), { recursive: true });
    await mkdir(join(dir, 'Inbox'));
    await mkdir(join(dir, 'Empty'));
    await writeFile(join(dir, '10.eml'), simple('top 10'));
    await writeFile(join(dir, '9.eml'), simple('top 9'));
    await writeFile(join(dir, 'Inbox', '1.EML'), simple('inbox dir 1'));
    await writeFile(join(dir, 'Projects', 'p.eml'), simple('projects'));
    await writeFile(join(dir, 'Projects', 'Alpha', 'a.eml'), simple('alpha'));
    await writeFile(join(dir, 'Projects', 'notes.txt'), 'not mail');
    const source = new EmlTreeSource(dir);
    const folders: string[] = [];
    for await (const f of source.folders()) folders.push(f.path.join('/'));
    assert.deepEqual(folders, ['Empty', 'Inbox', 'Projects', 'Projects/Alpha']);
    const { messages, damaged } = await drain(() => new EmlTreeSource(dir));
    assert.deepEqual(damaged, []);
    assert.deepEqual(
      messages.map((m) => [m.folder.join('/'), m.record.subject]),
      [
        ['Inbox', 'inbox dir 1'],
        ['Inbox', 'top 9'],
        ['Inbox', 'top 10'],
        ['Projects', 'projects'],
        ['Projects/Alpha', 'alpha'],
      ],
    );
    assert.equal(messages[4]?.origin, join(dir, 'Projects', 'Alpha', 'a.eml'));
    const renamed = await drain(() => new EmlTreeSource(dir, { rootFolderName: 'Top' }));
    assert.deepEqual(
      [...new Set(renamed.messages.map((m) => m.folder.join('/')))],
      ['Inbox', 'Projects', 'Projects/Alpha', 'Top'],
    );
  } finally {
    await cleanup();
  }
});

test('messages() after folders() reads the files folders() listed (one listing a pass); a later messages() lists again', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, '1.eml'), simple('first'));
    const source = new EmlTreeSource(dir, { parseThreads: 0 });
    for await (const _ of source.folders());
    await writeFile(join(dir, '2.eml'), simple('added after the listing'));
    const subjects = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const m of source.messages()) {
        out.push(m.record.subject);
        await m.dispose?.();
      }
      return out;
    };
    assert.deepEqual(await subjects(), ['first']);
    assert.deepEqual(await subjects(), ['first', 'added after the listing']);
  } finally {
    await cleanup();
  }
});

test('a damaged .eml is reported with its path, reason, folder and bytes and skipped (skip) or thrown (stop); a file without header fields is all body', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, 'a.eml'), simple('good a'));
    await writeFile(join(dir, 'b.eml'), '');
    await writeFile(join(dir, 'c.eml'), Buffer.from([0, 1, 2, 3, 0xff, 0x0a, 0x0a, 0x41]));
    await writeFile(join(dir, 'd.eml'), simple('good d'));
    const { messages, damaged } = await drain((report) => new EmlTreeSource(dir, { reportDamaged: report }));
    assert.deepEqual(
      messages.map((m) => m.record.subject),
      ['good a', '', 'good d'],
    );
    assert.equal(messages[1]!.record.body, '\u0000\u0001\u0002\u0003\ufffd\n\nA');
    assert.equal(messages[1]!.record.transportHeaders, undefined);
    assert.deepEqual(
      messages.map((m) => m.bytes && { name: m.bytes.name, size: m.bytes.size }),
      [
        { name: 'a.eml', size: simple('good a').length },
        { name: 'c.eml', size: 8 },
        { name: 'd.eml', size: simple('good d').length },
      ],
    );
    assert.deepEqual(
      damaged.map(({ bytes, ...d }) => ({
        ...d,
        bytes: bytes && { name: bytes.name, contentType: bytes.contentType, size: bytes.size },
      })),
      [
        {
          origin: join(dir, 'b.eml'),
          reason: 'the message is empty',
          folder: ['Inbox'],
          label: 'b.eml',
          bytes: { name: 'b.eml', contentType: 'message/rfc822', size: 0 },
        },
      ],
    );
    await assert.rejects(
      drain(() => new EmlTreeSource(dir, { onDamaged: 'stop' })),
      (e: unknown) => e instanceof SourceError && e.code === 'damaged' && e.path === join(dir, 'b.eml'),
    );
  } finally {
    await cleanup();
  }
});

/** Writes a message with one base64 attachment of `size` pseudo-random bytes (seeded); returns its SHA-256. */
async function writeLargeMessage(path: string, size: number, seed: number): Promise<string> {
  const out = createWriteStream(path);
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(
    crlf(
      'From: big@example.com',
      'Subject: large',
      'Content-Type: multipart/mixed; boundary="L"',
      '',
      '--L',
      'Content-Type: text/plain',
      '',
      'see attachment',
      '--L',
      'Content-Type: application/octet-stream; name="big.bin"',
      'Content-Disposition: attachment; filename="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      '',
    ),
  );
  const hash = createHash('sha256');
  let state = seed >>> 0 || 1;
  const block = 57 * 4096; // a multiple of 3 and of the 57-byte line
  for (let done = 0; done < size; done += block) {
    const n = Math.min(block, size - done);
    const buf = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      buf[i] = state & 0xff;
    }
    hash.update(buf);
    const b64 = buf.toString('base64');
    let text = '';
    for (let i = 0; i < b64.length; i += 76) text += `${b64.slice(i, i + 76)}\r\n`;
    await write(text);
  }
  await write('--L--\r\n');
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

test('a 50 MB attachment is spooled to a file in tmpDir: exact size, same SHA-256, not held in memory', async () => {
  const { dir, cleanup } = await tempDir();
  const spoolParent = join(dir, 'spool');
  await mkdir(spoolParent);
  await mkdir(join(dir, 'mail'));
  const size = 50 * 1024 * 1024 + 7;
  try {
    const sha = await writeLargeMessage(join(dir, 'mail', 'big.eml'), size, 42);
    const source = new EmlTreeSource(join(dir, 'mail'), { tmpDir: spoolParent });
    const rssBefore = process.memoryUsage().rss;
    let checked = false;
    for await (const m of source.messages()) {
      const rssAfterParse = process.memoryUsage().rss;
      const [att] = fileAttachments(m.record);
      assert.equal(att?.name, 'big.bin');
      assert.equal(att?.size, size);
      // Structural: the bytes live in one spooled file of exactly that size under tmpDir.
      const [spoolDir] = await readdir(spoolParent);
      const files = await readdir(join(spoolParent, spoolDir!));
      assert.equal(files.length, 1);
      assert.equal((await stat(join(spoolParent, spoolDir!, files[0]!))).size, size);
      // The record itself holds no large buffer: serialised (functions dropped) it is tiny.
      assert.ok(JSON.stringify(m.record).length < 10_000);
      assert.ok(rssAfterParse - rssBefore < size * 0.8, `RSS grew by ${rssAfterParse - rssBefore} bytes while parsing`);
      const read = await readAll(att!);
      assert.equal(read.length, size);
      assert.equal(read.sha256, sha);
      const again = await readAll(att!);
      assert.equal(again.sha256, sha);
      await m.dispose?.();
      assert.deepEqual(await readdir(join(spoolParent, spoolDir!)), []);
      checked = true;
    }
    assert.ok(checked);
    await source.close();
    assert.deepEqual(await readdir(spoolParent), []);
  } finally {
    await cleanup();
  }
});
