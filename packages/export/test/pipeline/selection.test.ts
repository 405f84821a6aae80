/**
 * `ExportOptions.selection`: a folder exports with its subfolders (empty ones included) and nothing else, items
 * export by id wherever they are, both together, the keyword filter on top; ids of the wrong form are refused
 * before anything runs. Read back with pst-extractor and libpff (pypff).
 */

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { folderId, listItems } from '@pstream/sources';
import { type ReaderSummary, requireReaders, runPstExtractor, runPypff } from '../../../pst/test/support/oracles.js';
import { type ExportSelection, exportToPst, exportToPstFile, SelectionError } from '../../src/index.js';
import { writeEml } from '../support/eml-file.js';

/** Folder path → sorted subjects, for the folders the reader shows (the IPM subtree's root left out, and the empty
 * Deleted Items every PST has). */
function contents(summary: ReaderSummary): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const folder of summary.folders) {
    if (
      folder.path === '' ||
      folder.path.startsWith('~') ||
      (folder.path === 'Deleted Items' && folder.messageCount === 0)
    )
      continue;
    out[folder.path] = (folder.messages ?? []).map((m) => m.subject ?? '').sort();
  }
  return out;
}

test('selection by folder (with subfolders) and by item, read back by pst-extractor and pypff', async (t) => {
  if (!(await requireReaders(t, 'pypff', 'pstextractor'))) return;
  const root = await mkdtemp(join(tmpdir(), 'pstream-selection-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const tree = join(root, 'mailbox');
  await writeEml(join(tree, 'Inbox'), 'a.eml', 'alpha invoice');
  await writeEml(join(tree, 'Inbox', 'Sub'), 'b.eml', 'beta');
  await mkdir(join(tree, 'Inbox', 'Sub', 'Empty'), { recursive: true });
  await writeEml(join(tree, 'Archive'), 'c.eml', 'gamma invoice');
  await writeEml(join(tree, 'Archive'), 'd.eml', 'delta');
  const items = (await listItems([tree])).results;
  const delta = items.find((i) => i.subject === 'delta')!;

  const run = async (name: string, selection: ExportSelection, keywords = ''): Promise<Record<string, string[]>[]> => {
    const summary = await exportToPstFile({ sources: [tree], name, selection, keywords }, join(root, name));
    return [contents(await runPstExtractor(summary.path)), contents(await runPypff(summary.path))];
  };

  for (const read of await run('inbox', { folderIds: [folderId(['Inbox'])] })) {
    assert.deepEqual(read, { Inbox: ['alpha invoice'], 'Inbox/Sub': ['beta'], 'Inbox/Sub/Empty': [] });
  }
  for (const read of await run('delta', { itemIds: [delta.id] })) {
    assert.deepEqual(read, { Archive: ['delta'] });
  }
  for (const read of await run('both', { folderIds: [folderId(['Inbox', 'Sub'])], itemIds: [delta.id] })) {
    assert.deepEqual(read, { Archive: ['delta'], Inbox: [], 'Inbox/Sub': ['beta'], 'Inbox/Sub/Empty': [] });
  }
  for (const read of await run('keyword', { folderIds: [folderId(['Inbox']), folderId(['Archive'])] }, 'invoice')) {
    assert.deepEqual(read, { Archive: ['gamma invoice'], Inbox: ['alpha invoice'] });
  }
  for (const read of await run('nothing', { itemIds: [] })) assert.deepEqual(read, {});
  // The top of the mailbox is the folder above all the others: selecting it selects everything.
  for (const read of await run('top', { folderIds: [folderId([])] })) {
    assert.deepEqual(read, {
      Archive: ['delta', 'gamma invoice'],
      Inbox: ['alpha invoice'],
      'Inbox/Sub': ['beta'],
      'Inbox/Sub/Empty': [],
    });
  }
});

test('an id of the wrong form is refused before the export starts, naming the list', () => {
  for (const [selection, field] of [
    [{ folderIds: ['Inbox'] }, 'selection.folderIds'],
    [{ itemIds: ['0'.repeat(31)] }, 'selection.itemIds'],
  ] as const) {
    assert.throws(
      () => exportToPst({ sources: ['nowhere'], name: 'x', selection }),
      (error: unknown) =>
        error instanceof SelectionError &&
        error instanceof RangeError &&
        error.field === field &&
        error.message.startsWith(field),
    );
  }
});
