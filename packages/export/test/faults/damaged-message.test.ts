/**
 * An mbox with damaged messages in the middle (one with no header fields, one with more MIME parts than the parser
 * allows). `onDamaged: 'skip'` (the default) exports the others, counts the damaged ones in `summary.skipped` and
 * names each in a warning; `'stop'` fails the export with a `SourceError` naming the first, leaving no temporary
 * file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPst } from '@pstream/pst';
import { exportToPst } from '../../src/index.js';
import { leftovers, saveStream } from '../pipeline/output-check.js';
import { readPst } from '../split/read-pst.js';
import { drain, freshDir, rejection } from './support.js';

function goodMessage(n: number): string {
  return [
    `From sender${n}@example.com Mon Jan  6 10:00:00 2025`,
    `From: Sender ${n} <sender${n}@example.com>`,
    'To: Bob <bob@example.com>',
    `Subject: good ${n}`,
    'Date: Mon, 6 Jan 2025 10:00:00 +0000',
    `Message-ID: <${n}@example.com>`,
    '',
    `Body of message ${n}.`,
    '',
    '',
  ].join('\n');
}

/** Message 3: text where the header fields should be. */
const NO_HEADERS = ['From nobody@example.com Mon Jan  6 10:00:00 2025', 'this line is no header field at all', 'and neither is this one', '', 'body', '', ''].join('\n');

/** Message 5: a multipart with 1,200 parts, above the parser's limit of 1,000. */
function tooManyParts(): string {
  const lines = [
    'From many@example.com Mon Jan  6 10:00:00 2025',
    'From: Many <many@example.com>',
    'Subject: too many parts',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
  ];
  for (let i = 0; i < 1200; i++) lines.push('--b', 'Content-Type: text/plain', '', `part ${i}`);
  lines.push('--b--', '', '');
  return lines.join('\n');
}

async function damagedMbox(dir: string): Promise<string> {
  const path = join(dir, 'damaged.mbox');
  await writeFile(path, [goodMessage(1), goodMessage(2), NO_HEADERS, goodMessage(4), tooManyParts(), goodMessage(6), goodMessage(7)].join(''));
  return path;
}

test("onDamaged 'skip': the damaged messages in the middle are counted in summary.skipped and named in warnings", async (t) => {
  const dir = await freshDir(t);
  const tmp = await freshDir(t);
  const mbox = await damagedMbox(dir);
  const handle = exportToPst({ sources: [mbox], name: 'damaged', tmpDir: tmp, onDamaged: 'skip' });
  const out = join(dir, 'out.pst');
  await saveStream(handle.stream, out);
  const summary = await handle.summary;
  assert.equal(summary.format, 'pst');
  assert.equal(summary.scanned, 5, 'the five good messages were read');
  assert.equal(summary.matched, 5);
  assert.equal(summary.skipped, 2);
  const skippedWarnings = summary.warnings.filter((w) => w.startsWith('skipped '));
  assert.equal(skippedWarnings.length, 2, summary.warnings.join('\n'));
  assert.match(skippedWarnings[0]!, new RegExp(`^skipped ${mbox.replace(/[.]/g, '\\.')}#3: no RFC 5322 header fields`));
  assert.match(skippedWarnings[1]!, new RegExp(`^skipped ${mbox.replace(/[.]/g, '\\.')}#5: more than 1000 MIME parts`));
  const report = await checkPst(out, { strict: true });
  assert.ok(report.ok, report.errors.map((e) => e.message).join('; '));
  const contents = await readPst(out);
  assert.deepEqual([...contents.folders.values()].flat(), ['good 1', 'good 2', 'good 4', 'good 6', 'good 7']);
  assert.deepEqual(await leftovers(tmp), []);
});

test("onDamaged 'stop': the export fails with a SourceError naming the damaged message; nothing is presented or left", async (t) => {
  const dir = await freshDir(t);
  const tmp = await freshDir(t);
  const mbox = await damagedMbox(dir);
  const handle = exportToPst({ sources: [mbox], name: 'damaged', tmpDir: tmp, onDamaged: 'stop' });
  const head = handle.head.catch((e: unknown) => e as Error);
  const { bytes, error } = await drain(handle.stream);
  assert.ok(error, 'the stream errors');
  assert.equal(error.name, 'SourceError');
  assert.equal((error as Error & { code?: string }).code, 'DAMAGED');
  assert.match(error.message, new RegExp(`^${mbox.replace(/[.]/g, '\\.')}#3: no RFC 5322 header fields`));
  assert.equal(await rejection(handle), error);
  assert.equal(await head, error, 'the head rejects: no PST byte was presented');
  assert.equal(bytes, 0);
  assert.deepEqual(await leftovers(tmp), []);
});
