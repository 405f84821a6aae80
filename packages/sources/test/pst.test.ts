import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SourceError } from '../src/errors.js';
import { openSource } from '../src/open-source.js';
import { PstSource } from '../src/pst.js';
import { drain, embedded, fileAttachments, readAll } from './helpers.js';

const SAMPLES = '/work/shared/reference/samples';

/** Messages per folder path ('' = the top of the mailbox). */
async function countsOf(file: string) {
  const { messages, damaged } = await drain((report) => new PstSource(join(SAMPLES, file), { reportDamaged: report }));
  const counts: Record<string, number> = {};
  for (const m of messages) counts[m.folder.join('/')] = (counts[m.folder.join('/')] ?? 0) + 1;
  return { counts, damaged, messages };
}

// Expected counts are those of libpff (python3 /work/shared/oracles/pypff_summary.py FILE), IPM subtree only.
test('aspose_Outlook.pst: per-folder counts match libpff; attachments read back at their stated size', async () => {
  const source = new PstSource(join(SAMPLES, 'aspose_Outlook.pst'));
  const folders: string[] = [];
  for await (const f of source.folders()) folders.push(f.path.join('/'));
  await source.close();
  assert.deepEqual(folders, [
    'Deleted Items',
    'Inbox',
    'Inbox/SubInbox',
    'Outbox',
    'Sent Items',
    'Calendar',
    'Contacts',
    'Journal',
    'Notes',
    'Tasks',
    'Drafts',
    'RSS Feeds',
    'Junk E-mail',
    'Custom Folder 1',
    'Custom Folder 2',
  ]);
  let files = 0;
  let inline = 0;
  let embeddedCount = 0;
  const { messages, damaged } = await drain(
    (report) => new PstSource(join(SAMPLES, 'aspose_Outlook.pst'), { reportDamaged: report }),
    async (m) => {
      for (const a of fileAttachments(m.record)) {
        const read = await readAll(a);
        assert.equal(read.length, a.size, `${m.origin} ${a.name}`);
        files += 1;
        if (a.isInline) {
          inline += 1;
          assert.ok(
            a.contentId !== undefined && m.record.html?.includes(`cid:${a.contentId}`),
            `${m.origin} ${a.name} is referenced`,
          );
        }
      }
      embeddedCount += embedded(m.record).length;
    },
  );
  assert.deepEqual(damaged, []);
  const counts: Record<string, number> = {};
  for (const m of messages) counts[m.folder.join('/')] = (counts[m.folder.join('/')] ?? 0) + 1;
  assert.deepEqual(counts, { Inbox: 8, 'Sent Items': 6, Calendar: 1, Contacts: 1 });
  // 2 messages × (12 images referenced by cid: inline; 2 photos and a text file: listed).
  assert.equal(files, 30);
  assert.equal(inline, 24);
  assert.ok(embeddedCount > 0, 'embedded .msg attachments are read as messages');
  const inbox = messages.find((m) => m.folder[0] === 'Inbox')?.record;
  assert.equal(inbox?.messageClass, 'IPM.Note');
  assert.ok(inbox?.subject !== undefined && inbox.subject.length > 0);
});

test('tika_testPST.pst: 7 messages in the top folder, non-ASCII names, an embedded message', async () => {
  const { counts, damaged, messages } = await countsOf('tika_testPST.pst');
  assert.deepEqual(damaged, []);
  assert.deepEqual(counts, { '': 7 });
  const names = messages.flatMap((m) => [
    m.record.from?.name ?? '',
    ...(m.record.recipients ?? []).map((r) => r.name ?? ''),
  ]);
  assert.ok(
    names.some((n) => /[^\x00-\x7f]/.test(n)),
    'a non-ASCII display name',
  );
  assert.equal(
    messages.reduce((n, m) => n + embedded(m.record).length, 0),
    1,
  );
  assert.ok(messages.every((m) => m.record.transportHeaders === undefined || m.record.transportHeaders.includes(':')));
});

test('pstsdk_submessage.pst: the embedded message is a nested record', async () => {
  const { counts, messages } = await countsOf('pstsdk_submessage.pst');
  assert.deepEqual(counts, { submessage: 1 });
  const outer = messages[0]?.record;
  assert.equal(outer?.subject, 'This is a message which has an embedded message attached');
  const [inner] = embedded(outer!);
  assert.equal(inner?.subject, 'This is an embedded message');
  assert.match(inner?.body ?? '', /This is the body of an embedded message/);
  assert.equal(outer?.recipients?.[0]?.address, 'terrymah@microsoft.com');
});

test('more Unicode samples: counts match libpff', async () => {
  assert.deepEqual((await countsOf('tika_testPST_variousBodyTypes.pst')).counts, { 'Inbox/tmp': 4 });
  assert.deepEqual((await countsOf('gopst_support.pst')).counts, { Drafts: 6, 'Sent Messages': 11 });
  assert.deepEqual((await countsOf('aspose_SampleContacts.pst')).counts, { Contacts: 6 });
});

test('ANSI PSTs are refused with a clear message naming wVer', async () => {
  for (const file of ['gopst_32-bit.pst', 'pstsdk_test_ansi.pst']) {
    await assert.rejects(
      openSource(join(SAMPLES, file)),
      (e: unknown) =>
        e instanceof SourceError &&
        e.code === 'ansi-pst' &&
        /ANSI .* not supported: header wVer is 14/.test(e.message) &&
        e.path.endsWith(file),
    );
    await assert.rejects(
      drain(() => new PstSource(join(SAMPLES, file))),
      (e: unknown) => e instanceof SourceError && e.code === 'ansi-pst',
    );
  }
});
