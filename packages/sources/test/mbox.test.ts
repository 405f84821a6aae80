import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { MboxSource, unescapeMboxrd } from '../src/mbox.js';
import { splitMbox } from '../src/mbox-split.js';
import { drain, tempDir } from './helpers.js';

const lf = (...lines: string[]): string => lines.join('\n');

const mboxrd = lf(
  'From alice@example.com Mon Aug 26 15:45:14 2002',
  'From: alice@example.com',
  'Subject: one',
  'Status: RO',
  '',
  'first line',
  '>From the escaped line',
  '>>From a doubly escaped line',
  '',
  'From bob@example.com Tue Aug 27 09:00:00 2002',
  'From: bob@example.com',
  'Subject: two',
  '',
  'second body',
  'From inside a paragraph (no empty line before it)',
  '',
  'From the desk of Bob: an unescaped line after an empty line, no date',
  '',
  'From carol@example.com Wed Aug 28 10:00:00 2002',
  'From: carol@example.com',
  'Subject: three',
  'Content-Type: multipart/mixed; boundary="m3"',
  '',
  '--m3',
  'Content-Type: text/plain',
  '',
  'third',
  '--m3--',
  '',
  '',
);

test('mboxrd: split on envelope lines after an empty line; >From unescaped one level; folder named after the file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'Archive 2002.mbox');
    await writeFile(path, mboxrd);
    const source = new MboxSource(path);
    assert.equal(source.name, 'Archive 2002');
    const folders = [];
    for await (const f of source.folders()) folders.push(f.path);
    assert.deepEqual(folders, [['Archive 2002']]);
    const { messages, damaged } = await drain((report) => new MboxSource(path, { reportDamaged: report }));
    assert.deepEqual(damaged, []);
    assert.deepEqual(
      messages.map((m) => m.record.subject),
      ['one', 'two', 'three'],
    );
    assert.deepEqual(
      messages.map((m) => m.origin),
      [1, 2, 3].map((n) => `${path}#${n}`),
    );
    assert.ok(messages.every((m) => m.folder.length === 1 && m.folder[0] === 'Archive 2002'));
    const [one, two, three] = messages.map((m) => m.record);
    assert.equal(one?.body, 'first line\nFrom the escaped line\n>From a doubly escaped line\n');
    assert.equal(one?.isRead, true);
    assert.equal(one?.receivedAt?.toISOString(), '2002-08-26T15:45:14.000Z');
    // "From " lines that are not envelope lines stay in the body.
    assert.match(two?.body ?? '', /From inside a paragraph/);
    assert.match(two?.body ?? '', /From the desk of Bob/);
    assert.equal(three?.body?.trim(), 'third');
  } finally {
    await cleanup();
  }
});

test('mboxo: >From lines are left as they are', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'old.mbx');
    await writeFile(path, mboxrd);
    const { messages } = await drain(() => new MboxSource(path, { format: 'mboxo' }));
    assert.equal(messages[0]?.record.body, 'first line\n>From the escaped line\n>>From a doubly escaped line\n');
  } finally {
    await cleanup();
  }
});

test('hazard: an unescaped body line that looks exactly like an envelope line after an empty line splits the message', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'hazard.mbox');
    await writeFile(
      path,
      lf(
        'From a@example.com Mon Aug 26 15:45:14 2002',
        'Subject: quoted',
        '',
        'Forwarded:',
        '',
        'From b@example.com Mon Aug 26 12:00:00 2002',
        'Subject: not really a message',
        '',
        'tail',
        '',
      ),
    );
    const { messages, damaged } = await drain((report) => new MboxSource(path, { reportDamaged: report }));
    // Documented behaviour: the quoted envelope cannot be told apart from a real one, so it starts message 2.
    assert.deepEqual(
      messages.map((m) => m.record.subject),
      ['quoted', 'not really a message'],
    );
    assert.deepEqual(damaged, []);
  } finally {
    await cleanup();
  }
});

