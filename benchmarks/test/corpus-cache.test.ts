/**
 * The corpus cache round trip: a record (with a file attachment and an attached message that has one of its own)
 * survives `encodeMessage` → `decodeMessage`, and a parsed `.eml` tree survives `writeCorpusCache` →
 * `CorpusCache.load` → `message(i)`, each attachment's `open()` yielding its bytes (again at every call).
 */

import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Attachment, MessageRecord } from '@pstream/pst';
import { CorpusCache, decodeMessage, encodeMessage, writeCorpusCache } from '../src/corpus-cache.js';

async function bytesOf(a: Attachment): Promise<Buffer> {
  assert.equal(a.kind, 'file');
  const chunks: Uint8Array[] = [];
  for await (const c of await a.open()) chunks.push(c);
  return Buffer.concat(chunks);
}

function source(bytes: Uint8Array): () => AsyncIterable<Uint8Array> {
  return async function* () {
    // Two chunks, so that the cache has to join them.
    yield bytes.subarray(0, 3);
    yield bytes.subarray(3);
  };
}

test('encodeMessage → decodeMessage keeps the record, its attachments and their bytes', async () => {
  const outer = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
  const inner = new TextEncoder().encode('inner attachment bytes');
  const record: MessageRecord = {
    subject: 'Outer ✓',
    from: { name: 'Ann', address: 'ann@example.com' },
    recipients: [{ kind: 'to', address: 'bob@example.com' }],
    sentAt: new Date(Date.UTC(2002, 7, 22, 10, 0, 0)),
    body: 'body text',
    categories: ['a', 'b'],
    attachments: [
      {
        kind: 'file',
        name: 'data.bin',
        contentType: 'application/octet-stream',
        size: outer.length,
        open: source(outer),
      },
      {
        kind: 'message',
        name: 'Inner',
        message: {
          subject: 'Inner',
          html: '<p>hi</p>',
          attachments: [{ kind: 'file', name: 'note.txt', size: inner.length, isInline: true, open: source(inner) }],
        },
      },
    ],
  };
  const back = decodeMessage(await encodeMessage({ folder: ['Inbox', 'Sub'], record }));
  assert.deepEqual(back.folder, ['Inbox', 'Sub']);
  const { attachments, ...rest } = back.record;
  const { attachments: _a, ...expected } = record;
  assert.deepEqual(rest, expected);
  assert.equal(rest.sentAt?.getTime(), Date.UTC(2002, 7, 22, 10, 0, 0));
  assert.equal(attachments?.length, 2);
  const [file, message] = attachments!;
  assert.ok(file?.kind === 'file');
  assert.deepEqual(
    { ...file, open: undefined },
    { kind: 'file', name: 'data.bin', contentType: 'application/octet-stream', size: 300, open: undefined },
  );
  assert.deepEqual(await bytesOf(file), Buffer.from(outer));
  assert.deepEqual(await bytesOf(file), Buffer.from(outer), 'open() starts again at byte 0');
  assert.ok(message?.kind === 'message');
  assert.equal(message.name, 'Inner');
  assert.equal(message.message.html, '<p>hi</p>');
  const innerFile = message.message.attachments?.[0];
  assert.ok(innerFile?.kind === 'file');
  assert.equal(innerFile.isInline, true);
  assert.equal(innerFile.size, inner.length);
  assert.deepEqual(await bytesOf(innerFile), Buffer.from(inner));
});

test('encodeMessage refuses an attachment whose bytes do not add up to its size', async () => {
  const record: MessageRecord = {
    subject: 'x',
    attachments: [{ kind: 'file', name: 'short.bin', size: 10, open: source(new Uint8Array(4)) }],
  };
  await assert.rejects(encodeMessage({ folder: ['Inbox'], record }), /short\.bin.*10.*4/);
});

const EML_WITH_ATTACHMENTS = [
  'From: Ann <ann@example.com>',
  'To: bob@example.com',
  'Subject: with attachments',
  'Date: Thu, 22 Aug 2002 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain',
  '',
  'the body',
  '--b1',
  'Content-Type: application/octet-stream; name="data.bin"',
  'Content-Disposition: attachment; filename="data.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('0123456789abcdef').toString('base64'),
  '--b1',
  'Content-Type: message/rfc822',
  'Content-Disposition: attachment',
  '',
  'From: Cy <cy@example.com>',
  'Subject: inner message',
  'Content-Type: text/plain',
  '',
  'inner body',
  '--b1--',
  '',
].join('\r\n');

const EML_OUT_OF_RANGE = [
  'From: x@example.com',
  'Subject: too old',
  'Date: Wed, 22 Aug 1500 10:00:00 +0000',
  '',
  'old',
  '',
].join('\r\n');

test('writeCorpusCache → CorpusCache.load → message(i): the parsed tree, attachments and exclusions', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pstream-corpus-cache-'));
  try {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'group'), { recursive: true });
    await writeFile(join(tree, 'group', 'a.eml'), EML_WITH_ATTACHMENTS);
    await writeFile(join(tree, 'group', 'b.eml'), 'From: x@example.com\r\nSubject: plain\r\n\r\nplain body\r\n');
    await writeFile(join(tree, 'group', 'c.eml'), EML_OUT_OF_RANGE);
    const file = join(dir, 'cache.v8');
    const written = await writeCorpusCache(tree, file);
    const cache = await CorpusCache.load(file);
    assert.deepEqual(cache.summary, written);
    assert.equal(cache.count, 2);
    assert.equal(cache.summary.excluded.length, 1);
    assert.match(cache.summary.excluded[0]!, /c\.eml: date 1500-/);
    await assert.rejects(access(join(tree, 'group', 'c.eml')), 'the message left out is deleted from the tree');
    assert.ok(cache.summary.payloadBytes > 0);
    assert.ok(cache.folders.some((f) => f.path.join('/') === 'group'));
    const subjects = [cache.message(0), cache.message(1)].map((m) => m.record.subject).sort();
    assert.deepEqual(subjects, ['plain', 'with attachments']);
    assert.equal(cache.message(2).record.subject, cache.message(0).record.subject, 'message(i) cycles');
    const m = [cache.message(0), cache.message(1)].find((x) => x.record.subject === 'with attachments')!;
    assert.deepEqual(m.folder, ['group']);
    const [file1, embedded] = m.record.attachments ?? [];
    assert.ok(file1?.kind === 'file');
    assert.equal(file1.name, 'data.bin');
    assert.equal(file1.size, 16);
    assert.equal((await bytesOf(file1)).toString(), '0123456789abcdef');
    assert.ok(embedded?.kind === 'message');
    assert.equal(embedded.message.subject, 'inner message');
    assert.match(embedded.message.body ?? '', /inner body/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
