/**
 * Stable ids and the listing API, on the demo .eml tree and on real PST samples: the ids are the same on every run
 * and after the data moves, every item has its own, and the pages cover the mailbox exactly once.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  allFolders,
  folderId,
  folderTypeOf,
  ItemIds,
  listFolders,
  listItems,
  STABLE_ID_PATTERN,
} from '../src/index.js';

const DEMO = fileURLToPath(new URL('../../../fixtures/demo/mailbox', import.meta.url));
const SAMPLES = '/work/shared/reference/samples';

test('folder ids are hashes of the path; types come from the container class', () => {
  assert.match(folderId(['Inbox']), STABLE_ID_PATTERN);
  assert.notEqual(folderId(['Inbox', 'a']), folderId(['Inbox/a']));
  assert.equal(folderId(['Inbox', 'a']), folderId(['Inbox', 'a']));
  // The writer makes one folder of names equal but for case or Unicode normalisation: one id.
  assert.equal(folderId(['Inbox', 'Caf\u00e9']), folderId(['INBOX', 'cafe\u0301']));
  assert.notEqual(folderId(['Inbox', 'Cafe']), folderId(['Inbox', 'Caf\u00e9']));
  assert.equal(folderTypeOf('IPF.Appointment'), 'Appointment');
  assert.equal(folderTypeOf('ipf.contact.custom'), 'Contact');
  assert.equal(folderTypeOf('IPF.Task'), 'Task');
  assert.equal(folderTypeOf('IPF.StickyNote'), 'StickyNote');
  assert.equal(folderTypeOf('IPF.Journal'), 'Journal');
  assert.equal(folderTypeOf('IPF.Note'), 'None');
  assert.equal(folderTypeOf('IPF.Contactless'), 'None');
  assert.equal(folderTypeOf(undefined), 'None');
});

test('item ids: an origin met again in its folder gets a new id; the count starts again with each folder', () => {
  const source = { path: '/data/alice.pst' };
  const first = new ItemIds(source);
  const inbox = ['Inbox'];
  const a = first.next('pst:/data/alice.pst/Inbox #1', inbox);
  const again = first.next('pst:/data/alice.pst/Inbox #1', inbox);
  assert.notEqual(a, again, 'a repeated origin is told apart');
  const other = first.next('pst:/data/alice.pst/Sent #1', ['Sent']);
  // Back in a folder after another: what is remembered is one folder's, so the count has started again.
  assert.equal(first.next('pst:/data/alice.pst/Inbox #1', inbox), a);
  const second = new ItemIds({ path: '/elsewhere/alice.pst' });
  assert.equal(second.next('pst:/elsewhere/alice.pst/Inbox #1', inbox), a, 'the data directory does not count');
  assert.equal(second.next('pst:/elsewhere/alice.pst/Inbox #1', inbox), again);
  assert.equal(second.next('pst:/elsewhere/alice.pst/Sent #1', ['Sent']), other);
});

test('the demo tree: pages cover every item once, ids are unique and the same after the tree moves', async () => {
  const all = await listItems([DEMO], { limit: 1000 });
  assert.equal(all.results.length, 300);
  assert.equal(new Set(all.results.map((i) => i.id)).size, 300);
  const paged = [];
  for (let offset = 0; ; offset += 70) {
    const page = await listItems([DEMO], { offset, limit: 70 });
    assert.equal(page.offset, offset);
    assert.equal(page.limit, 70);
    paged.push(...page.results);
    if (page.results.length < 70) break;
  }
  assert.deepEqual(
    paged.map((i) => i.id),
    all.results.map((i) => i.id),
  );

  const moved = await mkdtemp(join(tmpdir(), 'pstream-listing-'));
  try {
    await cp(DEMO, join(moved, 'mailbox'), { recursive: true });
    const again = await listItems([join(moved, 'mailbox')], { limit: 1000 });
    assert.deepEqual(
      again.results.map((i) => i.id),
      all.results.map((i) => i.id),
    );
  } finally {
    await rm(moved, { recursive: true, force: true });
  }

  const folders = await allFolders([DEMO]);
  const falcon = folders.find((f) => f.path.join('/') === 'Projects/Falcon');
  assert.ok(falcon);
  assert.equal(falcon.parentId, folderId(['Projects']));
  // The top of the mailbox comes first, named after the source; the top-level folders are its children.
  assert.deepEqual(folders[0], {
    id: folderId([]),
    name: 'mailbox',
    path: [],
    parentId: undefined,
    type: 'None',
    containerClass: 'IPF.Note',
  });
  assert.ok(folders.filter((f) => f.path.length === 1).every((f) => f.parentId === folders[0]!.id));
  const children = await listFolders([DEMO], { parentId: folderId(['Projects']) });
  assert.ok(children.results.every((f) => f.path[0] === 'Projects' && f.path.length === 2));
  assert.ok(children.results.some((f) => f.id === falcon.id));
  assert.deepEqual(
    (await listFolders([DEMO], { name: 'FALC' })).results.map((f) => f.id),
    [falcon.id],
  );

  const inFalcon = await listItems([DEMO], { parentId: falcon.id, limit: 1000 });
  assert.equal(inFalcon.results.length, all.results.filter((i) => i.folder.join('/') === 'Projects/Falcon').length);
  assert.ok(inFalcon.results.length > 0);
  assert.ok(inFalcon.results.every((i) => i.folderId === falcon.id && i.itemClass === 'IPM.Note'));
  assert.ok(all.results.every((i) => typeof i.subject === 'string' && i.record !== undefined && !('body' in i.record)));
});

test('folders of two sources spelled "Inbox" and "inbox" are one folder, shown as the first spells it', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pstream-listing-merge-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const message = ['From: a@example.com', 'Subject: s', 'Date: Wed, 01 May 2024 09:00:00 +0000', '', 'b', ''].join(
    '\r\n',
  );
  await mkdir(join(root, 'one', 'Inbox'), { recursive: true });
  await mkdir(join(root, 'two', 'inbox'), { recursive: true });
  await writeFile(join(root, 'one', 'Inbox', 'a.eml'), message);
  await writeFile(join(root, 'two', 'inbox', 'a.eml'), message);
  const sources = [join(root, 'one'), join(root, 'two')];
  const folders = await allFolders(sources);
  assert.deepEqual(
    folders.map((f) => f.path),
    [[], ['Inbox']],
  );
  const items = await listItems(sources, { parentId: folders[1]!.id });
  assert.equal(items.results.length, 2);
  assert.notEqual(items.results[0]!.id, items.results[1]!.id, 'the same file name in two sources: two ids');
});

test('real PSTs: folder types from their container classes, stable item ids', {
  skip: !existsSync(SAMPLES) && 'no reference samples here',
}, async () => {
  const contacts = join(SAMPLES, 'aspose_SampleContacts.pst');
  const folders = await allFolders([contacts]);
  assert.ok(
    folders.some((f) => f.type === 'Contact'),
    JSON.stringify(folders.map((f) => [f.path, f.containerClass])),
  );
  const sample = join(SAMPLES, 'tika_testPST.pst');
  const first = await listItems([sample], { limit: 1000 });
  const second = await listItems([sample], { limit: 1000 });
  assert.ok(first.results.length > 0);
  assert.deepEqual(
    second.results.map((i) => i.id),
    first.results.map((i) => i.id),
  );
  assert.equal(new Set(first.results.map((i) => i.id)).size, first.results.length);
  // Items a PST keeps at its root belong to the top of the mailbox, which the folder listing shows.
  const folderIds = new Set((await allFolders([sample])).map((f) => f.id));
  assert.ok(first.results.every((i) => folderIds.has(i.folderId)));
  assert.ok(first.results.some((i) => i.folderId === folderId([])));
  const received = first.results.filter((i) => i.received !== undefined);
  assert.ok(received.length > 0);
});
