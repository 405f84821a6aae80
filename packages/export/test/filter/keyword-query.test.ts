import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attachment, FileAttachment, MessageRecord } from '@pstream/pst';
import { ExportError, QueryError } from '../../src/errors.js';
import { compileQuery, type KeywordQueryOptions } from '../../src/filter/keyword-query.js';

function msg(fields: Partial<MessageRecord>): MessageRecord {
  return { subject: '', ...fields };
}

async function matches(query: string, record: MessageRecord, options?: KeywordQueryOptions): Promise<boolean> {
  return compileQuery(query, options).matches(record);
}

/** Asserts which of the texts (used as subjects) the query selects. */
async function selects(query: string, yes: readonly string[], no: readonly string[]): Promise<void> {
  const q = compileQuery(query);
  for (const s of yes)
    assert.equal(await q.matches(msg({ subject: s })), true, `${query} should match ${JSON.stringify(s)}`);
  for (const s of no)
    assert.equal(await q.matches(msg({ subject: s })), false, `${query} should not match ${JSON.stringify(s)}`);
}

/** A text attachment whose bytes come in chunks; `pulled` counts the chunks read. */
function textAttachment(
  name: string,
  content: Buffer,
  contentType?: string,
  chunk = 1024,
): FileAttachment & { pulled: () => number; opened: () => number } {
  let pulled = 0;
  let opened = 0;
  return {
    kind: 'file',
    name,
    ...(contentType === undefined ? {} : { contentType }),
    size: content.byteLength,
    open: () => {
      opened++;
      return (async function* () {
        for (let i = 0; i < content.byteLength; i += chunk) {
          pulled++;
          yield content.subarray(i, i + chunk);
        }
      })();
    },
    pulled: () => pulled,
    opened: () => opened,
  };
}

test('a term matches words that start with it, case-insensitively; not the middle of a word', async () => {
  await selects(
    'support',
    ['Support', 'SUPPORT team', 'supporting you', 'the supports', 'tech-support', 'support2024'],
    ['unsupported', 'sup port', 'suport', 'supp', ''],
  );
  await selects('supp*', ['support', 'Supplies'], ['unsupported']);
});

test('a quoted word is a whole word; a quoted sequence is an exact phrase', async () => {
  await selects('"support"', ['Support team', 'call support!'], ['supporting', 'supports']);
  await selects(
    '"support ticket"',
    ['Open a support ticket now', 'SUPPORT  --  Ticket'],
    ['ticket support', 'support the ticket', 'support tickets'],
  );
  await selects('"support ticket"*', ['support tickets'], ['support the tickets']);
  await selects('"support tick*"', ['support tickets'], ['support stick']);
  // Unquoted terms with punctuation are the sequence of their words, the last one a prefix.
  await selects('e-mail', ['E-Mail address', 'e mail', 'email? e.mails'], ['mail', 'email']);
});

test('a phrase does not run across two separate values of a field', async () => {
  const r = msg({
    recipients: [
      { kind: 'to', name: 'Help Support' },
      { kind: 'to', name: 'Ticket Desk' },
    ],
  });
  assert.equal(await matches('"support ticket"', r), false);
  assert.equal(await matches('"help support"', r), true);
  assert.equal(await matches('support ticket', r), true); // two terms, both present
});

test('terms are found in every default field', async () => {
  const cases: Array<[string, Partial<MessageRecord>]> = [
    ['subject', { subject: 'Needle here' }],
    ['from name', { from: { name: 'Needle Person' } }],
    ['from address', { from: { address: 'needle@example.com' } }],
    ['sender', { sender: { name: 'x', address: 'needle.bot@example.com' } }],
    ['to', { recipients: [{ kind: 'to', name: 'Needle' }] }],
    ['cc address', { recipients: [{ kind: 'cc', address: 'team-needle@example.com' }] }],
    ['bcc', { recipients: [{ kind: 'bcc', name: 'Secret Needle' }] }],
    ['text body', { body: 'Some text with a needle inside.' }],
    ['html body', { html: '<p>Some <b>needle</b></p>' }],
    ['attachment name', { attachments: [textAttachment('needle-report.pdf', Buffer.from('%PDF'), 'application/pdf')] }],
  ];
  for (const [what, fields] of cases) {
    assert.equal(await matches('needle', msg(fields)), true, what);
    assert.equal(await matches('haystack', msg(fields)), false, what);
  }
  // Addresses split at punctuation: an address query is a word sequence.
  const r = msg({ from: { name: 'Bob', address: 'bob.smith@example.com' } });
  assert.equal(await matches('from:bob.smith@example.com', r), true);
  assert.equal(await matches('from:smith@example.com', r), true);
  assert.equal(await matches('from:bob@example.com', r), false);
});

