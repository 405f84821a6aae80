/**
 * Two `.eml` trees whose folders differ only in case or in Unicode normalisation (`Inbox` and `inbox`, `Café` in NFC
 * and in NFD) export to one PST with one folder each, named as the first source spells it.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertReadersAgree, requireReaders } from '../../../pst/test/support/oracles.js';
import { exportToPstFile } from '../../src/index.js';
import { writeEml } from '../support/eml-file.js';

test('source folders "Inbox" and "inbox", "Café" in NFC and NFD, export as one folder each', async (t) => {
  if (!(await requireReaders(t, 'fsck', 'pypff', 'pffexport', 'readpst', 'pstextractor'))) return;
  const root = await mkdtemp(join(tmpdir(), 'pstream-folder-merge-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const first = join(root, 'first');
  const second = join(root, 'second');
  await writeEml(join(first, 'Inbox'), 'a.eml', 'upper inbox');
  await writeEml(join(second, 'inbox'), 'b.eml', 'lower inbox');
  await writeEml(join(first, 'Caf\u00e9'), 'c.eml', 'composed');
  await writeEml(join(second, 'Cafe\u0301'), 'd.eml', 'decomposed');

  const summary = await exportToPstFile({ sources: [first, second], name: 'merged' }, join(root, 'merged'));
  assert.equal(summary.format, 'pst');
  assert.equal(summary.matched, 4);
  const message = (subject: string) => ({ subject, messageClass: 'IPM.Note' });
  await assertReadersAgree(
    summary.path,
    [
      { path: '', messages: [] },
      { path: 'Deleted Items', messages: [] },
      { path: 'Inbox', messages: [message('upper inbox'), message('lower inbox')] },
      { path: 'Caf\u00e9', messages: [message('composed'), message('decomposed')] },
    ],
    { exactFolders: true },
  );
});
