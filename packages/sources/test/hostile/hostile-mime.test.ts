/**
 * Hostile MIME through `openSource`, as an `.eml` tree and as an mbox: absurd nesting, part counts, header sizes
 * and recipient counts, CR/LF injection through encoded words, invalid UTF-8 and UTF-16, attachment names with
 * path separators and NULs. Every input is generated piece by piece straight to disk.
 *
 * For each, the source either yields a faithful record or reports the message as damaged with a reason that
 * names the limit; resident memory stays far below the input size; the records that come out are written with
 * `PstWriter` and the file passes `checkPst` (strict) and reads back with pst-extractor.
 */

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FileAttachment, MessageRecord } from '@pstream/pst';
import { MIME_LIMITS, WHOLE_MESSAGE_BYTES } from '../../src/mime-message.js';
import { openSource } from '../../src/open-source.js';
import { readAll } from '../helpers.js';
import { disposeAll, LARGE, readSource, repeat, writeAndCheck, writeStreamed } from './support.js';

const ENVELOPE = 'From sender@example.com Mon Aug 26 15:45:14 2002\n';
const MB = 1024 * 1024;

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pstream-hostile-'));
  // Warm up the parser's modules, so that loading them is not counted as growth by the first measured read.
  await mkdir(join(root, 'warm'));
  await writeStreamed(join(root, 'warm', 'a.eml'), [plain('warm up')]);
  const warm = await readSource((report) => openSource(join(root, 'warm'), { reportDamaged: report }));
  await disposeAll(warm);
});
after(() => rm(root, { recursive: true, force: true }));

function plain(subject: string, body = 'hello'): string {
  return `From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: ${subject}\r\nDate: Mon, 26 Aug 2002 15:45:14 +0000\r\n\r\n${body}\r\n`;
}

// --------------------------------------------------------------------------------------------- generators

