/**
 * The splitter's declared folders: a folder's container class applies wherever a part creates it (for a message
 * too), folders kept empty are created once, in the part being written when it has room, else in the next; no part
 * goes over the limit for them, and an export of empty folders only is one part holding them.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PSTFile, type PSTFolder } from 'pst-extractor';
import { EMPTY_PST_BYTES, type FinishedPart, PstSplitter } from '../../src/split/pst-splitter.js';
import { sizedRecord } from './records.js';

async function freshDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-kept-folders-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every folder under the IPM subtree of `path` ("Inbox/Sub"), with its PidTagContainerClass and item count. */
async function folderClasses(path: string): Promise<Map<string, { containerClass: string; items: number }>> {
  const pst = new PSTFile(await readFile(path));
  const out = new Map<string, { containerClass: string; items: number }>();
  const walk = (folder: PSTFolder, prefix: string): void => {
    for (const sub of folder.getSubFolders()) {
      const p = prefix ? `${prefix}/${sub.displayName}` : sub.displayName;
      out.set(p, { containerClass: sub.containerClass, items: sub.contentCount });
      if (sub.subFolderCount > 0) walk(sub, p);
    }
  };
  const ipm = pst
    .getRootFolder()
    .getSubFolders()
    .find((f) => f.displayName === 'Top of Personal Folders');
  assert.ok(ipm, 'the IPM subtree');
  walk(ipm, '');
  return out;
}

function splitter(dir: string, limitBytes: number, parts: FinishedPart[]): PstSplitter {
  return new PstSplitter({ limitBytes, directory: dir, onPart: async (p) => void parts.push(p) });
}

test('declared folders keep their class, empty ones included; a message creates its folder with the declared class', async (t) => {
  const dir = await freshDir(t);
  const parts: FinishedPart[] = [];
  const s = splitter(dir, 50 * 1024 * 1024, parts);
  await s.folder({ path: ['Calendar'], containerClass: 'IPF.Appointment' }, false);
  await s.folder({ path: ['Tasks'], containerClass: 'IPF.Task' }, true);
  await s.folder({ path: ['Deleted Items', 'Sub'], containerClass: 'IPF.Note' }, true);
  await s.folder({ path: ['Notes'], containerClass: 'IPF.StickyNote' }, false);
  await s.add(['Calendar'], sizedRecord(1));
  await s.finish();
  assert.equal(parts.length, 1);
  const folders = await folderClasses(parts[0]!.path);
  assert.deepEqual(folders.get('Calendar'), { containerClass: 'IPF.Appointment', items: 1 });
  assert.deepEqual(folders.get('Tasks'), { containerClass: 'IPF.Task', items: 0 });
  assert.deepEqual(folders.get('Deleted Items/Sub'), { containerClass: 'IPF.Note', items: 0 });
  assert.equal(folders.has('Notes'), false, 'a folder declared without keep and no message is not created');
});

test('only empty folders: one part holds them all', async (t) => {
  const dir = await freshDir(t);
  const parts: FinishedPart[] = [];
  const s = splitter(dir, 50 * 1024 * 1024, parts);
  for (const name of ['Inbox', 'Journal', 'RSS Feeds'])
    await s.folder({ path: [name], containerClass: name === 'Journal' ? 'IPF.Journal' : 'IPF.Note' }, true);
  await s.finish();
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.messages, 0);
  assert.deepEqual([...(await folderClasses(parts[0]!.path)).keys()].sort(), [
    'Deleted Items',
    'Inbox',
    'Journal',
    'RSS Feeds',
  ]);
});

test('kept folders never take a part over the limit: those without room go into the next part, each folder once', async (t) => {
  const dir = await freshDir(t);
  const parts: FinishedPart[] = [];
  const limit = EMPTY_PST_BYTES + 253_952;
  const s = splitter(dir, limit, parts);
  // Messages fill the first part close to the limit, then folders (long names) are declared while it is open.
  for (let i = 0; i < 12; i++) await s.add(['Inbox'], sizedRecord(i, { attachmentBytes: 18_000 }));
  const names = Array.from({ length: 120 }, (_, i) => `${String(i).padStart(3, '0')} ${'n'.repeat(240)}`);
  for (const name of names) await s.folder({ path: ['Kept', name], containerClass: 'IPF.Task' }, true);
  await s.finish();
  assert.ok(parts.length >= 2, `the folders need more than the first part (${parts.length} parts)`);
  const seen: string[] = [];
  for (const part of parts) {
    assert.ok(part.bytes <= limit, `part ${part.index}: ${part.bytes} bytes, limit ${limit}`);
    for (const [path, f] of await folderClasses(part.path)) {
      if (!path.startsWith('Kept/')) continue;
      assert.equal(f.containerClass, 'IPF.Task');
      seen.push(path.slice('Kept/'.length));
    }
  }
  assert.deepEqual(seen.sort(), names);
});