test('field restrictions', async () => {
  const r = msg({
    subject: 'Quarterly report',
    from: { name: 'Alice Author', address: 'alice@example.com' },
    recipients: [
      { kind: 'to', name: 'Tom To', address: 'tom@example.com' },
      { kind: 'cc', name: 'Carl Cc', address: 'carl@example.com' },
      { kind: 'bcc', name: 'Betty Bcc', address: 'betty@example.com' },
    ],
    body: 'The numbers are attached.',
    html: '<p>Visible <i>html</i> words</p>',
    attachments: [textAttachment('figures.xlsx', Buffer.from('x'), 'application/vnd.ms-excel')],
  });
  const expectations: Array<[string, boolean]> = [
    ['subject:quarterly', true],
    ['subject:numbers', false],
    ['from:alice', true],
    ['from:tom', false],
    ['to:tom', true],
    ['to:carl', false],
    ['cc:carl', true],
    ['cc:betty', false],
    ['bcc:betty', true],
    ['participants:betty', true],
    ['participants:quarterly', false],
    ['body:numbers', true],
    ['body:visible', true],
    ['body:quarterly', false],
    ['attachment:figures', true],
    ['attachments:figures', true],
    ['attachment:report', false],
    ['Subject:"quarterly report"', true],
    ['subject: "report quarterly"', false],
    ['subject:(quarterly OR missing)', true],
    ['subject:(missing OR absent)', false],
    ['subject:(quarterly NOT report)', false],
    ['to:(tom carl)', false],
    ['to:tom cc:carl', true],
  ];
  for (const [q, want] of expectations) assert.equal(await matches(q, r), want, q);
});

test('HTML bodies: visible text only, entities decoded, no markup or URLs', async () => {
  const r = msg({
    html:
      '<html><head><style>.promo{}</style><script>track("secretword")</script></head>' +
      '<body><a href="https://tracker.example.com/click?id=zebra">Caf&eacute; menu</a> ' +
      '<span class="hiddenclass">sup</span>port<!-- commentword --> &#x43;olleague ' +
      '<td>left</td><td>right</td></body></html>',
  });
  const expectations: Array<[string, boolean]> = [
    ['café', true],
    ['cafe', false], // accents are kept: é is not e
    ['support', true],
    ['colleague', true],
    ['menu', true],
    ['secretword', false],
    ['promo', false],
    ['tracker', false],
    ['zebra', false],
    ['hiddenclass', false],
    ['span', false],
    ['commentword', false],
    ['"left right"', true],
    ['leftright', false],
  ];
  for (const [q, want] of expectations) assert.equal(await matches(q, r), want, q);
});

test('text is matched as given: encoded-looking text is not decoded again', async () => {
  // Sources decode RFC 2047, quoted-printable and base64; a record whose text still looks encoded is
  // searched literally, and entities mean nothing outside HTML.
  const r = msg({ subject: '=?UTF-8?B?c3VwcG9ydA==?=', body: 'sup=\r\nport and &#115;upport' });
  assert.equal(await matches('support', r), false);
  assert.equal(await matches('c3VwcG9ydA', r), true);
  assert.equal(await matches('upport', r), true);
});

