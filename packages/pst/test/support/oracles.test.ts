import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertReadersAgree,
  compareWithExpected,
  diffSummaries,
  type ExpectedFolder,
  type ReaderSummary,
  readBackAll,
  requireReaders,
  textDigest,
} from './oracles.js';

const EMPTY = '/work/shared/reference/outlook-empty.pst';
const TIKA = '/work/shared/reference/samples/tika_testPST.pst';

const ipm = (s: ReaderSummary): string[] =>
  s.folders
    .filter((f) => !f.path.startsWith('~/'))
    .map((f) => `${f.path}:${f.messageCount}`)
    .sort();

test('textDigest follows pstnorm: CRLF to LF, trailing NULs and blanks stripped, code points counted', () => {
  assert.deepEqual(textDigest('a\r\nb \u0000'), textDigest('a\nb'));
  assert.equal(textDigest('é😀')!.len, 2);
  assert.equal(textDigest('  \u0000'), null);
  // sha1('abc') = a9993e364706816a...
  assert.equal(textDigest('abc')!.sha1, 'a9993e364706816a');
});

test('every reader on outlook-empty.pst: clean, an empty IPM subtree and Deleted Items', async (t) => {
  if (!(await requireReaders(t))) return;
  const back = await readBackAll(EMPTY);
  assert.equal(back.fsck.exit, 0);
  assert.equal(back.fsck.nErrors, 0);
  assert.equal(back.fsck.info.nodes, 47);
  for (const s of [back.pypff, back.pffexport, back.readpst, back.pstextractor]) {
    assert.equal(s.ok, true, `${s.reader}: ${s.errors.join('; ')}`);
    assert.equal(s.exitCode, 0, s.reader);
  }
  assert.deepEqual(ipm(back.pypff), [':0', 'Deleted Items:0']);
  assert.deepEqual(ipm(back.pffexport), [':0', 'Deleted Items:0']);
  assert.deepEqual(ipm(back.pstextractor), [':0', 'Deleted Items:0']);
  assert.deepEqual(ipm(back.readpst), [':0']); // readpst creates no directory for an empty folder
  assert.equal(back.readpst.storeName, 'Empty');
  // folders outside the IPM subtree are visible to libpff and pst-extractor only
  assert.ok(back.pypff.folders.some((f) => f.path === '~/Search Root'));
  await assertReadersAgree(EMPTY, [
    { path: '', messages: [] },
    { path: 'Deleted Items', messages: [] },
  ]);
});

/** What Outlook stored in tika_testPST.pst (bodies by digest), as a writer test would state it. */
const TIKA_EXPECTED: ExpectedFolder[] = [
  {
    path: '',
    messages: [
      {
        subject: 'Re: Feature Generators',
        messageClass: 'IPM.Note',
        senderName: 'Jörn Kottmann',
        senderEmail: 'kottmann@gmail.com',
        displayTo: 'users@opennlp.apache.org',
        recipients: [{ type: 'to', name: 'users@opennlp.apache.org', email: 'users@opennlp.apache.org' }],
        body: { len: 530, sha1: 'ba9235cb0ff3e10d' },
        attachments: [],
      },
      {
        subject: 'Re: init tokenizer fails: "Bad type in putfield/putstatic"',
        senderName: 'Barry Olddog',
        senderEmail: 'oldcanine@yahoo.com',
        recipients: [
          { type: 'to', name: 'kottmann@gmail.com', email: 'kottmann@gmail.com' },
          { type: 'to', name: 'users@opennlp.apache.org', email: 'users@opennlp.apache.org' },
        ],
        body: { len: 1623, sha1: 'dd03283720e5d206' },
      },
      {
        subject: 'Feature Generators',
        senderName: 'Kenig Ma',
        senderEmail: 'kenigma1122@gmail.com',
        body: { len: 208, sha1: '721d7db954361449' },
      },
      {
        subject: '[jira] [Resolved] (TIKA-1249) Vcard files detection',
        senderName: 'Nick Burch (JIRA)',
        senderEmail: 'jira@apache.org',
      },
      {
        subject: '[jira] [Commented] (TIKA-1250) Process loops infintely processing a CHM file',
        senderName: 'Gary Murphy (JIRA)',
      },
      {
        subject: '[WEBINAR] - "Introducing Couchbase Server 2.5"',
        senderName: 'Couchbase',
        html: { len: 10599, sha1: 'f9a80a3cca4c1976' },
      },
      // embedded message; its sender address is an Exchange DN, which readpst replaces: not compared
      {
        subject: 'FW: First email',
        senderName: 'Luis Filipe da Cruz Nassif',
        body: { len: 16, sha1: '8722ea870505f15d' },
        attachments: [{ embedded: { subject: 'First email' } }],
      },
    ],
  },
  { path: 'Éléments supprimés', messages: [] },
];

