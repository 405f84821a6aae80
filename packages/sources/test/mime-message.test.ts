import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { MimeDamageError } from '../src/errors.js';
import { parseEnvelopeLine, parseMime } from '../src/mime-message.js';
import { SpoolDirectory, SpoolGroup } from '../src/spool.js';
import { crlf, embedded, fileAttachments, readAll } from './helpers.js';

async function parse(raw: string | Buffer, requireClosingBoundary = false) {
  const dir = new SpoolDirectory();
  const spool = new SpoolGroup(dir);
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  // Feed in small pieces so that nothing depends on the message arriving in one chunk.
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.subarray(i, i + 7));
  try {
    const parsed = await parseMime(Readable.from(pieces), { spool, requireClosingBoundary });
    return { ...parsed, spool, dir };
  } catch (e) {
    await dir.close();
    throw e;
  }
}

test('RFC 2047 Q and B encoded words in subject, names; RFC 2231 file name', async () => {
  const raw = crlf(
    'From: =?UTF-8?B?SsO2cm4gTcO8bGxlcg==?= <jorn@example.com>',
    'To: =?iso-8859-1?Q?Ren=E9?= <rene@example.com>, "Plain, Name" <plain@example.com>',
    'Cc: team: a@example.com, b@example.com;',
    'Bcc: hidden@example.com',
    'Subject: =?UTF-8?Q?Caf=C3=A9_?= =?UTF-8?B?8J+YgA==?= ok',
    'Date: Tue, 3 Sep 2024 10:20:30 +0200',
    'Message-ID: <m1@example.com>',
    'In-Reply-To: <m0@example.com>',
    'References: <a@example.com>',
    ' <m0@example.com>',
    'Importance: high',
    'Keywords: Red, Blue Category',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'hello',
    '--b1',
    'Content-Type: application/pdf',
    "Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC%20r%C3%A9sum%C3%A9.pdf",
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 fake').toString('base64'),
    '--b1--',
    '',
  );
  const { record, dir } = await parse(raw);
  try {
    assert.equal(record.subject, 'Café 😀 ok');
    assert.deepEqual(record.from, { name: 'Jörn Müller', address: 'jorn@example.com' });
    assert.deepEqual(record.recipients, [
      { kind: 'to', name: 'René', address: 'rene@example.com' },
      { kind: 'to', name: 'Plain, Name', address: 'plain@example.com' },
      { kind: 'cc', address: 'a@example.com' },
      { kind: 'cc', address: 'b@example.com' },
      { kind: 'bcc', address: 'hidden@example.com' },
    ]);
    assert.equal(record.sentAt?.toISOString(), '2024-09-03T08:20:30.000Z');
    assert.equal(record.internetMessageId, '<m1@example.com>');
    assert.equal(record.inReplyTo, '<m0@example.com>');
    assert.equal(record.references, '<a@example.com> <m0@example.com>');
    assert.equal(record.importance, 'high');
    assert.deepEqual(record.categories, ['Red', 'Blue Category']);
    assert.equal(record.body?.trim(), 'hello');
    assert.ok(record.transportHeaders?.startsWith('From: =?UTF-8?B?SsO2cm4gTcO8bGxlcg==?= <jorn@example.com>\r\n'));
    assert.ok(record.transportHeaders?.includes('References: <a@example.com>\r\n <m0@example.com>\r\n'));
    assert.ok(record.transportHeaders?.endsWith('boundary="b1"\r\n\r\n'));
    const [pdf] = fileAttachments(record);
    assert.equal(pdf?.name, '€ résumé.pdf');
    assert.equal(pdf?.contentType, 'application/pdf');
    assert.equal(pdf?.isInline, false);
    assert.equal(pdf?.size, 13);
    assert.equal((await readAll(pdf!)).bytes?.toString(), '%PDF-1.4 fake');
  } finally {
    await dir.close();
  }
});

test('bodies in iso-8859-1, windows-1252 and shift_jis are decoded', async () => {
  const cases: Array<[string, Buffer, string]> = [
    ['iso-8859-1', Buffer.from('Gr\xfc\xdfe aus K\xf6ln', 'latin1'), 'Grüße aus Köln'],
    ['windows-1252', Buffer.from([0x80, 0x20, 0x35, 0x20, 0x93, 0x71, 0x94]), '€ 5 “q”'],
    ['shift_jis', Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]), '日本語'],
  ];
  for (const [charset, body, expected] of cases) {
    const head = Buffer.from(
      crlf(
        'From: a@example.com',
        `Subject: =?${charset}?B?${body.toString('base64')}?=`,
        `Content-Type: text/plain; charset=${charset}`,
        'Content-Transfer-Encoding: 8bit',
        '',
        '',
      ),
      'latin1',
    );
    const { record, dir } = await parse(Buffer.concat([head, body, Buffer.from('\r\n')]));
    await dir.close();
    assert.equal(record.body?.trim(), expected, charset);
    assert.equal(record.subject, expected, `${charset} subject`);
  }
});

