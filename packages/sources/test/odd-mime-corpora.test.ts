/**
 * Odd real-world MIME from two public corpora (see odd-mime-corpora.ts): the three messages a strict reader finds
 * no header block in are read as a mail client reads them, and every message of both corpora is a record.
 */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type ParsedMime, parseMimeFile } from '../src/mime-message.js';
import { SpoolDirectory, SpoolGroup } from '../src/spool.js';
import { corpusFiles, ENMIME, type MimeCorpus, PYTHON_EMAIL, requireCorpus } from './odd-mime-corpora.js';

/** Parses one corpus file; the record's attachments are released before it returns. */
async function parseCorpusFile(corpus: MimeCorpus, file: string): Promise<ParsedMime & { raw: string }> {
  const dir = new SpoolDirectory();
  try {
    const path = join(corpus.dir, file);
    return {
      ...(await parseMimeFile(path, { spool: new SpoolGroup(dir) })),
      raw: (await readFile(path)).toString('latin1'),
    };
  } finally {
    await dir.close();
  }
}

async function parseIfInstalled(
  t: TestContext,
  corpus: MimeCorpus,
  file: string,
): Promise<(ParsedMime & { raw: string }) | undefined> {
  if (!requireCorpus(t, corpus)) return undefined;
  return parseCorpusFile(corpus, file);
}

test('enmime low-quality/bad-header-start.raw: a first header field indented by a space is a header field', async (t) => {
  const parsed = await parseIfInstalled(t, ENMIME, 'low-quality/bad-header-start.raw');
  if (!parsed) return;
  assert.ok(parsed.raw.startsWith(' From: James Hillyerd'), 'the file still starts with the indented field');
  const r = parsed.record;
  assert.equal(r.subject, 'plain text');
  assert.deepEqual(r.from, { name: 'James Hillyerd', address: 'james@makita.skynet' });
  assert.deepEqual(r.recipients, [{ kind: 'to', address: 'greg@inbucket' }]);
  assert.equal(r.sentAt?.toISOString(), '2012-10-19T05:48:39.000Z');
  assert.equal(r.internetMessageId, '<07B7061D-2676-487E-942E-C341CE4D13DC@makita.skynet>');
  assert.match(r.transportHeaders ?? '', /^From: James Hillyerd/);
  assert.match(r.body ?? '', /^A text section/);
  assert.equal(parsed.size, parsed.raw.length);
});

for (const [corpus, file, start] of [
  [ENMIME, 'mail/erroneous.raw', '// Not an RFC-822 Document'],
  [PYTHON_EMAIL, 'msg_19.txt', 'Send Ppp mailing list submissions to'],
] as const) {
  test(`${corpus.name} ${file}: a message without a header block is all body`, async (t) => {
    const parsed = await parseIfInstalled(t, corpus, file);
    if (!parsed) return;
    assert.ok(parsed.raw.startsWith(start));
    const r = parsed.record;
    assert.equal(r.subject, '');
    assert.equal(r.from, undefined);
    assert.equal(r.transportHeaders, undefined);
    assert.equal(r.body, parsed.raw.replace(/\r\n/g, '\n'));
    assert.equal(parsed.size, parsed.raw.length);
  });
}

test('every message of both corpora (79 enmime, 47 Python) is a record', async (t) => {
  if (!requireCorpus(t, ENMIME) || !requireCorpus(t, PYTHON_EMAIL)) return;
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  for (const corpus of [ENMIME, PYTHON_EMAIL]) {
    const files = corpusFiles(corpus);
    counts[corpus.name] = files.length;
    for (const file of files) {
      try {
        await parseCorpusFile(corpus, file);
      } catch (error) {
        failures.push(`${corpus.name} ${file}: ${(error as Error).message}`);
      }
    }
  }
  assert.deepEqual(counts, { enmime: 79, 'python-test_email': 47 });
  assert.deepEqual(failures, []);
});