/** `levels` multiparts, each the only part of the one above; a text part at the bottom. */
function* nestedMultipart(levels: number): Generator<string> {
  yield 'From: a@example.com\r\nSubject: nested multipart\r\nMIME-Version: 1.0\r\n';
  for (let i = 0; i < levels; i++) yield `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
  yield 'Content-Type: text/plain\r\n\r\nthe bottom\r\n';
  for (let i = levels - 1; i >= 0; i--) yield `--b${i}--\r\n`;
}

/** `levels` messages, each the whole body (message/rfc822) of the one above. */
function* nestedRfc822(levels: number): Generator<string> {
  for (let i = 0; i < levels; i++)
    yield `From: a@example.com\r\nSubject: level ${i}\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n`;
  yield 'From: a@example.com\r\nSubject: the bottom\r\n\r\nbottom body\r\n';
}

/** One multipart/mixed with `parts` small attachments. */
function* manyParts(parts: number): Generator<string> {
  yield 'From: a@example.com\r\nSubject: many parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n';
  for (let i = 0; i < parts; i++)
    yield `--x\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nAAAA\r\n`;
  yield '--x--\r\n';
}

/** A header field folded over `mb` MiB of continuation lines. */
function* bigHeader(mb: number): Generator<string> {
  yield 'From: a@example.com\r\nSubject: big header\r\nX-Big: start\r\n';
  const block = ` ${'a'.repeat(1021)}\r\n`.repeat(1024); // 1 MiB of folded lines
  yield* repeat(block, mb);
  yield '\r\nbody\r\n';
}

/** A `To:` field with `count` addresses, four per folded line. */
function* manyRecipients(count: number): Generator<string> {
  yield 'From: a@example.com\r\nSubject: many recipients\r\nTo: ';
  for (let i = 0; i < count; i++) yield `u${i}@example.com${i === count - 1 ? '\r\n' : i % 4 === 3 ? ',\r\n ' : ', '}`;
  yield '\r\nbody\r\n';
}

/** Base64 of bytes, for encoded words. */
const b64 = (bytes: number[] | Buffer): string => Buffer.from(bytes).toString('base64');

/** CR/LF smuggled through encoded words into the subject, names and an attachment name. */
const injection = [
  'From: =?utf-8?Q?Eve=0D=0ABcc=3A_victim=40example.com?= <eve@example.com>',
  `To: =?utf-8?B?${b64(Buffer.from('Bob\r\nX-Injected: yes'))}?= <bob@example.com>`,
  'Subject: =?utf-8?Q?hello=0D=0ABcc:_injected@example.com=0D=0A=0D=0Afake_body?=',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'the real body',
  '--b',
  'Content-Type: application/octet-stream',
  "Content-Disposition: attachment; filename*=utf-8''evil%0D%0AContent-Type%3A%20text%2Fhtml.txt",
  '',
  'data',
  '--b--',
  '',
].join('\r\n');

/** Raw 8-bit header bytes and a UTF-8 body that are not UTF-8. */
const invalidUtf8 = Buffer.concat([
  Buffer.from('From: a@example.com\r\nSubject: caf'),
  Buffer.from([0xc3, 0x20, 0xff, 0xfe]),
  Buffer.from(
    ' end\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nbad ',
  ),
  Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80]),
  Buffer.from(' bytes\r\n'),
]);

/** UTF-16 with lone surrogates: a high one followed by "A" in the subject, a low one alone in the body. */
const invalidUtf16 = [
  'From: a@example.com',
  `Subject: =?utf-16le?B?${b64([0x3d, 0xd8, 0x41, 0x00])}?=`,
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-16le',
  'Content-Transfer-Encoding: base64',
  '',
  b64([0x62, 0x00, 0x00, 0xdc, 0x63, 0x00]),
  '',
].join('\r\n');

const LONG_NAME = `${'n'.repeat(5000)}.txt`;
/** Attachment names with path separators, traversal, a NUL and 5,000 characters. */
function attachmentNames(): string {
  const names: { header: string; expected: string }[] = [
    { header: 'filename="../../../etc/passwd"', expected: '../../../etc/passwd' },
    { header: 'filename="/absolute/path.txt"', expected: '/absolute/path.txt' },
    { header: 'filename="C:\\\\Windows\\\\evil.exe"', expected: 'C:\\Windows\\evil.exe' },
    { header: "filename*=utf-8''nul%00inside.txt", expected: 'nul\0inside.txt' },
    {
      header: LONG_NAME.match(/.{1,60}/g)!
        .map((piece, i) => `filename*${i}="${piece}"`)
        .join(';\r\n '),
      expected: LONG_NAME,
    },
  ];
  EXPECTED_NAMES.push(...names.map((n) => n.expected));
  const parts = names.map(
    (n, i) =>
      `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n ${n.header}\r\n\r\npart ${i}\r\n`,
  );
  return `From: a@example.com\r\nSubject: names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts.join('')}--b--\r\n`;
}
const EXPECTED_NAMES: string[] = [];

// --------------------------------------------------------------------------------------------- helpers

function byOrigin<T extends { origin: string }>(items: readonly T[], suffix: string): T | undefined {
  return items.find((i) => i.origin.endsWith(suffix));
}

/** Every string of a record (recursively), for the well-formedness checks. */
function strings(r: MessageRecord): string[] {
  const out = [r.subject, r.body ?? '', r.html ?? '', r.from?.name ?? '', r.from?.address ?? ''];
  for (const x of r.recipients ?? []) out.push(x.name ?? '', x.address ?? '');
  for (const a of r.attachments ?? []) {
    out.push(a.name);
    if (a.kind === 'message') out.push(...strings(a.message));
  }
  return out;
}

// --------------------------------------------------------------------------------------------- the .eml tree

describe('hostile .eml files', () => {
  test('each hostile message is read faithfully or reported with the limit it broke, and the PST checks clean', async (t) => {
    // The huge ones, refused: read on their own so that the memory figure is theirs alone.
    const hugeDir = join(root, 'eml-huge');
    await mkdir(hugeDir);
    let inputBytes = 0;
    const huge: Record<string, Iterable<string | Uint8Array>> = {
      '01-nested-multipart-1000.eml': nestedMultipart(1000),
      '04-parts-100000.eml': manyParts(100_000),
      '06-header-100mb.eml': bigHeader(LARGE ? 200 : 100),
      '07-recipients-1m.eml': manyRecipients(1_000_000),
    };
    for (const [name, gen] of Object.entries(huge)) inputBytes += await writeStreamed(join(hugeDir, name), gen);
    const refused = await readSource((report) => openSource(hugeDir, { reportDamaged: report }));
    await disposeAll(refused);
    assert.equal(refused.messages.length, 0);
    const reasons = Object.fromEntries(refused.damaged.map((d) => [d.origin.slice(hugeDir.length + 1), d.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), Object.keys(huge));
    assert.match(reasons['01-nested-multipart-1000.eml']!, new RegExp(`more than ${MIME_LIMITS.parts} MIME parts`));
    assert.match(reasons['04-parts-100000.eml']!, new RegExp(`more than ${MIME_LIMITS.parts} MIME parts`));
    assert.match(
      reasons['06-header-100mb.eml']!,
      new RegExp(`header block larger than ${MIME_LIMITS.headerBytes} bytes`),
    );
    assert.match(
      reasons['07-recipients-1m.eml']!,
      new RegExp(`header block larger than ${MIME_LIMITS.headerBytes} bytes`),
    );
    // Memory: the inputs add up to more than 130 MB; the read holds none of them but one read whole (a message up
    // to WHOLE_MESSAGE_BYTES is parsed in memory), one at a time.
    t.diagnostic(`eml tree (refused): ${inputBytes} bytes in, RSS growth ${refused.rssGrowth} bytes`);
    assert.ok(inputBytes > 130 * MB, `input ${inputBytes}`);
    assert.ok(
      refused.rssGrowth < 32 * MB + WHOLE_MESSAGE_BYTES,
      `RSS grew by ${(refused.rssGrowth / MB).toFixed(1)} MiB reading ${(inputBytes / MB).toFixed(0)} MiB`,
    );

    // The ones that are read.
    const dir = join(root, 'eml');
    await mkdir(dir);
    const files: Record<string, Iterable<string | Uint8Array>> = {
      '02-nested-multipart-900.eml': nestedMultipart(900),
      '03-nested-rfc822-1000.eml': nestedRfc822(1000),
      '05-parts-900.eml': manyParts(900),
      '08-recipients-20000.eml': manyRecipients(20_000),
      '09-injection.eml': [injection],
      '10-invalid-utf8.eml': [invalidUtf8],
      '11-invalid-utf16.eml': [invalidUtf16],
      '12-names.eml': [attachmentNames()],
    };
    for (const [name, gen] of Object.entries(files)) await writeStreamed(join(dir, name), gen);
    const read = await readSource((report) => openSource(dir, { reportDamaged: report }));
    try {
      assert.deepEqual(read.damaged, []);
      assert.equal(read.messages.length, Object.keys(files).length);
      t.diagnostic(`eml tree (read): RSS growth ${read.rssGrowth} bytes`);

      const rec = (suffix: string): MessageRecord => {
        const m = byOrigin(read.messages, suffix);
        assert.ok(m, `no record for ${suffix}`);
        return m.record;
      };
      // 900 nested multiparts: the text at the bottom is the body.
      assert.equal(rec('02-nested-multipart-900.eml').body?.trim(), 'the bottom');
      // 1000 nested messages: 16 embedded levels, then the rest kept byte for byte as a message/rfc822 file.
      let level = rec('03-nested-rfc822-1000.eml');
      for (let i = 0; i < 16; i++) {
        assert.equal(level.subject, `level ${i}`);
        const a = level.attachments?.[0];
        assert.equal(a?.kind, 'message', `level ${i}`);
        level = a.message;
      }
      const rest = level.attachments?.[0] as FileAttachment;
      assert.equal(rest.kind, 'file');
      assert.equal(rest.contentType, 'message/rfc822');
      const restBytes = await readAll(rest);
      assert.equal(restBytes.length, rest.size);
      assert.ok(restBytes.bytes?.toString('latin1').startsWith('From: a@example.com\r\nSubject: level 17\r\n'));
      assert.ok(restBytes.bytes?.toString('latin1').endsWith('Subject: the bottom\r\n\r\nbottom body\r\n'));
      // 900 attachments, 20,000 recipients: all there.
      assert.equal(rec('05-parts-900.eml').attachments?.length, 900);
      assert.equal(rec('08-recipients-20000.eml').recipients?.length, 20_000);
      assert.equal(rec('08-recipients-20000.eml').recipients?.[19_999]?.address, 'u19999@example.com');

      // CR/LF injection: no new header, no new recipient; decoded single-line fields hold no line break.
      const inj = rec('09-injection.eml');
      assert.deepEqual(
        inj.recipients?.map((r) => r.address),
        ['bob@example.com'],
      );
      assert.equal(inj.from?.address, 'eve@example.com');
      for (const s of [
        inj.subject,
        inj.from?.name ?? '',
        inj.recipients?.[0]?.name ?? '',
        inj.attachments?.[0]?.name ?? '',
      ]) {
        assert.doesNotMatch(s, /[\r\n]/, JSON.stringify(s));
      }
      assert.equal(inj.subject, 'hello Bcc: injected@example.com fake body');
      assert.equal(inj.from?.name, 'Eve Bcc: victim@example.com');
      assert.equal(inj.recipients?.[0]?.name, 'Bob X-Injected: yes');
      assert.equal(inj.attachments?.[0]?.name, 'evil Content-Type: text/html.txt');
      assert.equal(inj.body?.trim(), 'the real body');
      assert.ok(!/^X-Injected/im.test(inj.transportHeaders ?? ''), 'the raw header block is not rewritten');

      // A header line that is not UTF-8 (though the message declares UTF-8) is read as windows-1252, as mail clients
      // read undeclared 8-bit text; invalid UTF-8 in the body becomes U+FFFD; nothing else is lost.
      const u8 = rec('10-invalid-utf8.eml');
      assert.equal(u8.subject, 'caf\u00c3 \u00ff\u00fe end');
      assert.ok(
        u8.body?.startsWith('bad ') && u8.body.includes('\uFFFD') && u8.body.trim().endsWith(' bytes'),
        u8.body,
      );
      for (const s of strings(u8)) assert.ok(s.isWellFormed(), JSON.stringify(s));

      // Names are kept as sent (a PST stores them as properties, not paths; ZIP entry names are our own).
      assert.deepEqual(
        rec('12-names.eml').attachments?.map((a) => a.name),
        EXPECTED_NAMES,
      );

      // Everything that was read goes through the writer into a file that checks clean.
      const { read: back } = await writeAndCheck(root, 'eml.pst', read.messages);
      assert.equal(back.length, read.messages.length);
      const find = (subject: string) => back.find((b) => b.subject === subject);
      assert.equal(find('many recipients')?.recipients, 20_000);
      assert.equal(find('many parts')?.attachments.length, 900);
      assert.equal(find('level 0')?.attachments[0]?.method, 5);
      assert.equal(find('hello Bcc: injected@example.com fake body')?.recipients, 1);
      // Lone surrogates reach the writer (a UTF-16 decoder keeps them) and are stored as U+FFFD.
      const u16 = rec('11-invalid-utf16.eml');
      assert.equal(u16.subject, '\uD83DA');
      assert.equal(find('\uFFFDA')?.body.trim(), 'b\uFFFDc');
      // A NUL in a name is dropped by the writer; the other names are stored as they are.
      assert.deepEqual(
        find('names')?.attachments.map((a) => a.name),
        EXPECTED_NAMES.map((n) => n.replaceAll('\0', '')),
      );
    } finally {
      await disposeAll(read);
    }
  });
});

// --------------------------------------------------------------------------------------------- the mbox

describe('hostile mbox', () => {
  test('hostile messages between two good ones: the good ones are read, each hostile one is reported, memory stays flat', async (t) => {
    const path = join(root, 'hostile.mbox');
    const headerMb = LARGE ? 200 : 100;
    function* mbox(): Generator<string | Uint8Array> {
      yield `${ENVELOPE + plain('first good one')}\n`;
      yield ENVELOPE;
      yield* bigHeader(headerMb);
      yield `\n${ENVELOPE}`;
      yield* manyParts(100_000);
      yield `\n${ENVELOPE}`;
      yield* manyRecipients(1_000_000);
      yield `\n${ENVELOPE}`;
      yield* nestedMultipart(1000);
      yield `\n${ENVELOPE}`;
      yield invalidUtf8;
      yield `\n${ENVELOPE}${injection}\n`;
      yield `${ENVELOPE + plain('last good one')}\n`;
    }
    const bytes = await writeStreamed(path, mbox());
    const read = await readSource((report) => openSource(path, { reportDamaged: report }));
    try {
      assert.deepEqual(
        read.damaged.map((d) => [d.origin.slice(path.length), d.reason.replace(/ \(.*$|;.*$/, '')]),
        [
          ['#2', `a header block larger than ${MIME_LIMITS.headerBytes} bytes`],
          ['#3', `more than ${MIME_LIMITS.parts} MIME parts`],
          ['#4', `a header block larger than ${MIME_LIMITS.headerBytes} bytes`],
          ['#5', `more than ${MIME_LIMITS.parts} MIME parts`],
        ],
      );
      assert.deepEqual(
        read.messages.map((m) => m.record.subject),
        [
          'first good one',
          read.messages[1]?.record.subject,
          'hello Bcc: injected@example.com fake body',
          'last good one',
        ],
      );
      assert.ok(read.messages[1]?.record.subject.startsWith('caf'));
      t.diagnostic(`mbox: ${bytes} bytes in, RSS growth ${read.rssGrowth} bytes`);
      assert.ok(bytes > headerMb * MB);
      assert.ok(
        read.rssGrowth < 64 * MB,
        `RSS grew by ${(read.rssGrowth / MB).toFixed(1)} MiB reading ${(bytes / MB).toFixed(0)} MiB`,
      );
      const { read: back } = await writeAndCheck(root, 'mbox.pst', read.messages);
      assert.deepEqual(
        back.map((b) => b.subject),
        read.messages.map((m) => m.record.subject),
      );
    } finally {
      await disposeAll(read);
    }
  });
});
