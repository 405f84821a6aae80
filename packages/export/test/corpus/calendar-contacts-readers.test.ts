/**
 * An .eml tree holding real-world .ics, .vcf and .msg files (Outlook, Google, Zimbra, Gmail, iOS; see
 * packages/sources/test/data/calendar-contacts/NOTICE.md) and the demo's organizer files, exported to a PST and read
 * back by the independent readers: readpst's VEVENTs (UTC DTSTART/DTEND, LOCATION, RRULE) and VCARDs (names, e-mail
 * addresses, phones, company, title), pypff's folder and item classes and pffexport's named properties, each compared
 * field by field with what the source files say (written out below from the files, not from our parser).
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEBIAN_PYTHON, requireReaders, runPypff } from '../../../pst/test/support/oracles.js';
import { pffexportItems } from '../../../pst/test/support/pffexport-items.js';
import { itemValue, type ReadpstItem, readpstItems } from '../../../pst/test/support/readpst-items.js';
import { exportToPstFile } from '../../src/index.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const DATA = join(REPO, 'packages/sources/test/data');
const ORGANIZER = join(REPO, 'fixtures/demo/organizer');

/** The tree: each file copied to `folder/name`. */
const FILES: ReadonlyArray<[from: string, folder: string, name: string]> = [
  [join(DATA, 'calendar-contacts/outlook-2010.ics'), 'Calendar', 'outlook-2010.ics'],
  [join(DATA, 'calendar-contacts/google-daily-recur.ics'), 'Calendar', 'google-daily.ics'],
  [join(ORGANIZER, 'Calendar/team.ics'), 'Calendar', 'team.ics'],
  [join(DATA, 'calendar-contacts/outlook-2003.vcf'), 'Contacts', 'outlook-2003.vcf'],
  [join(DATA, 'calendar-contacts/gmail-single.vcf'), 'Contacts', 'gmail.vcf'],
  [join(DATA, 'calendar-contacts/iphone-ios5.vcf'), 'Contacts', 'iphone.vcf'],
  [join(ORGANIZER, 'Contacts/mueller-outlook.vcf'), 'Contacts', 'mueller.vcf'],
  [join(ORGANIZER, 'Tasks/tasks.ics'), 'Tasks', 'tasks.ics'],
  [join(DATA, 'msg/attachAndInline.msg'), 'Inbox', 'saved.msg'],
];

/** What readpst must write for each event: the source's times in UTC, its location and its RRULE's frequency. */
const EVENTS: ReadonlyArray<{ summary: string; start: string; end: string; location?: string; freq?: string }> = [
  // DTSTART;TZID="Eastern Standard Time":20130610T120000 (EDT, UTC-4)
  { summary: 'Team Meeting', start: '20130610T160000Z', end: '20130610T170000Z', location: 'Auditorium 16' },
  // DTSTART;TZID=America/Los_Angeles:20120801T050000 (PDT, UTC-7), RRULE:FREQ=DAILY
  { summary: 'Every day recurring', start: '20120801T120000Z', end: '20120801T130000Z', freq: 'DAILY' },
  // DTSTART;TZID="W. Europe Standard Time":20240108T093000 (CET, UTC+1), RRULE:FREQ=WEEKLY;COUNT=20;BYDAY=MO
  {
    summary: 'Support rota handover',
    start: '20240108T083000Z',
    end: '20240108T090000Z',
    location: 'Room Falcon',
    freq: 'WEEKLY',
  },
  // 20240213T140000 W. Europe, RRULE:FREQ=MONTHLY;BYDAY=2TU
  {
    summary: 'Falcon monthly review',
    start: '20240213T130000Z',
    end: '20240213T143000Z',
    location: 'Teams meeting',
    freq: 'MONTHLY',
  },
  // DTSTART;VALUE=DATE:20240315, DTEND;VALUE=DATE:20240316
  {
    summary: 'Offsite day',
    start: '20240315T000000Z',
    end: '20240316T000000Z',
    location: 'Lakeside Hotel\\, Konstanz',
  },
];

