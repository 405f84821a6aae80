import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SourceError } from '../src/errors.js';
import { openSource } from '../src/open-source.js';
import { tempDir } from './helpers.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data', 'msg');
const PST = '/work/shared/reference/samples/pstsdk_submessage.pst';

test('openSource picks the kind from what the path is', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'a.mbox'), 'From a@x Mon Aug 26 15:45:14 2002\nSubject: s\n\nb\n');
    await writeFile(join(dir, 'no-extension'), 'From a@x Mon Aug 26 15:45:14 2002\nSubject: s\n\nb\n');
    await copyFile(PST, join(dir, 'copy.ost'));
    await copyFile(PST, join(dir, 'pst-without-extension'));
    await copyFile(join(DATA, 'attachAndInline.msg'), join(dir, 'm.msg'));
    await copyFile(join(DATA, 'attachAndInline.msg'), join(dir, 'msg-without-extension'));
    const kinds: Record<string, string> = {};
    for (const name of [
      'tree',
      'a.mbox',
      'no-extension',
      'copy.ost',
      'pst-without-extension',
      'm.msg',
      'msg-without-extension',
    ]) {
      const s = await openSource(join(dir, name));
      kinds[name] = s.kind;
      await s.close();
    }
    assert.deepEqual(kinds, {
      tree: 'eml',
      'a.mbox': 'mbox',
      'no-extension': 'mbox',
      'copy.ost': 'pst',
      'pst-without-extension': 'pst',
      'm.msg': 'msg',
      'msg-without-extension': 'msg',
    });
    const named = await openSource(join(dir, 'a.mbox'));
    assert.equal(named.name, 'a');
    assert.equal(named.path, join(dir, 'a.mbox'));
  } finally {
    await cleanup();
  }
});

test('openSource errors name the path and the reason', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const missing = join(dir, 'missing.pst');
    await assert.rejects(
      openSource(missing),
      (e: unknown) =>
        e instanceof SourceError &&
        e.code === 'source-not-found' &&
        e.message.startsWith(`${missing}: cannot read the path`),
    );
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'hello');
    await assert.rejects(
      openSource(text),
      (e: unknown) =>
        e instanceof SourceError &&
        e.code === 'unsupported-source' &&
        e.path === text &&
        /unknown kind of mailbox/.test(e.message),
    );
    const fakePst = join(dir, 'fake.pst');
    await writeFile(fakePst, 'definitely not a pst file');
    await assert.rejects(
      openSource(fakePst),
      (e: unknown) => e instanceof SourceError && e.code === 'bad-format' && /magic "!BDN"/.test(e.message),
    );
  } finally {
    await cleanup();
  }
});
