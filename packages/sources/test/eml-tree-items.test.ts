/**
 * The items of an .eml tree beside .eml files: .msg, .ics and .vcf files are items of their folder, a folder of one
 * item kind gets its class, and any other file is named in a warning.
 */

import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EmlTreeSource } from '../src/eml-tree.js';
import type { SourceWarning } from '../src/source.js';
import { crlf, drain, tempDir } from './helpers.js';

const DATA = join(fileURLToPath(new URL('.', import.meta.url)), 'data');

test('.msg, .ics and .vcf files are items of their folder, after its .eml files; other files are named in warnings; folder classes', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await mkdir(join(dir, 'Calendar'));
    await mkdir(join(dir, 'Contacts'));
    await mkdir(join(dir, 'Saved'));
    await mkdir(join(dir, 'Tasks'));
    await writeFile(join(dir, 'a.eml'), crlf('From: a@example.com', 'Subject: mail a', '', 'body', ''));
    await copyFile(join(DATA, 'msg', 'attachAndInline.msg'), join(dir, 'b.msg'));
    await copyFile(join(DATA, 'calendar-contacts', 'outlook-2010.ics'), join(dir, 'Calendar', 'meeting.ics'));
    await copyFile(join(DATA, 'calendar-contacts', 'google-daily-recur.ics'), join(dir, 'Calendar', 'daily.ics'));
    await copyFile(join(DATA, 'calendar-contacts', 'outlook-2003.vcf'), join(dir, 'Contacts', 'john.vcf'));
    await copyFile(join(DATA, 'calendar-contacts', 'gmail-single.vcf'), join(dir, 'Contacts', 'greg.VCF'));
    await copyFile(join(DATA, 'msg', 'msgInMsgInMsg.msg'), join(dir, 'Saved', 'nested.msg'));
    await writeFile(join(dir, 'Saved', 'readme.txt'), 'not an item');
    // With a byte-order mark, as Windows tools write it.
    await writeFile(
      join(dir, 'Tasks', 'todo.ics'),
      `\uFEFF${crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VTODO', 'UID:1', 'SUMMARY:Call back', 'END:VTODO', 'END:VCALENDAR', '')}`,
    );
    await writeFile(
      join(dir, 'Contacts', 'nobody.vcf'),
      crlf('BEGIN:VCARD', 'VERSION:3.0', 'NOTE:no name', 'END:VCARD', ''),
    );

    const source = new EmlTreeSource(dir);
    const folders: Array<[string, string | undefined]> = [];
    for await (const f of source.folders()) folders.push([f.path.join('/'), f.containerClass]);
    assert.deepEqual(folders, [
      ['Calendar', 'IPF.Appointment'],
      ['Contacts', 'IPF.Contact'],
      ['Inbox', undefined],
      ['Saved', undefined],
      ['Tasks', 'IPF.Task'],
    ]);

    const warnings: SourceWarning[] = [];
    const { messages, damaged } = await drain(
      (report) => new EmlTreeSource(dir, { reportDamaged: report, reportWarning: (w) => warnings.push(w) }),
    );
    assert.deepEqual(damaged, []);
    assert.deepEqual(
      messages.map((m) => [m.folder.join('/'), m.record.messageClass ?? 'IPM.Note', m.record.subject]),
      [
        ['Calendar', 'IPM.Appointment', 'Every day recurring'],
        ['Calendar', 'IPM.Appointment', 'Team Meeting'],
        ['Contacts', 'IPM.Contact', 'Greg Dartmouth'],
        ['Contacts', 'IPM.Contact', 'John Doe III'],
        ['Contacts', 'IPM.Note', 'VCARD 1 (line 1) of nobody.vcf'],
        ['Inbox', 'IPM.Note', 'mail a'],
        ['Inbox', 'IPM.Note', messages[6]!.record.subject],
        ['Saved', 'IPM.Note', messages[7]!.record.subject],
        ['Tasks', 'IPM.Task', 'Call back'],
      ],
    );
    // The .msg files are read by the MSG source: their own subjects and attachments.
    assert.ok(messages[6]!.record.subject.length > 0 && (messages[6]!.record.attachments?.length ?? 0) > 0);
    assert.equal(messages[6]!.origin, join(dir, 'b.msg'));
    assert.equal(messages[0]!.origin, `${join(dir, 'Calendar', 'daily.ics')}#VEVENT 1`);
    assert.deepEqual(
      { name: messages[0]!.bytes?.name, contentType: messages[0]!.bytes?.contentType },
      { name: 'daily-1.ics', contentType: 'text/calendar' },
    );
    const readme = join(dir, 'Saved', 'readme.txt');
    const nobody = `${join(dir, 'Contacts', 'nobody.vcf')}#VCARD 1 (line 1)`;
    assert.deepEqual(warnings, [
      {
        code: 'file-not-read',
        origin: readme,
        message: `${readme}: not read: an .eml tree holds .eml, .msg, .ics and .vcf files`,
      },
      {
        code: 'item-kept-as-text',
        origin: nobody,
        message: `${nobody}: kept as a plain item holding its text: the card has no name (no N, FN or ORG) and no e-mail address`,
      },
    ]);
    // The same order when a thread parses the .eml files.
    const pooled = await drain((report) => new EmlTreeSource(dir, { reportDamaged: report, parseThreads: 1 }));
    assert.deepEqual(
      pooled.messages.map((m) => m.origin),
      messages.map((m) => m.origin),
    );
  } finally {
    await cleanup();
  }
});

test('a folder of .msg files alone exports its messages; an unreadable .msg is reported damaged', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await copyFile(join(DATA, 'msg', 'attachAndInline.msg'), join(dir, '1.msg'));
    await writeFile(join(dir, '2.msg'), 'not a compound file');
    const { messages, damaged } = await drain((report) => new EmlTreeSource(dir, { reportDamaged: report }));
    assert.equal(messages.length, 1);
    assert.deepEqual(
      damaged.map((d) => [d.origin, d.folder]),
      [[join(dir, '2.msg'), ['Inbox']]],
    );
  } finally {
    await cleanup();
  }
});