test('raw 8-bit header text is read in the charset the message declares, else as windows-1252; UTF-8 lines pass', async () => {
  const cases: Array<[string | undefined, Buffer, string]> = [
    ['iso-8859-1', Buffer.from('\xa37,000 prize', 'latin1'), '£7,000 prize'],
    ['gb2312', Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), '你好'],
    ['euc-kr', Buffer.from([0xbe, 0xc8, 0xb3, 0xe7]), '안녕'],
    [undefined, Buffer.from('Caf\xe9 \x80 5', 'latin1'), 'Café € 5'],
    ['x-unknown-charset', Buffer.from('K\xf6ln', 'latin1'), 'Köln'],
    ['iso-8859-1', Buffer.from('caf\xc3\xa9', 'latin1'), 'café'],
  ];
  for (const [charset, subject, expected] of cases) {
    const contentType = charset === undefined ? [] : [`Content-Type: text/plain;`, `\tcharset="${charset}"`];
    const head = Buffer.concat([
      Buffer.from('From: "J\xc3\xb6rn" <j@example.com>\r\nSubject: ', 'latin1'),
      subject,
      Buffer.from(crlf('', ...contentType, '', 'body', ''), 'latin1'),
    ]);
    for (const bytes of [
      head,
      Buffer.concat([Buffer.from('From sender@example.com Mon Aug 26 15:45:14 2002\n'), head]),
    ]) {
      const { record, dir } = await parse(bytes);
      await dir.close();
      assert.equal(record.subject, expected, `${charset} subject`);
      assert.equal(record.from?.name, 'Jörn', `${charset}: a UTF-8 line beside it is kept`);
      assert.equal(record.body?.trim(), 'body');
    }
  }
});

test('raw 8-bit header text of a multipart is read in the first charset its parts declare that is known', async () => {
  // As in SpamAssassin's spam-2/00006: an unknown label first ("CHINESEBIG5"), then one that is known.
  const head = Buffer.concat([
    Buffer.from('From: a@example.com\r\nSubject: ', 'latin1'),
    Buffer.from([0xa4, 0xa4, 0xa4, 0xe5]),
    Buffer.from(
      crlf(
        '',
        'Content-Type: multipart/alternative; boundary="b"',
        '',
        '--b',
        'Content-Type: text/html; charset="CHINESEBIG5"',
        '',
        '<meta http-equiv="Content-Type" content="text/html; charset=big5"><p>x</p>',
        '--b--',
        '',
      ),
      'latin1',
    ),
  ]);
  const { record, dir } = await parse(head);
  await dir.close();
  assert.equal(record.subject, '中文');
});

test('HTML-only mail: html kept, no text body made up from it (link targets must not become searchable text)', async () => {
  const raw = crlf(
    'From: a@example.com',
    'Subject: html',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><body><p>Hello <b>world</b></p></body></html>',
    '',
  );
  const { record, dir } = await parse(raw);
  await dir.close();
  assert.match(record.html ?? '', /<b>world<\/b>/);
  assert.equal(record.body, undefined);
  assert.equal(record.attachments, undefined);
});

test('multipart/alternative gives text and HTML; inline image with cid in multipart/related', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const raw = crlf(
    'From: a@example.com',
    'Subject: alt',
    'Content-Type: multipart/related; boundary="rel"',
    '',
    '--rel',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'plain version',
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>html version <img src="cid:logo@x"></p>',
    '--alt--',
    '--rel',
    'Content-Type: image/png',
    'Content-ID: <logo@x>',
    'Content-Disposition: inline',
    'Content-Transfer-Encoding: base64',
    '',
    png.toString('base64'),
    '--rel--',
    '',
  );
  const { record, dir } = await parse(raw);
  try {
    assert.equal(record.body?.trim(), 'plain version');
    assert.match(record.html ?? '', /html version <img src="cid:logo@x">/);
    const [img] = fileAttachments(record);
    assert.equal(img?.contentId, 'logo@x');
    assert.equal(img?.isInline, true);
    assert.equal(img?.contentType, 'image/png');
    assert.equal(img?.name, 'attachment-2.png');
    assert.deepEqual((await readAll(img!)).bytes, png);
  } finally {
    await dir.close();
  }
});