test('every reader on tika_testPST.pst reports the 7 messages as written, and they agree', async (t) => {
  if (!(await requireReaders(t))) return;
  const back = await assertReadersAgree(TIKA, TIKA_EXPECTED);
  assert.equal(back.fsck!.exit, 0);
  // what each reader can see differs: show it
  const first = (s: ReaderSummary) =>
    s.folders.find((f) => f.path === '')!.messages!.find((m) => m.subject === 'FW: First email')!;
  assert.equal(first(back.pypff!).recipients, null); // pypff 20180714 has no recipient table
  assert.deepEqual(first(back.pstextractor!).recipients, [
    { type: 'to', name: "'lfcnassif@gmail.com'", email: 'lfcnassif@gmail.com' },
  ]);
  assert.equal(first(back.readpst!).senderName, null); // readpst only knows the sent-representing fields
  assert.deepEqual(first(back.pffexport!).attachments, [{ name: null, size: null, sha1: null, embedded: true }]);
  assert.deepEqual(first(back.pstextractor!).attachments, [
    { name: 'First email', size: null, sha1: null, embedded: true },
  ]);
});

test('the comparison fails on wrong expectations and on disagreeing summaries', async (t) => {
  if (!(await requireReaders(t, 'pstextractor', 'pypff'))) return;
  const back = await readBackAll(TIKA);
  const wrong: ExpectedFolder[] = structuredClone(TIKA_EXPECTED);
  wrong[0]!.messages[0]!.senderName = 'Someone Else';
  wrong[0]!.messages[1]!.body = 'not the body';
  wrong[0]!.messages[2]!.recipients = [{ type: 'cc', name: 'x', email: 'x@example.org' }];
  wrong[0]!.messages.pop();
  const diffs = compareWithExpected(back.pstextractor, wrong);
  assert.ok(
    diffs.some((d) => d.includes('senderName') && d.includes('Someone Else')),
    diffs.join('\n'),
  );
  assert.ok(
    diffs.some((d) => d.includes('body')),
    diffs.join('\n'),
  );
  assert.ok(
    diffs.some((d) => d.includes('recipients')),
    diffs.join('\n'),
  );
  assert.ok(
    diffs.some((d) => d.includes('has 7 messages, expected 6')),
    diffs.join('\n'),
  );
  assert.ok(
    diffs.some((d) => d.includes('unexpected message "FW: First email"')),
    diffs.join('\n'),
  );
  // pypff has no recipient table: a wrong recipient expectation cannot be seen there
  assert.ok(!compareWithExpected(back.pypff, wrong).some((d) => d.includes('recipients')));

  assert.deepEqual(diffSummaries(back.pypff, back.pstextractor), []);
  const altered: ReaderSummary = structuredClone(back.pstextractor);
  altered.folders.find((f) => f.path === '')!.messages![0]!.subject = 'changed';
  altered.folders.find((f) => f.path === 'Éléments supprimés')!.messageCount = 1;
  const d = diffSummaries(back.pypff, altered);
  assert.ok(
    d.some((x) => x.includes('"Éléments supprimés": count pypff=0 pst-extractor=1')),
    d.join('\n'),
  );
  assert.ok(
    d.some((x) => x.includes('only in pypff')) && d.some((x) => x.includes('only in pst-extractor')),
    d.join('\n'),
  );
});