test('non-Latin scripts: Cyrillic and Greek by prefix, CJK as substrings, Hangul by prefix', async () => {
  await selects('поддерж', ['Служба ПОДДЕРЖКИ', 'поддержка клиентов'], ['неподдерживаемый']);
  await selects('"служба поддержки"', ['СЛУЖБА ПОДДЕРЖКИ'], ['служба и поддержки']);
  // Greek: upper case folds to lower case, and a final sigma equals a medial one.
  await selects('οδος', ['ΟΔΟΣ', 'η οδος'], ['οδός']);
  await selects('ΣΟΦΟΣ', ['σοφος', 'σοφοσ'], []);
  // CJK has no spaces: each character is a word, so a CJK term matches anywhere inside a CJK run.
  await selects('東京', ['東京都庁', '私は東京に住んでいます'], ['京東', '東 と 京']);
  await selects('京都', ['東京都庁', '京都'], ['東京']);
  await selects('サポート', ['カスタマーサポートセンター'], ['サポ']);
  await selects('Windows版', ['Windows版です'], ['Windows 7 の版']);
  await selects('서울', ['서울에서 만나요'], ['부산']);
});

test('NFKC and full case folding', async () => {
  await selects('support', ['ＳＵＰＰＯＲＴ desk', 'ｓｕｐｐｏｒｔ'], []);
  await selects('ＳＵＰＰＯＲＴ', ['support'], []);
  await selects('finance', ['\uFB01nance report'], []); // "fi" ligature
  await selects('strasse', ['Straße 1', 'STRASSE'], ['Hauptstraße 1']); // word prefix: compounds are not split
  await selects('STRAßE', ['strasse'], []);
  await selects('№5', ['No5'], []); // NFKC: № is "No"
  await selects('x²', ['x2'], []);
});

test('AND, OR, NOT and parentheses, with NOT > AND > OR', async () => {
  await selects('alpha beta', ['alpha beta', 'beta then alpha'], ['alpha', 'beta']);
  await selects('alpha AND beta', ['alpha beta'], ['alpha']);
  await selects('alpha OR beta', ['alpha', 'beta'], ['gamma']);
  await selects('NOT alpha', ['beta', ''], ['alpha']);
  // OR is looser than juxtaposition: a OR (b AND c)
  await selects('alpha OR beta gamma', ['alpha', 'beta gamma'], ['beta', 'gamma']);
  await selects('(alpha OR beta) gamma', ['alpha gamma', 'beta gamma'], ['alpha', 'beta']);
  // NOT binds tightest: (NOT a) AND b
  await selects('NOT alpha beta', ['beta'], ['alpha beta', 'alpha', '']);
  await selects('NOT (alpha beta)', ['alpha', 'beta', ''], ['alpha beta']);
  await selects('alpha OR NOT beta', ['alpha beta', 'gamma'], ['beta']);
  await selects('NOT NOT alpha', ['alpha'], ['beta']);
  // Lower-case operators are words.
  await selects('alpha or beta', ['alpha or beta'], ['alpha', 'beta']);
  await selects('not', ['nothing to see'], ['a']);
});

test('hasattachments counts real attachments, not inline images', async () => {
  const file = textAttachment('a.txt', Buffer.from('x'), 'text/plain');
  const inline: Attachment = { ...textAttachment('logo.png', Buffer.from('x'), 'image/png'), isInline: true };
  const embedded: Attachment = { kind: 'message', name: 'Fwd', message: msg({ subject: 'inner' }) };
  for (const [r, has] of [
    [msg({}), false],
    [msg({ attachments: [] }), false],
    [msg({ attachments: [inline] }), false],
    [msg({ attachments: [inline, file] }), true],
    [msg({ attachments: [embedded] }), true],
  ] as const) {
    assert.equal(await matches('hasattachments:true', r), has);
    assert.equal(await matches('hasattachments:false', r), !has);
    assert.equal(await matches('HasAttachments:YES', r), has);
  }
});