test('message/rfc822 parts become embedded messages, nested two levels, with their own attachments', async () => {
  const innermost = crlf('From: c@example.com', 'Subject: level two', 'Content-Type: text/plain', '', 'deepest', '');
  const inner = crlf(
    'From: b@example.com',
    'Subject: =?UTF-8?Q?level_one_=E2=9C=93?=',
    'Content-Type: multipart/mixed; boundary="in"',
    '',
    '--in',
    'Content-Type: text/plain',
    '',
    'inner body',
    '--in',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    innermost,
    '--in',
    'Content-Type: text/csv; name="data.csv"',
    'Content-Disposition: attachment; filename="data.csv"',
    '',
    'a,b',
    '--in--',
    '',
  );
  const raw = crlf(
    'From: a@example.com',
    'Subject: outer',
    'Content-Type: multipart/mixed; boundary="out"',
    '',
    '--out',
    'Content-Type: text/plain',
    '',
    'outer body',
    '--out',
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="fwd.eml"',
    '',
    inner,
    '--out--',
    '',
  );
  const { record, dir } = await parse(raw);
  try {
    assert.equal(record.body?.trim(), 'outer body');
    assert.equal(record.attachments?.length, 1);
    const att = record.attachments?.[0];
    assert.equal(att?.kind, 'message');
    assert.equal(att?.name, 'fwd.eml');
    const [level1] = embedded(record);
    assert.equal(level1?.subject, 'level one ✓');
    assert.equal(level1?.body?.trim(), 'inner body');
    assert.equal(level1?.from?.address, 'b@example.com');
    const [level2] = embedded(level1!);
    assert.equal(level2?.subject, 'level two');
    assert.equal(level2?.body?.trim(), 'deepest');
    const [csv] = fileAttachments(level1!);
    assert.equal(csv?.name, 'data.csv');
    assert.equal((await readAll(csv!)).bytes?.toString().trim(), 'a,b');
  } finally {
    await dir.close();
  }
});

test('an mbox envelope line in front of a message is dropped and gives the received date fallback', async () => {
  const raw = crlf(
    'From sender@example.com Mon Aug 26 15:45:14 2002',
    'From: a@example.com',
    'Subject: s',
    '',
    'b',
    '',
  );
  const { record, envelope, dir } = await parse(raw);
  await dir.close();
  assert.equal(envelope?.sender, 'sender@example.com');
  assert.equal(record.receivedAt?.toISOString(), '2002-08-26T15:45:14.000Z');
  assert.equal(record.from?.address, 'a@example.com');
  assert.ok(!record.transportHeaders?.includes('From sender'));
});

test('an unparseable Date gives no sentAt (not the parse time); received date comes from the top Received field', async () => {
  const raw = crlf(
    'Received: by mx; Wed, 4 Sep 2024 01:02:03 +0000',
    'Received: by relay; Tue, 3 Sep 2024 00:00:00 +0000',
    'From: a@example.com',
    'Date: not a date',
    'Status: O',
    '',
    'b',
    '',
  );
  const { record, dir } = await parse(raw);
  await dir.close();
  assert.equal(record.sentAt, undefined);
  assert.equal(record.receivedAt?.toISOString(), '2024-09-04T01:02:03.000Z');
  assert.equal(record.isRead, false);
});

test('an odd first line is read as a mail client does: an indented field loses its indent, anything else starts the body', async () => {
  const lf = (...lines: string[]): string => lines.join('\n');
  const indented = await parse(crlf(' \tSubject: indented', 'From: a@example.com', '', 'text', ''));
  await indented.dir.close();
  assert.equal(indented.record.subject, 'indented');
  assert.equal(indented.record.from?.address, 'a@example.com');
  assert.equal(indented.record.body?.trim(), 'text');
  for (const raw of [
    '\u0000\u0001\u0002 binary junk without any header\r\n\r\nmore',
    lf('Dear all,', 'Subject: this is body text', '', 'bye'),
    lf(' indented text, no field', 'more'),
    crlf('', 'Subject: after an empty first line'),
    `${'x'.repeat(10_000)}\nSubject: no`,
    'short',
  ]) {
    const { record, dir, size } = await parse(raw);
    await dir.close();
    assert.equal(record.subject, '', JSON.stringify(raw.slice(0, 40)));
    assert.equal(record.transportHeaders, undefined);
    // mailparser gives text bodies with LF line ends
    assert.equal(record.body?.replace(/^\n/, ''), raw.replace(/\r\n/g, '\n').replace(/^\n/, ''));
    assert.equal(size, Buffer.byteLength(raw));
  }
  const mboxed = await parse(lf('From nobody@example.com Mon Jan  6 10:00:00 2025', 'no field here', '', 'body'));
  await mboxed.dir.close();
  assert.equal(mboxed.envelope?.sender, 'nobody@example.com');
  assert.equal(mboxed.record.body, lf('no field here', '', 'body'));
});

test('damaged input: empty, truncated multipart', async () => {
  await assert.rejects(parse(''), MimeDamageError);
  const cut = crlf(
    'From: a@example.com',
    'Content-Type: multipart/mixed; boundary="zz"',
    '',
    '--zz',
    'Content-Type: text/plain',
    '',
    'partial',
  );
  await assert.rejects(parse(cut, true), /truncated: the closing delimiter --zz-- .* is missing/);
  const { record, dir } = await parse(cut, false);
  await dir.close();
  assert.equal(record.body?.trim(), 'partial');
});

test('parseEnvelopeLine accepts real envelope lines only', () => {
  assert.equal(parseEnvelopeLine('From alice@example.com Mon Aug 26 15:45:14 2002')?.sender, 'alice@example.com');
  assert.equal(
    parseEnvelopeLine('From MAILER-DAEMON Fri Jul  8 12:08:34 2011')?.date?.toISOString(),
    '2011-07-08T12:08:34.000Z',
  );
  assert.equal(parseEnvelopeLine('From the desk of the president, 2002')?.date, undefined);
  assert.equal(parseEnvelopeLine('Fromage'), undefined);
});