/** What readpst must write for each card: N's family and given names, e-mail addresses, phones, ORG and TITLE. */
const CARDS: ReadonlyArray<{
  family: string;
  given: string;
  emails: string[];
  phones: string[];
  org?: string;
  title?: string;
}> = [
  {
    family: 'Doe',
    given: 'John',
    emails: ['jdoe@hotmail.com'],
    phones: ['BusinessPhone', 'HomePhone', 'MobilePhone', 'BusinessFaxPhone'],
    org: 'Company\\, The',
    title: 'The Job Title',
  },
  {
    family: 'Dartmouth',
    given: 'Greg',
    emails: ['gdartmouth@hotmail.com'],
    phones: ['555 555 1111', '555 555 2222'],
    org: 'TheCompany',
    title: 'TheJobTitle',
  },
  {
    family: 'Doe',
    given: 'John',
    emails: ['john.doe@ibm.com'],
    phones: [
      '905-555-1234',
      '905-666-1234',
      '905-777-1234',
      '905-888-1234',
      '905-999-1234',
      '905-111-1234',
      '905-222-1234',
    ],
    org: 'IBM',
    title: 'Money Counter',
  },
  {
    family: 'Müller',
    given: 'Jürgen',
    emails: ['j.mueller@fabrikam.example'],
    phones: ['+49 471 5550104', '+49 170 5550104'],
    org: 'Fabrikam',
    title: 'Disponent',
  },
];

function values(item: ReadpstItem, name: string): string[] {
  const upper = name.toUpperCase();
  return item.lines
    .filter((l) => l.toUpperCase().startsWith(`${upper}:`) || l.toUpperCase().startsWith(`${upper};`))
    .map((l) => l.slice(l.indexOf(':') + 1));
}