test('dates are UTC days against receivedAt, else sentAt', async () => {
  const jan31Late = msg({ receivedAt: new Date('2024-01-31T23:59:59.999Z'), sentAt: new Date('2023-06-01T00:00:00Z') });
  const feb1 = msg({ receivedAt: new Date('2024-02-01T00:00:00Z') });
  const sentOnly = msg({ sentAt: new Date('2024-02-10T12:00:00Z') });
  const undated = msg({});
  const cases: Array<[string, MessageRecord, boolean]> = [
    ['received>=2024-02-01', jan31Late, false],
    ['received>=2024-02-01', feb1, true],
    ['received<2024-02-01', jan31Late, true],
    ['received<2024-02-01', feb1, false],
    ['received>=2024-02-01', sentOnly, true],
    ['received<2024-02-01', undated, false],
    ['received>=2024-02-01', undated, false],
    ['received:2024-01-31', jan31Late, true],
    ['received:2024-01-31', feb1, false],
    ['received>2024-01-31', feb1, true],
    ['received>2024-01-31', jan31Late, false],
    ['received<=2024-01-31', jan31Late, true],
    ['received:2024-01-01..2024-01-31', jan31Late, true],
    ['received:2024-01-01..2024-01-31', feb1, false],
    ['sent<2024-01-01', jan31Late, true],
    ['sent>=2024-02-01', feb1, false],
    ['received>= 2024-02-01 received<2024-03-01', sentOnly, true],
    ['NOT received<2024-02-01', feb1, true],
  ];
  for (const [q, r, want] of cases) assert.equal(await matches(q, r), want, q);
});

test('the empty query selects everything', async () => {
  for (const q of ['', '   ', '\t\n']) {
    const query = compileQuery(q);
    assert.equal(query.selectsAll, true);
    assert.equal(await query.matches(msg({})), true);
  }
  assert.equal(compileQuery('x').selectsAll, false);
});

test('attachment contents are searched only when asked, and only for text-like types', async () => {
  const pdf = textAttachment('scan.pdf', Buffer.from('invoice'), 'application/pdf');
  const txt = textAttachment('notes.txt', Buffer.from('the invoice is late'), 'text/plain; charset=utf-8');
  const r = msg({ attachments: [pdf, txt] });
  assert.equal(await matches('invoice', r), false);
  assert.equal(txt.opened(), 0, 'nothing is read without the option');
  assert.equal(await matches('invoice', r, { searchAttachmentContents: true }), true);
  assert.equal(pdf.opened(), 0, 'a PDF is not read');
  assert.equal(await matches('attachment:invoice', r, { searchAttachmentContents: true }), true);
  assert.equal(await matches('body:invoice', r, { searchAttachmentContents: true }), false);

  const latin1 = textAttachment(
    'menu.txt',
    Buffer.from('caf\xe9 cr\xe8me', 'latin1'),
    'text/plain; charset="iso-8859-1"',
  );
  assert.equal(await matches('café', msg({ attachments: [latin1] }), { searchAttachmentContents: true }), true);
  const html = textAttachment('page.htm', Buffer.from('<p>visible</p><a href="http://hiddenurl">x</a>'), undefined);
  assert.equal(await matches('visible', msg({ attachments: [html] }), { searchAttachmentContents: true }), true);
  assert.equal(await matches('hiddenurl', msg({ attachments: [html] }), { searchAttachmentContents: true }), false);
  const csv = textAttachment('data.csv', Buffer.from('id,widget'), 'application/octet-stream');
  assert.equal(await matches('widget', msg({ attachments: [csv] }), { searchAttachmentContents: true }), true);
});

test('the attachment scan stops reading at the byte cap', async () => {
  const content = Buffer.concat([Buffer.from('early '), Buffer.alloc(64 * 1024, 0x20), Buffer.from(' lateword')]);
  const a = textAttachment('big.txt', content, 'text/plain', 1024);
  const r = msg({ attachments: [a] });
  const opts = { searchAttachmentContents: true, attachmentContentMaxBytes: 4096 };
  assert.equal(await matches('early', r, opts), true);
  assert.equal(a.pulled(), 4, 'only the chunks within the cap are pulled');
  assert.equal(await matches('lateword', r, opts), false);
  assert.equal(await matches('lateword', r, { searchAttachmentContents: true }), true);
  // Read once per matches() call even when several terms need it.
  const before = a.opened();
  await matches('missing OR absent OR nothing', r, opts);
  assert.equal(a.opened() - before, 1);
});

test('embedded messages are searched with the attachment contents option', async () => {
  const inner = msg({
    subject: 'Inner subject',
    body: 'deepword',
    html: '<b>htmlword</b>',
    attachments: [textAttachment('innerfile.txt', Buffer.from('innercontent'), 'text/plain')],
  });
  const r = msg({ attachments: [{ kind: 'message', name: 'Forwarded', message: inner }] });
  assert.equal(await matches('forwarded', r), true); // the attachment's name
  assert.equal(await matches('deepword', r), false);
  for (const w of ['deepword', 'htmlword', 'innerfile', 'innercontent', 'inner']) {
    assert.equal(await matches(w, r, { searchAttachmentContents: true }), true, w);
  }
});