test('a truncated mbox: the cut-off last message is reported damaged, the others are kept', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const whole = mboxrd.replace(/--m3--\n\n$/, '');
    // Cut in the middle of a line.
    const cutLine = join(dir, 'cut-line.mbox');
    await writeFile(cutLine, whole.slice(0, whole.length - 3));
    const a = await drain((report) => new MboxSource(cutLine, { reportDamaged: report }));
    assert.deepEqual(
      a.messages.map((m) => m.record.subject),
      ['one', 'two'],
    );
    assert.equal(a.damaged.length, 1);
    assert.equal(a.damaged[0]?.origin, `${cutLine}#3`);
    assert.match(a.damaged[0]?.reason ?? '', /^truncated: the file ends in the middle of a line/);
    // Cut at a line end: the multipart lacks its closing delimiter.
    const cutPart = join(dir, 'cut-part.mbox');
    await writeFile(cutPart, whole);
    const b = await drain((report) => new MboxSource(cutPart, { reportDamaged: report }));
    assert.deepEqual(
      b.messages.map((m) => m.record.subject),
      ['one', 'two'],
    );
    assert.match(b.damaged[0]?.reason ?? '', /^truncated: the closing delimiter --m3-- /);
    // stop: throws on the damaged item.
    await assert.rejects(
      drain(() => new MboxSource(cutPart, { onDamaged: 'stop' })),
      /cut-part\.mbox#3: truncated/,
    );
  } finally {
    await cleanup();
  }
});

test('bytes before the first envelope line are reported; CRLF mbox files split the same way', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'crlf.mbox');
    await writeFile(path, `garbage line\r\n${mboxrd.replace(/\n/g, '\r\n')}`);
    const { messages, damaged } = await drain((report) => new MboxSource(path, { reportDamaged: report }));
    assert.deepEqual(
      messages.map((m) => m.record.subject),
      ['one', 'two', 'three'],
    );
    assert.deepEqual(
      damaged.map(({ bytes, ...d }) => d),
      [
        {
          origin: `${path}@0`,
          reason: '14 bytes before the first envelope line (From sender date) are not part of any message',
          folder: ['crlf'],
          label: 'crlf.mbox bytes 0-14 (before the first message)',
        },
      ],
    );
    const preamble = damaged[0]!.bytes!;
    assert.equal(preamble.size, 14);
    assert.equal((await buffer(await preamble.open())).toString('latin1'), 'garbage line\r\n');
  } finally {
    await cleanup();
  }
});

test('splitMbox ranges exclude the separating empty line; long lines across read chunks are handled', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const long = 'x'.repeat(600_000);
    const text = lf(
      'From a@x Mon Aug 26 15:45:14 2002',
      'Subject: a',
      '',
      long,
      '',
      'From b@x Mon Aug 26 15:45:15 2002',
      'Subject: b',
      '',
      'end',
      '',
    );
    const path = join(dir, 'long.mbox');
    await writeFile(path, text);
    const ranges = [];
    for await (const r of splitMbox(path)) ranges.push(r);
    assert.equal(ranges.length, 2);
    const second = text.indexOf('From b@x');
    assert.deepEqual(ranges[0], { number: 1, start: 0, end: second - 1, cutOff: false, last: false });
    assert.deepEqual(ranges[1], { number: 2, start: second, end: text.length, cutOff: false, last: true });
  } finally {
    await cleanup();
  }
});

test('unescapeMboxrd works across chunk borders', async () => {
  const input = 'a\n>From x\n>>>From y\n> From z\n';
  const pieces = input.split('').map((c) => Buffer.from(c));
  const out: Buffer[] = [];
  for await (const b of unescapeMboxrd(Readable.from(pieces))) out.push(b);
  assert.equal(Buffer.concat(out).toString(), 'a\nFrom x\n>>From y\n> From z\n');
});