test('an .eml tree of .ics, .vcf and .msg files, exported and read back by readpst and pypff field by field', async (t) => {
  if (!(await requireReaders(t, 'readpst', 'pypff', 'pffexport'))) return;
  const root = await mkdtemp(join(tmpdir(), 'pstream-ics-vcf-'));
  try {
    const tree = join(root, 'tree');
    for (const [from, folder, name] of FILES) {
      await mkdir(join(tree, folder), { recursive: true });
      await copyFile(from, join(tree, folder, name));
    }
    await writeFile(join(tree, 'Inbox', 'notes.txt'), 'not an item');
    const summary = await exportToPstFile({ sources: [tree], name: 'organizer' }, join(root, 'organizer.pst'));
    assert.equal(summary.matched, 5 + 4 + 3 + 1, 'events, contacts, tasks, the .msg');
    assert.equal(summary.damaged, 0);
    assert.ok(
      summary.warnings.some((w) => w.message.includes('notes.txt') && w.message.includes('not read')),
      `the file not read is named: ${JSON.stringify(summary.warnings)}`,
    );

    const items = await readpstItems(summary.path);
    const events = items.filter((i) => i.kind === 'ics' && i.lines.includes('BEGIN:VEVENT'));
    assert.equal(events.length, EVENTS.length, JSON.stringify(events.map((e) => itemValue(e, 'SUMMARY'))));
    for (const want of EVENTS) {
      const got = events.find((e) => itemValue(e, 'SUMMARY') === want.summary);
      assert.ok(got, `readpst has no VEVENT "${want.summary}"`);
      assert.equal(got.folder, 'Calendar');
      assert.equal(itemValue(got, 'DTSTART'), want.start, `${want.summary}: DTSTART`);
      assert.equal(itemValue(got, 'DTEND'), want.end, `${want.summary}: DTEND`);
      assert.equal(itemValue(got, 'LOCATION'), want.location, `${want.summary}: LOCATION`);
      assert.equal(/FREQ=([A-Z]+)/.exec(itemValue(got, 'RRULE') ?? '')?.[1], want.freq, `${want.summary}: RRULE`);
    }

    const cards = items.filter((i) => i.kind === 'vcf');
    assert.equal(cards.length, CARDS.length);
    for (const want of CARDS) {
      const got = cards.find(
        (c) =>
          itemValue(c, 'N')?.startsWith(`${want.family};${want.given};`) &&
          values(c, 'EMAIL').includes(want.emails[0]!),
      );
      assert.ok(
        got,
        `readpst has no VCARD for ${want.given} ${want.family}: ${JSON.stringify(cards.map((c) => c.lines))}`,
      );
      assert.equal(got.folder, 'Contacts');
      assert.deepEqual(values(got, 'EMAIL'), want.emails, `${want.family}: EMAIL`);
      assert.deepEqual(values(got, 'TEL').sort(), [...want.phones].sort(), `${want.family}: TEL`);
      assert.equal(itemValue(got, 'ORG'), want.org, `${want.family}: ORG`);
      assert.equal(itemValue(got, 'TITLE'), want.title, `${want.family}: TITLE`);
    }

    // pypff: each folder's class (PidTagContainerClass, 0x3613) and its items' classes.
    const script = [
      'import json, sys, pypff',
      'f = pypff.file(); f.open(sys.argv[1])',
      'top = [s for s in f.get_root_folder().sub_folders if s.name == "Top of Personal Folders"][0]',
      'cls = lambda s: next((e.data.decode("utf-16-le") for rs in s.record_sets for e in rs.entries if e.entry_type == 0x3613 and e.data), None)',
      'print(json.dumps({s.name: cls(s) for s in top.sub_folders}))',
    ].join('\n');
    const { stdout } = await run(DEBIAN_PYTHON, ['-c', script, summary.path]);
    const classes = JSON.parse(stdout) as Record<string, string | null>;
    const pypff = await runPypff(summary.path);
    const itemClasses = (path: string): string[] =>
      (pypff.folders.find((f) => f.path === path)?.messages ?? []).map((m) => m.messageClass ?? '').sort();
    assert.deepEqual(
      ['Calendar', 'Contacts', 'Tasks', 'Inbox'].map((p) => [p, classes[p], itemClasses(p)]),
      [
        ['Calendar', 'IPF.Appointment', Array(5).fill('IPM.Appointment')],
        ['Contacts', 'IPF.Contact', Array(4).fill('IPM.Contact')],
        ['Tasks', 'IPF.Task', Array(3).fill('IPM.Task')],
        ['Inbox', 'IPF.Note', ['IPM.Note']],
      ],
    );
    // readpst writes no tasks: their subjects as pypff reads them, against the VTODOs' SUMMARYs.
    assert.deepEqual((pypff.folders.find((f) => f.path === 'Tasks')?.messages ?? []).map((m) => m.subject).sort(), [
      'Book the offsite hotel',
      'Renew the support contract with Northwind',
      'Send the Falcon slides',
    ]);

    // pffexport: the named properties Outlook reads, by LID ([MS-OXPROPS]), of one item of each kind.
    const pff = await pffexportItems(summary.path);
    const hex = (v: string): string => Buffer.from(v, 'utf16le').toString('hex');
    const item = (folder: string, subject: string) => {
      const found = pff.find((i) => i.folder === folder && i.properties.get('0x0037/001f') === hex(subject));
      assert.ok(found, `pffexport has no item "${subject}" in ${folder}`);
      return found.properties;
    };
    const meeting = item('Calendar', 'Team Meeting');
    assert.equal(meeting.get('lid:0x8208/001f'), hex('Auditorium 16'), 'PidLidLocation');
    assert.equal(
      meeting.get('lid:0x8205/0003'),
      '01000000',
      'PidLidBusyStatus: tentative (X-MICROSOFT-CDO-BUSYSTATUS)',
    );
    const task = item('Tasks', 'Renew the support contract with Northwind');
    assert.equal(task.get('lid:0x8101/0003'), '01000000', 'PidLidTaskStatus: in progress (STATUS:IN-PROCESS)');
    const half = Buffer.alloc(8);
    half.writeDoubleLE(0.5);
    assert.equal(task.get('lid:0x8102/0005'), half.toString('hex'), 'PidLidPercentComplete: PERCENT-COMPLETE:50');
    const john = item('Contacts', 'John Doe III');
    assert.equal(john.get('0x3a16/001f'), hex('Company, The'), 'PidTagCompanyName');
    assert.equal(john.get('0x3a17/001f'), hex('The Job Title'), 'PidTagTitle');
    assert.equal(john.get('lid:0x8083/001f'), hex('jdoe@hotmail.com'), 'PidLidEmail1EmailAddress');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