test('headers are searched only with the option', async () => {
  const r = msg({ transportHeaders: 'Received: from mx.example.org\r\nX-Mailer: Zimbra\r\n' });
  assert.equal(await matches('zimbra', r), false);
  assert.equal(await matches('zimbra', r, { searchHeaders: true }), true);
});

test('attachment read errors reject matches()', async () => {
  const broken: FileAttachment = {
    kind: 'file',
    name: 'b.txt',
    contentType: 'text/plain',
    size: 10,
    open: () =>
      (async function* () {
        yield new Uint8Array(1);
        throw new Error('disk on fire');
      })(),
  };
  await assert.rejects(
    matches('x', msg({ attachments: [broken] }), { searchAttachmentContents: true }),
    /disk on fire/,
  );
  assert.throws(() => compileQuery('x', { attachmentContentMaxBytes: -1 }), RangeError);
});

function queryError(q: string): QueryError {
  try {
    compileQuery(q);
  } catch (err) {
    assert.ok(err instanceof QueryError, String(err));
    assert.ok(
      err instanceof ExportError && err.code === 'invalid-query',
      'a QueryError is an ExportError with code invalid-query',
    );
    return err;
  }
  assert.fail(`${q} should be rejected`);
}

test('malformed queries report the position', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['subject:"abc', 8, /unclosed quote/],
    ['a "b c', 2, /unclosed quote/],
    ['(a OR b', 0, /unclosed parenthesis/],
    ['x ((a) OR b', 2, /unclosed parenthesis/],
    ['a)', 1, /unmatched closing parenthesis/],
    ['(a) b)', 5, /unmatched closing parenthesis/],
    ['()', 1, /empty parentheses/],
    ['foo:bar', 0, /unknown field "foo:"/],
    ['a Foo:"x"', 2, /unknown field/],
    ['received>=2024-13-01', 10, /bad date "2024-13-01"; no such day/],
    ['received<2024-02-30', 9, /no such day/],
    ['received:yesterday', 9, /bad date "yesterday"; expected YYYY-MM-DD/],
    ['received: 24-1-1', 10, /bad date/],
    ['received:2024-02-01..2024-01-01', 9, /ends before it starts/],
    ['received>2024-01-01..2024-02-01', 9, /range cannot follow/],
    ['hasattachments:maybe', 15, /true or false/],
    ['subject>x', 7, /dates only/],
    ['a OR', 4, /expected a term after OR/],
    ['OR a', 0, /expected a term before OR/],
    ['a AND OR b', 6, /after AND, found OR/],
    ['NOT', 3, /expected a term after NOT/],
    ['a (OR b)', 3, /expected a term before OR/],
    ['sup*port', 3, /wildcard/],
    ['*', 0, /needs a prefix/],
    ['a !!!', 2, /no letters or digits/],
    ['subject:', 8, /expected a value/],
    ['subject:(from:x)', 9, /inside a group/],
  ];
  for (const [q, pos, re] of cases) {
    const e = queryError(q);
    assert.equal(e.position, pos, `${q}: ${e.message}`);
    assert.match(e.reason, re, q);
    assert.equal(e.query, q);
  }
  // The message points at the position with a caret.
  const e = queryError('alpha beta foo:bar');
  assert.equal(
    e.message,
    'unknown field "foo:" (known: subject, from, to, cc, bcc, participants, body, attachment, hasattachments, received, sent); quote the text to search for it literally at position 11\n  alpha beta foo:bar\n             ^',
  );
  // Nesting is bounded, so parsing never overflows the stack.
  const deep = queryError(`${'('.repeat(10_000)}a${')'.repeat(10_000)}`);
  assert.equal(deep.position, 64);
  assert.match(deep.reason, /nested deeper/);
  // Quoting makes field-like text searchable.
  assert.doesNotThrow(() => compileQuery('"foo:bar" 10:30 a=b'));
});
