/**
 * The warnings of a source the export opens reach the summary as they are (`{code, message, origin}`), after the
 * given ones: a file the source does not read is named, never passed over in silence.
 */

import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ExportWarning, exportToPstFile } from '@pstream/export';
import { checkPst } from '@pstream/pst';

const DEMO = join(import.meta.dirname, '../../../../fixtures/demo/mailbox/Projects/Falcon');

test('a file an .eml tree does not read is a file-not-read warning of the summary; the mail is exported', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-source-warnings-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'Inbox'), { recursive: true });
  await copyFile(join(DEMO, '000008.eml'), join(tree, 'Inbox', 'a.eml'));
  await copyFile(join(DEMO, '000211.eml'), join(tree, 'Inbox', 'b.eml'));
  const notes = join(tree, 'Inbox', 'notes.txt');
  await writeFile(notes, 'not a message\n');
  const given: ExportWarning = {
    code: 'limit-clamped',
    message: 'given first',
    field: '--limit',
    requested: 1,
    applied: 2,
  };

  const summary = await exportToPstFile({ sources: [tree], name: 'w', warnings: [given] }, join(dir, 'w'));

  assert.equal(summary.matched, 2);
  assert.equal(summary.damaged, 0);
  assert.deepEqual(summary.warnings[0], given);
  assert.deepEqual(
    summary.warnings.slice(1).map((w) => [w.code, 'origin' in w ? w.origin : undefined]),
    [['file-not-read', notes]],
  );
  assert.ok(summary.warnings[1]!.message.startsWith(`${notes}: `), summary.warnings[1]!.message);
  assert.deepEqual((await checkPst(summary.path, { strict: true })).errors, []);
});
