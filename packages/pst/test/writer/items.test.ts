/**
 * Item kinds beside mail, read back by the independent readers: appointments (weekly with a recurrence from an RRULE,
 * all-day, a meeting with attendees, monthly on the n-th weekday until a date), contacts, tasks, a sticky note and a
 * distribution list. readpst's VEVENTs and VCARDs are compared field by field with what was written; pffexport's
 * property dumps give the named properties (by LID) and the recurrence blob, which is decoded here by the
 * [MS-OXOCAL] §2.2.1.44 layout; pypff gives the classes of folders and items and the default-folder EntryIDs.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import {
  type ExtraPropertyValue,
  type MessageRecord,
  PROPERTY_TYPE_CODES,
  PstWriter,
  type RecurrencePattern,
  recurrenceFromRule,
} from '@pstream/pst';
import { PSTFile, type PSTFolder, type PSTMessage, type PSTTask } from 'pst-extractor';
// The package's index does not export these two classes' types; their declarations do.
import type { PSTAppointment } from 'pst-extractor/dist/PSTAppointment.class.js';
import type { PSTContact } from 'pst-extractor/dist/PSTContact.class.js';
import { DEBIAN_PYTHON, requireReaders, runFsck, runPypff } from '../support/oracles.js';
import { type PffItem, pffexportItems } from '../support/pffexport-items.js';
import { itemValue, type ReadpstItem, readpstItems } from '../support/readpst-items.js';
import { assertCheckClean, tempDir, type Written, writePst } from './support.js';

const run = promisify(execFile);

const weekly = recurrenceFromRule({ freq: 'WEEKLY', interval: 2, byDay: [{ day: 'MO' }, { day: 'WE' }], count: 10 });
assert.ok(!('unsupported' in weekly));

const ITEMS: Written[] = [
  {
    folder: ['Calendar'],
    record: {
      messageClass: 'IPM.Appointment',
      subject: 'Weekly sync',
      body: 'Agenda first',
      appointment: {
        start: new Date('2026-03-02T09:00:00Z'),
        end: new Date('2026-03-02T10:00:00Z'),
        location: 'Room 1',
        timeZone: { id: 'Europe/Berlin' },
        recurrence: weekly as RecurrencePattern,
        reminder: { set: true, minutesBefore: 10 },
      },
    },
  },
  {
    folder: ['Calendar'],
    record: {
      messageClass: 'IPM.Appointment',
      subject: 'Holiday',
      appointment: {
        start: new Date('2026-05-01T00:00:00Z'),
        end: new Date('2026-05-02T00:00:00Z'),
        allDay: true,
        busyStatus: 'outOfOffice',
      },
    },
  },
  {
    folder: ['Calendar'],
    record: {
      messageClass: 'IPM.Appointment',
      subject: 'Review',
      from: { name: 'Ann Organizer', address: 'ann@example.com' },
      appointment: {
        start: new Date('2026-04-10T13:30:00Z'),
        end: new Date('2026-04-10T14:00:00Z'),
        location: 'Online',
        attendees: [
          { name: 'Bob Required', address: 'bob@example.com', response: 'accepted' },
          { name: 'Cy Optional', address: 'cy@example.com', role: 'optional' },
        ],
      },
    },
  },
  {
    folder: ['Calendar'],
    record: {
      messageClass: 'IPM.Appointment',
      subject: 'Second Tuesday',
      appointment: {
        start: new Date('2026-01-13T13:00:00Z'),
        end: new Date('2026-01-13T13:30:00Z'),
        timeZone: { id: 'America/New_York' },
        recurrence: { frequency: 'monthly', weekdays: ['TU'], weekOfMonth: 2, until: new Date('2026-12-31T00:00:00Z') },
      },
    },
  },
  {
    folder: ['Calendar'],
    record: {
      messageClass: 'IPM.Appointment',
      subject: 'Anniversary',
      appointment: {
        start: new Date('2026-03-15T12:00:00Z'),
        end: new Date('2026-03-15T13:00:00Z'),
        recurrence: { frequency: 'yearly', dayOfMonth: 15, month: 3 },
      },
    },
  },
  {
    folder: ['Calendar'],
    record: {
      messageClass: 'IPM.Appointment',
      subject: 'Every third day',
      appointment: {
        start: new Date('2026-06-01T07:00:00Z'),
        end: new Date('2026-06-01T07:15:00Z'),
        recurrence: { frequency: 'daily', interval: 3, count: 5 },
      },
    },
  },
  {
    folder: ['Calendar'],
    record: {
      messageClass: 'IPM.Appointment',
      subject: 'Skipping one',
      appointment: {
        start: new Date('2026-09-07T22:30:00Z'), // Tuesday 00:30 in Berlin
        end: new Date('2026-09-07T23:00:00Z'),
        timeZone: { id: 'Europe/Berlin' },
        recurrence: {
          frequency: 'weekly',
          count: 4,
          deletedOccurrences: [new Date('2026-09-21T22:30:00Z'), new Date('2026-09-14T22:30:00Z')],
        },
      },
    },
  },
  {
    folder: ['Contacts'],
    record: {
      messageClass: 'IPM.Contact',
      subject: '',
      body: 'Met at the conference',
      contact: {
        givenName: 'Jane',
        middleName: 'Q',
        fileAs: 'Doe, Jane',
        surname: 'Doe',
        prefix: 'Dr.',
        company: 'Acme Ltd',
        jobTitle: 'CTO',
        department: 'R&D',
        emails: [{ address: 'jane@acme.example' }, { address: 'jd@home.example', displayName: 'Jane at home' }],
        phones: [
          { kind: 'business', number: '+1 555 0100' },
          { kind: 'mobile', number: '+1 555 0101' },
          { kind: 'homeFax', number: '+1 555 0102' },
        ],
        addresses: [
          { kind: 'work', street: '1 Main St', city: 'Springfield', region: 'IL', postalCode: '62701', country: 'USA' },
          { kind: 'home', street: '2 Elm', city: 'Shelbyville' },
        ],
        birthday: new Date('1980-07-04T00:00:00Z'),
      },
    },
  },
  {
    folder: ['Tasks'],
    record: {
      messageClass: 'IPM.Task',
      subject: 'File taxes',
      task: {
        status: 'inProgress',
        percentComplete: 50,
        startDate: new Date('2026-03-01T00:00:00Z'),
        dueDate: new Date('2026-04-15T00:00:00Z'),
        owner: 'Jane',
      },
    },
  },
  {
    folder: ['Notes'],
    record: { messageClass: 'IPM.StickyNote', subject: 'Milk', body: 'Remember the milk', note: { color: 'green' } },
  },
  {
    folder: ['Contacts'],
    record: {
      messageClass: 'IPM.DistList',
      subject: 'Team',
      distributionList: {
        members: [{ name: 'Bob Required', address: 'bob@example.com' }, { address: 'cy@example.com' }],
      },
    },
  },
  {
    folder: ['Inbox'],
    record: {
      subject: 'Carried properties',
      extraProperties: [
        {
          kind: 'named',
          propertySet: '{00020329-0000-0000-C000-000000000046}',
          name: 'X-Carried',
          value: { type: 'Integer64', value: 1234567890123n },
        },
        {
          kind: 'named',
          propertySet: '00062008-0000-0000-c000-000000000046',
          lid: 0x8580,
          value: { type: 'MultipleString', value: ['a', 'b'] },
        },
        { kind: 'tagged', id: 0x3a06, value: { type: 'String', value: 'Carried given name' } },
        { kind: 'tagged', id: 0x0e08, value: { type: 'Integer32', value: 5 } }, // structural: the writer's size wins
        { kind: 'tagged', id: 0x0037, value: { type: 'String', value: 'not the subject' } }, // the record's subject wins
        // What the record has no field for: the carried values win over the writer's defaults.
        { kind: 'tagged', id: 0x0057, value: { type: 'Boolean', value: true } }, // PidTagMessageToMe
        { kind: 'tagged', id: 0x0070, value: { type: 'String', value: 'Carried topic' } }, // PidTagConversationTopic
        { kind: 'tagged', id: 0x3ffd, value: { type: 'Integer32', value: 1252 } }, // PidTagMessageCodepage
        // A copy keeps its search key ([MS-OXCPRPT] §2.2.1.9).
        {
          kind: 'tagged',
          id: 0x300b,
          value: { type: 'Binary', value: Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i) },
        },
      ],
    },
  },
];

const FOLDERS: { path: string[]; cls: string }[] = [
  { path: ['Inbox'], cls: 'IPF.Note' },
  { path: ['Calendar'], cls: 'IPF.Appointment' },
  { path: ['Contacts'], cls: 'IPF.Contact' },
  { path: ['Tasks'], cls: 'IPF.Task' },
  { path: ['Notes'], cls: 'IPF.StickyNote' },
  { path: ['Journal'], cls: 'IPF.Journal' },
];

async function writeItems(t: TestContext): Promise<string> {
  const dir = await tempDir(t);
  const w = await PstWriter.create(`${dir}/items.pst`, { deterministic: true });
  for (const f of FOLDERS) w.ensureFolder({ path: f.path, containerClass: f.cls });
  let projected = 0;
  for (const item of ITEMS) {
    projected = await w.projectedSizeWith(item.folder, item.record);
    await w.addMessage(item.folder, item.record);
  }
  const summary = await w.finish();
  // The named properties the kinds add are in the projection too.
  assert.equal(summary.bytes, projected);
  return summary.path;
}

function vevent(items: readonly ReadpstItem[], summary: string): ReadpstItem {
  const found = items.find((i) => i.kind === 'ics' && itemValue(i, 'SUMMARY') === summary);
  assert.ok(found, `readpst wrote no VEVENT "${summary}"`);
  return found;
}

function pffItem(items: readonly PffItem[], subjectHex: string): PffItem {
  const found = items.find((i) => i.properties.get('0x0037/001f') === subjectHex);
  assert.ok(found, 'pffexport lists the item');
  return found;
}

function utf16Hex(s: string): string {
  return Buffer.from(s, 'utf16le').toString('hex');
}

function filetimeHex(d: Date): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(d.getTime()) + 11_644_473_600_000n) * 10_000n);
  return b.toString('hex');
}

/** Days from 1601-01-01 to the UTC date `y-m-d`, as minutes (the recurrence blob's dates). */
function minutes1601(y: number, m: number, d: number): number {
  return (Date.UTC(y, m - 1, d) - Date.UTC(1601, 0, 1)) / 60_000;
}

test('appointments: readpst gives the VEVENTs (UTC start and end, location, RRULE, alarm) of what was written', async (t) => {
  if (!(await requireReaders(t, 'readpst', 'fsck'))) return;
  const path = await writeItems(t);
  await assertCheckClean(path);
  const fsck = await runFsck(path);
  assert.equal(fsck.exit, 0, fsck.errors.join('; '));
  const items = await readpstItems(path);

  const sync = vevent(items, 'Weekly sync');
  assert.equal(itemValue(sync, 'DTSTART'), '20260302T090000Z');
  assert.equal(itemValue(sync, 'DTEND'), '20260302T100000Z');
  assert.equal(itemValue(sync, 'LOCATION'), 'Room 1');
  assert.equal(itemValue(sync, 'DESCRIPTION'), 'Agenda first');
  assert.equal(itemValue(sync, 'RRULE'), 'FREQ=WEEKLY;COUNT=10;INTERVAL=2;BYDAY=MO;WE');
  assert.equal(itemValue(sync, 'TRIGGER'), '-PT10M');

  const holiday = vevent(items, 'Holiday');
  assert.equal(itemValue(holiday, 'DTSTART'), '20260501T000000Z');
  assert.equal(itemValue(holiday, 'DTEND'), '20260502T000000Z');
  assert.equal(itemValue(holiday, 'RRULE'), undefined);

  const review = vevent(items, 'Review');
  assert.equal(itemValue(review, 'DTSTART'), '20260410T133000Z');
  assert.equal(itemValue(review, 'LOCATION'), 'Online');

  // The 2nd Tuesday of each month from January until the end of 2026: twelve occurrences.
  const monthly = vevent(items, 'Second Tuesday');
  assert.equal(itemValue(monthly, 'RRULE'), 'FREQ=MONTHLY;COUNT=12;BYSETPOS=2;BYDAY=TU');
  // readpst takes the month of a yearly series from FirstDateTime.
  assert.equal(itemValue(vevent(items, 'Anniversary'), 'RRULE'), 'FREQ=YEARLY;BYMONTHDAY=15;BYMONTH=3');
  assert.equal(itemValue(vevent(items, 'Every third day'), 'RRULE'), 'FREQ=DAILY;COUNT=5;INTERVAL=3');
  assert.equal(items.filter((i) => i.kind === 'ics').length, 7);
});

test('contacts: readpst gives the VCARD (names, e-mail addresses, phones, addresses, company, title, note)', async (t) => {
  if (!(await requireReaders(t, 'readpst'))) return;
  const path = await writeItems(t);
  const cards = (await readpstItems(path)).filter((i) => i.kind === 'vcf');
  assert.equal(cards.length, 1);
  const card = cards[0]!;
  assert.equal(itemValue(card, 'FN'), 'Doe\\, Jane'); // readpst's FN is the file-as name
  assert.equal(itemValue(card, 'N'), 'Doe;Jane;Q;Dr.;');
  assert.deepEqual(
    card.lines.filter((l) => l.startsWith('EMAIL')),
    ['EMAIL:jane@acme.example', 'EMAIL:jd@home.example'],
  );
  assert.deepEqual(card.lines.filter((l) => l.startsWith('TEL')).sort(), [
    'TEL;TYPE=cell,voice:+1 555 0101',
    'TEL;TYPE=home,fax:+1 555 0102',
    'TEL;TYPE=work,voice:+1 555 0100',
  ]);
  assert.equal(itemValue(card, 'ORG'), 'Acme Ltd');
  assert.equal(itemValue(card, 'TITLE'), 'CTO');
  assert.equal(itemValue(card, 'NOTE'), 'Met at the conference');
  assert.ok(card.lines.includes('ADR;TYPE=work:;;1 Main St;Springfield;IL;62701;USA'), card.lines.join('\n'));
  assert.ok(card.lines.includes('ADR;TYPE=home:;;2 Elm;Shelbyville;;;'), card.lines.join('\n'));
  assert.ok(itemValue(card, 'BDAY')?.startsWith('1980-07-04'));
});

test("pffexport gives the kinds' named properties and a recurrence blob with the [MS-OXOCAL] layout", async (t) => {
  if (!(await requireReaders(t, 'pffexport'))) return;
  const path = await writeItems(t);
  const items = await pffexportItems(path);

  const sync = pffItem(items, utf16Hex('Weekly sync'));
  const p = sync.properties;
  assert.equal(p.get('0x001a/001f'), utf16Hex('IPM.Appointment'));
  assert.equal(p.get('lid:0x820d/0040'), filetimeHex(new Date('2026-03-02T09:00:00Z')));
  assert.equal(p.get('lid:0x820e/0040'), filetimeHex(new Date('2026-03-02T10:00:00Z')));
  assert.equal(p.get('lid:0x8208/001f'), utf16Hex('Room 1'));
  assert.equal(p.get('lid:0x8223/000b'), '01'); // PidLidRecurring
  assert.equal(p.get('lid:0x8503/000b'), '01'); // PidLidReminderSet
  assert.equal(p.get('lid:0x8501/0003'), '0a000000'); // PidLidReminderDelta 10
  assert.equal(p.get('lid:0x8234/001f'), utf16Hex('Europe/Berlin'));
  // PidLidTimeZoneStruct: bias −60, daylight bias −60, back to standard time the last Sunday of October at 03:00,
  // to daylight time the last Sunday of March at 02:00.
  const tz = Buffer.from(p.get('lid:0x8233/0102')!, 'hex');
  assert.deepEqual([tz.readInt32LE(0), tz.readInt32LE(4), tz.readInt32LE(8)], [-60, 0, -60]);
  assert.deepEqual(
    [14, 16, 18, 20, 22].map((o) => tz.readUInt16LE(o + 2)),
    [10, 0, 5, 3, 0],
  );
  assert.deepEqual(
    [32, 34, 36, 38, 40].map((o) => tz.readUInt16LE(o + 2)),
    [3, 0, 5, 2, 0],
  );

  // AppointmentRecurrencePattern, field by field.
  const blob = Buffer.from(p.get('lid:0x8216/0102')!, 'hex');
  let at = 0;
  const u16 = (): number => {
    at += 2;
    return blob.readUInt16LE(at - 2);
  };
  const u32 = (): number => {
    at += 4;
    return blob.readUInt32LE(at - 4);
  };
  assert.deepEqual([u16(), u16()], [0x3004, 0x3004]);
  assert.equal(u16(), 0x200b, 'RecurFrequency weekly');
  assert.equal(u16(), 0x0001, 'PatternType Week');
  assert.equal(u16(), 0, 'CalendarType');
  const firstDateTime = u32();
  assert.equal(u32(), 2, 'Period: every 2 weeks');
  assert.equal(u32(), 0, 'SlidingFlag');
  assert.equal(u32(), 0b0001010, 'Monday and Wednesday');
  assert.equal(u32(), 0x2022, 'EndType: after a count');
  assert.equal(u32(), 10, 'OccurrenceCount');
  assert.equal(u32(), 1, 'FirstDOW Monday (RRULE WKST default)');
  assert.equal(u32(), 0, 'DeletedInstanceCount');
  assert.equal(u32(), 0, 'ModifiedInstanceCount');
  assert.equal(u32(), minutes1601(2026, 3, 2), 'StartDate');
  // Mar 2, 4, 16, 18, 30, Apr 1, 13, 15, 27, 29.
  assert.equal(u32(), minutes1601(2026, 4, 29), 'EndDate: the tenth occurrence');
  // FirstDateTime: the series' first week start (Monday 2026-03-02) modulo the period in minutes.
  assert.equal(firstDateTime, minutes1601(2026, 3, 2) % (2 * 7 * 1440));
  assert.deepEqual([u32(), u32()], [0x3006, 0x3008]);
  assert.equal(u32(), 10 * 60, 'StartTimeOffset: 10:00 in Berlin');
  assert.equal(u32(), 11 * 60, 'EndTimeOffset');
  assert.equal(u16(), 0, 'ExceptionCount');
  assert.deepEqual([u32(), u32()], [0, 0]);
  assert.equal(at, blob.length);

  // Weekly on the start's weekday in local time (Tuesday in Berlin, Monday in UTC), two occurrences deleted: their
  // local days, sorted.
  const skipping = Buffer.from(pffItem(items, utf16Hex('Skipping one')).properties.get('lid:0x8216/0102')!, 'hex');
  assert.equal(skipping.readUInt32LE(22), 1 << 2, 'Tuesday');
  assert.equal(skipping.readUInt32LE(26), 0x2022);
  assert.equal(skipping.readUInt32LE(34), 0, "FirstDOW: Sunday, the pattern's default");
  assert.equal(skipping.readUInt32LE(38), 2, 'DeletedInstanceCount');
  assert.deepEqual(
    [skipping.readUInt32LE(42), skipping.readUInt32LE(46)],
    [minutes1601(2026, 9, 15), minutes1601(2026, 9, 22)],
  );
  assert.equal(skipping.readUInt32LE(50), 0, 'ModifiedInstanceCount');
  assert.deepEqual(
    [skipping.readUInt32LE(54), skipping.readUInt32LE(58)],
    [minutes1601(2026, 9, 8), minutes1601(2026, 9, 29)],
  );
  assert.equal(skipping.readUInt32LE(70), 30, 'StartTimeOffset: 00:30 local');

  const holiday = pffItem(items, utf16Hex('Holiday')).properties;
  assert.equal(holiday.get('lid:0x8215/000b'), '01'); // PidLidAppointmentSubType: all day
  assert.equal(holiday.get('lid:0x8205/0003'), '03000000'); // out of office
  assert.equal(holiday.get('lid:0x8223/000b'), '00');

  const review = pffItem(items, utf16Hex('Review')).properties;
  assert.equal(review.get('lid:0x8217/0003'), '01000000'); // asfMeeting
  assert.equal(review.get('lid:0x823b/001f'), utf16Hex('Bob Required'));
  assert.equal(review.get('lid:0x823c/001f'), utf16Hex('Cy Optional'));
  // The organizer is a "to" row of the recipient table, as in Outlook's meetings, so PidTagDisplayTo lists it.
  assert.equal(review.get('0x0e04/001f'), utf16Hex('Ann Organizer; Bob Required'));
  assert.equal(review.get('0x0e03/001f'), utf16Hex('Cy Optional'));
  assert.equal(review.get('0x0042/001f'), utf16Hex('Ann Organizer'));

  const contact = pffItem(items, utf16Hex('Dr. Jane Q Doe')).properties;
  assert.equal(contact.get('0x3001/001f'), utf16Hex('Dr. Jane Q Doe'));
  assert.equal(contact.get('lid:0x8005/001f'), utf16Hex('Doe, Jane'));
  assert.equal(contact.get('lid:0x8083/001f'), utf16Hex('jane@acme.example'));
  assert.equal(contact.get('lid:0x8093/001f'), utf16Hex('jd@home.example'));
  assert.equal(contact.get('lid:0x8090/001f'), utf16Hex('Jane at home'));
  assert.equal(contact.get('lid:0x8045/001f'), utf16Hex('1 Main St'));
  assert.equal(contact.get('0x3a18/001f'), utf16Hex('R&D'));
  assert.equal(contact.get('0x3a42/0040'), filetimeHex(new Date('1980-07-04T00:00:00Z')));

  const task = pffItem(items, utf16Hex('File taxes')).properties;
  assert.equal(task.get('0x001a/001f'), utf16Hex('IPM.Task'));
  assert.equal(task.get('lid:0x8101/0003'), '01000000'); // in progress
  assert.equal(task.get('lid:0x8102/0005'), Buffer.from(new Float64Array([0.5]).buffer).toString('hex'));
  assert.equal(task.get('lid:0x8105/0040'), filetimeHex(new Date('2026-04-15T00:00:00Z')));
  assert.equal(task.get('lid:0x811f/001f'), utf16Hex('Jane'));

  const note = pffItem(items, utf16Hex('Milk')).properties;
  assert.equal(note.get('lid:0x8b00/0003'), '01000000'); // green

  const list = pffItem(items, utf16Hex('Team')).properties;
  assert.equal(list.get('0x001a/001f'), utf16Hex('IPM.DistList'));
  assert.equal(list.get('lid:0x8053/001f'), utf16Hex('Team'));
  const members = Buffer.from(list.get('lid:0x8055/1102')!, 'hex');
  assert.equal(members.readUInt32LE(0), 2);
  assert.ok(members.includes(Buffer.from('cy@example.com\0', 'utf16le')));
  // The checksum as Outlook's list in javalibpst_dist-list.pst has it: the PST CRC (zlib's seeded with ~0, inverted)
  // of the members' values concatenated.
  const values = [0, 1].map((k) =>
    members.subarray(members.readUInt32LE(4 + 4 * k), k === 0 ? members.readUInt32LE(8) : members.length),
  );
  const checksum = ~crc32(Buffer.concat(values), 0xffffffff) >>> 0;
  assert.equal(list.get('lid:0x804c/0003'), Buffer.from(Uint32Array.of(checksum).buffer).toString('hex'));

  const carried = pffItem(items, utf16Hex('Carried properties')).properties;
  assert.equal(
    carried.get('name:X-Carried/0014'),
    Buffer.from(new BigInt64Array([1234567890123n]).buffer).toString('hex'),
  );
  assert.ok(carried.get('lid:0x8580/101f')?.includes(utf16Hex('b')));
  assert.equal(carried.get('0x3a06/001f'), utf16Hex('Carried given name'));
  assert.notEqual(carried.get('0x0e08/0003'), '05000000');
  assert.equal(carried.get('0x0037/001f'), utf16Hex('Carried properties'));
  assert.equal(carried.get('0x0057/000b'), '01');
  assert.equal(carried.get('0x0070/001f'), utf16Hex('Carried topic'));
  assert.equal(carried.get('0x3ffd/0003'), 'e4040000');
  assert.equal(
    carried.get('0x300b/0102'),
    Buffer.from(Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)).toString('hex'),
  );
});

test("pypff: folder and item classes, and the default folders' EntryIDs on the root folder and the Inbox", async (t) => {
  if (!(await requireReaders(t, 'pypff'))) return;
  const path = await writeItems(t);
  const script = `
import json, sys, pypff
f = pypff.file(); f.open(sys.argv[1])
def props(folder):
    out = {}
    for rs in folder.record_sets:
        for e in rs.entries:
            if e.data is not None: out[hex(e.entry_type)] = e.data.hex()
    return out
root = f.get_root_folder()
top = [root.get_sub_folder(i) for i in range(root.number_of_sub_folders) if root.get_sub_folder(i).name == 'Top of Personal Folders'][0]
folders = {}
for i in range(top.number_of_sub_folders):
    s = top.get_sub_folder(i)
    folders[s.name] = {'id': s.identifier, 'props': props(s), 'classes': [bytes.fromhex(props(s.get_sub_message(j))['0x1a']).decode('utf-16-le') for j in range(s.number_of_sub_messages)]}
print(json.dumps({'root': props(root), 'folders': folders}))
`;
  const { stdout } = await run(DEBIAN_PYTHON, ['-c', script, path]);
  const seen = JSON.parse(stdout) as {
    root: Record<string, string>;
    folders: Record<string, { id: number; props: Record<string, string>; classes: string[] }>;
  };
  for (const f of FOLDERS)
    assert.equal(seen.folders[f.path[0]!]?.props['0x3613'], utf16Hex(f.cls), `${f.path[0]} class`);
  assert.deepEqual(seen.folders.Calendar!.classes, Array(7).fill('IPM.Appointment'));
  assert.deepEqual(seen.folders.Contacts!.classes, ['IPM.Contact', 'IPM.DistList']);
  assert.deepEqual(seen.folders.Tasks!.classes, ['IPM.Task']);
  assert.deepEqual(seen.folders.Notes!.classes, ['IPM.StickyNote']);
  // EntryID: 4 flag bytes, the store's provider UID, the folder's NID.
  const defaults: [string, string][] = [
    ['0x36d0', 'Calendar'],
    ['0x36d1', 'Contacts'],
    ['0x36d2', 'Journal'],
    ['0x36d3', 'Notes'],
    ['0x36d4', 'Tasks'],
  ];
  for (const holder of [seen.root, seen.folders.Inbox!.props]) {
    for (const [id, name] of defaults) {
      const entry = Buffer.from(holder[id] ?? '', 'hex');
      assert.equal(entry.length, 24, `${id} present`);
      assert.equal(entry.readUInt32LE(20), seen.folders[name]!.id, `${id} points at ${name}`);
    }
  }
  // The summary script's view agrees.
  const summary = await runPypff(path);
  const calendar = summary.folders.find((f) => f.path === 'Calendar');
  assert.deepEqual(
    calendar?.messages?.map((m) => m.messageClass),
    Array(7).fill('IPM.Appointment'),
  );
});

test("pst-extractor finds the named properties through the map's property-set GUIDs", async (t) => {
  if (!(await requireReaders(t, 'pstextractor'))) return;
  const path = await writeItems(t);
  const file = new PSTFile(path);
  const byFolder = new Map<string, PSTMessage[]>();
  const walk = (folder: PSTFolder): void => {
    const items: PSTMessage[] = [];
    for (let m = folder.contentCount > 0 ? folder.getNextChild() : null; m; m = folder.getNextChild()) items.push(m);
    byFolder.set(folder.displayName, items);
    if (folder.hasSubfolders) for (const child of folder.getSubFolders()) walk(child);
  };
  walk(file.getRootFolder());
  const sync = byFolder.get('Calendar')!.find((m) => m.subject === 'Weekly sync') as PSTAppointment;
  assert.equal(sync.startTime?.toISOString(), '2026-03-02T09:00:00.000Z');
  assert.equal(sync.endTime?.toISOString(), '2026-03-02T10:00:00.000Z');
  assert.equal(sync.location, 'Room 1');
  assert.equal(sync.isRecurring, true);
  assert.equal(sync.recurrencePattern, 'Occurs every 2 weeks on Monday, Wednesday');
  const holiday = byFolder.get('Calendar')!.find((m) => m.subject === 'Holiday') as PSTAppointment;
  assert.equal(holiday.subType, true);
  assert.equal(holiday.busyStatus, 3);
  const contact = byFolder.get('Contacts')!.find((m) => m.messageClass === 'IPM.Contact') as PSTContact;
  assert.deepEqual(
    [
      contact.givenName,
      contact.surname,
      contact.email1EmailAddress,
      contact.email2EmailAddress,
      contact.email2DisplayName,
      contact.companyName,
      contact.workAddressStreet,
      contact.fileUnder,
      contact.mobileTelephoneNumber,
    ],
    [
      'Jane',
      'Doe',
      'jane@acme.example',
      'jd@home.example',
      'Jane at home',
      'Acme Ltd',
      '1 Main St',
      'Doe, Jane',
      '+1 555 0101',
    ],
  );
  const task = byFolder.get('Tasks')![0] as PSTTask;
  assert.deepEqual(
    [task.taskStatus, task.percentComplete, task.taskDueDate?.toISOString(), task.taskOwner],
    [1, 0.5, '2026-04-15T00:00:00.000Z', 'Jane'],
  );
});

test('carried properties of every type read back byte for byte in pffexport', async (t) => {
  if (!(await requireReaders(t, 'pffexport'))) return;
  const dir = await tempDir(t);
  const big = Uint8Array.from({ length: 9000 }, (_, i) => (i * 7) & 0xff); // beyond a heap allocation: a subnode
  const guid = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const values: [ExtraPropertyValue, string][] = [
    [{ type: 'Integer16', value: -2 }, 'feff'],
    [{ type: 'Integer32', value: 0x12345678 }, '78563412'],
    [{ type: 'Floating32', value: 1.5 }, '0000c03f'],
    [{ type: 'Floating64', value: -2.25 }, '00000000000002c0'],
    [{ type: 'Currency', value: 12345n }, '3930000000000000'],
    [{ type: 'FloatingTime', value: 45000.5 }, Buffer.from(new Float64Array([45000.5]).buffer).toString('hex')],
    [{ type: 'ErrorCode', value: 0x8004010f }, '0f010480'],
    [{ type: 'Boolean', value: true }, '01'],
    [{ type: 'Integer64', value: -1n }, 'ffffffffffffffff'],
    [{ type: 'String', value: 'Grüße' }, utf16Hex('Grüße')],
    [{ type: 'String8', value: 'plain' }, utf16Hex('plain')],
    [{ type: 'Time', value: new Date('2020-02-29T12:00:00Z') }, filetimeHex(new Date('2020-02-29T12:00:00Z'))],
    [{ type: 'Guid', value: guid }, Buffer.from(guid).toString('hex')],
    [{ type: 'Binary', value: big }, Buffer.from(big).toString('hex')],
    [{ type: 'MultipleInteger16', value: [1, 2] }, '01000200'],
    [{ type: 'MultipleInteger32', value: [1, -1] }, '01000000ffffffff'],
    [{ type: 'MultipleFloating64', value: [0.5] }, '000000000000e03f'],
    [{ type: 'MultipleInteger64', value: [2n] }, '0200000000000000'],
    [
      { type: 'MultipleTime', value: [new Date('2001-01-01T00:00:00Z')] },
      filetimeHex(new Date('2001-01-01T00:00:00Z')),
    ],
    [{ type: 'MultipleGuid', value: [guid, guid] }, Buffer.from(guid).toString('hex').repeat(2)],
    [{ type: 'MultipleString', value: ['ab', 'c'] }, `020000000c00000010000000${utf16Hex('ab')}${utf16Hex('c')}`],
    [{ type: 'MultipleBinary', value: [Uint8Array.of(1, 2, 3)] }, '01000000' + '08000000' + '010203'],
  ];
  const record: MessageRecord = {
    subject: 'every type',
    extraProperties: [
      ...values.map(([value], i) => ({
        kind: 'named' as const,
        propertySet: '{11111111-2222-3333-4444-555555555555}',
        lid: 0x9000 + i,
        value,
      })),
      // PS_MAPI with a LID below 0x8000 names the tagged property of that id.
      {
        kind: 'named',
        propertySet: '00020328-0000-0000-C000-000000000046',
        lid: 0x3a16,
        value: { type: 'String', value: 'Mapi Company' },
      },
    ],
  };
  const { path } = await writePst(dir, 'types.pst', [{ folder: ['Inbox'], record }]);
  await assertCheckClean(path);
  const item = pffItem(await pffexportItems(path), utf16Hex('every type')).properties;
  values.forEach(([value, hex], i) => {
    const type = value.type.startsWith('String8')
      ? 0x001f
      : value.type === 'MultipleString8'
        ? 0x101f
        : PROPERTY_TYPE_CODES[value.type];
    const key = `lid:0x${(0x9000 + i).toString(16)}/${type.toString(16).padStart(4, '0')}`;
    assert.equal(item.get(key), hex, `${value.type} (${key})`);
  });
  assert.equal(item.get('0x3a16/001f'), utf16Hex('Mapi Company'));
});

test('carried properties override what absent fields default to, never given fields', async (t) => {
  if (!(await requireReaders(t, 'pffexport'))) return;
  const dir = await tempDir(t);
  const APPOINTMENT = '00062002-0000-0000-c000-000000000046';
  const carried = (lid: number, value: ExtraPropertyValue) => ({
    kind: 'named' as const,
    propertySet: APPOINTMENT,
    lid,
    value,
  });
  const record: MessageRecord = {
    messageClass: 'IPM.Appointment',
    subject: 'received meeting',
    from: { name: 'Olga Organizer', address: 'olga@example.com' },
    appointment: {
      start: new Date('2026-02-02T10:00:00Z'),
      end: new Date('2026-02-02T11:00:00Z'),
      busyStatus: 'tentative',
      attendees: [{ name: 'Me Attendee', address: 'me@example.com', response: 'accepted' }],
    },
    extraProperties: [
      carried(0x8217, { type: 'Integer32', value: 3 }), // PidLidAppointmentStateFlags: asfMeeting | asfReceived
      carried(0x8218, { type: 'Integer32', value: 3 }), // PidLidResponseStatus: accepted
      carried(0x8229, { type: 'Boolean', value: true }), // PidLidFInvited
      carried(0x8205, { type: 'Integer32', value: 2 }), // PidLidBusyStatus: busy, but the section says tentative
      carried(0x820d, { type: 'Time', value: new Date('2000-01-01T00:00:00Z') }), // the section's start wins
    ],
  };
  const { path } = await writePst(dir, 'precedence.pst', [{ folder: ['Calendar'], record }]);
  const p = pffItem(await pffexportItems(path), utf16Hex('received meeting')).properties;
  assert.equal(p.get('lid:0x8217/0003'), '03000000');
  assert.equal(p.get('lid:0x8218/0003'), '03000000');
  assert.equal(p.get('lid:0x8229/000b'), '01');
  assert.equal(p.get('lid:0x8205/0003'), '01000000');
  assert.equal(p.get('lid:0x820d/0040'), filetimeHex(new Date('2026-02-02T10:00:00Z')));
  assert.equal(p.get('lid:0x8223/000b'), '00'); // PidLidRecurring: the default of an absent recurrence
});

test('kind sections are checked: the error names the field and the value', async (t) => {
  const dir = await tempDir(t);
  const w = await PstWriter.create(`${dir}/bad.pst`);
  t.after(() => w.abort());
  const bad: [MessageRecord, RegExp][] = [
    [
      { messageClass: 'IPM.Appointment', subject: 'x', appointment: { end: new Date() } as never },
      /message\.appointment\.start is missing/,
    ],
    [
      { subject: 'x', contact: { givenName: 'A' } },
      /message\.contact is given, but the message class is not IPM\.Contact: "IPM\.Note"/,
    ],
    [
      {
        messageClass: 'IPM.Appointment',
        subject: 'x',
        appointment: { start: new Date('2026-01-02'), end: new Date('2026-01-01') },
      },
      /message\.appointment\.end is before the start/,
    ],
    [
      {
        messageClass: 'IPM.Appointment',
        subject: 'x',
        appointment: {
          start: new Date(),
          end: new Date(),
          timeZone: { id: 'Mars/Olympus' },
          recurrence: { frequency: 'daily' },
        },
      },
      /message\.appointment\.timeZone\.id is not a time zone this platform knows.*"Mars\/Olympus"/,
    ],
    [
      {
        messageClass: 'IPM.Appointment',
        subject: 'x',
        appointment: {
          start: new Date(),
          end: new Date(),
          timeZone: {
            id: 'X',
            rules: [
              { fromYear: 2010, bias: 0 },
              { fromYear: 2007, bias: 60 },
            ],
          },
        },
      },
      /message\.appointment\.timeZone\.rules\[1\]\.fromYear is not after the previous rule's \(2010\)/,
    ],
    [
      {
        messageClass: 'IPM.Contact',
        subject: 'x',
        contact: { emails: [{ address: 'a@x' }, { address: 'b@x' }, { address: 'c@x' }, { address: 'd@x' }] },
      },
      /message\.contact\.emails has more than the three/,
    ],
    [
      { messageClass: 'IPM.Task', subject: 'x', task: { percentComplete: 120 } },
      /message\.task\.percentComplete is not a number from 0 to 100: 120/,
    ],
    [
      {
        subject: 'x',
        extraProperties: [{ kind: 'named', propertySet: 'nope', lid: 1, value: { type: 'Integer32', value: 1 } }],
      },
      /message\.extraProperties\[0\]\.propertySet is not a GUID: "nope"/,
    ],
    [
      { subject: 'x', extraProperties: [{ kind: 'tagged', id: 0x9000, value: { type: 'Integer32', value: 1 } }] },
      /message\.extraProperties\[0\]\.id is not an integer from 1 to 32767/,
    ],
    [
      {
        subject: 'x',
        extraProperties: [{ kind: 'tagged', id: 0x3001, value: { type: 'Integer32', value: 'one' } as never }],
      },
      /message\.extraProperties\[0\]\.value is not a Integer32 value/,
    ],
  ];
  for (const [record, message] of bad) {
    await assert.rejects(
      w.addMessage(['Inbox'], record),
      (e: Error) => e.name === 'PstInputError' && message.test(e.message),
      String(message),
    );
  }
  // The writer stays usable, and a failed message's named properties are gone with it.
  await w.addMessage(['Inbox'], { subject: 'fine' });
  assert.equal(w.messageCount, 1);
});

test('a failed message or a size projection takes the named properties it added with it', async (t) => {
  if (!(await requireReaders(t, 'pypff'))) return;
  const dir = await tempDir(t);
  const names = Array.from({ length: 50 }, (_, i) => ({
    kind: 'named' as const,
    propertySet: '00020329-0000-0000-c000-000000000046',
    name: `X-Gone-${i}`,
    value: { type: 'String' as const, value: 'v' },
  }));
  // The embedded message is written first and adds the names; the next attachment then fails.
  const failing: MessageRecord = {
    subject: 'fails',
    attachments: [
      { kind: 'message', name: 'inner', message: { subject: 'inner', extraProperties: names } },
      {
        kind: 'file',
        name: 'short.bin',
        size: 10,
        open: async function* () {
          yield new Uint8Array(3);
        },
      },
    ],
  };
  const w = await PstWriter.create(`${dir}/rolled-back.pst`, { deterministic: true });
  await w.projectedSizeWith(['Inbox'], { subject: 'projected only', extraProperties: names });
  await assert.rejects(w.addMessage(['Inbox'], failing), /declared size 10/);
  const kept: MessageRecord = { subject: 'kept', extraProperties: [{ ...names[0]!, name: 'X-Kept' }] };
  const projected = await w.projectedSizeWith(['Inbox'], kept);
  await w.addMessage(['Inbox'], kept);
  const { path, bytes } = await w.finish();
  assert.equal(bytes, projected);
  // The Name-to-ID map as libpff reads it: the entry stream (0x0003, 8 bytes a name) and the string stream (0x0004).
  const script = `
import sys, pypff
f = pypff.file(); f.open(sys.argv[1])
for rs in f.name_to_id_map.record_sets:
    for e in rs.entries:
        if e.entry_type in (3, 4): print(e.entry_type, e.data.hex())
`;
  const { stdout } = await run(DEBIAN_PYTHON, ['-c', script, path]);
  const streams = new Map(
    stdout
      .trim()
      .split('\n')
      .map((l) => [l.split(' ')[0], Buffer.from(l.split(' ')[1]!, 'hex')] as const),
  );
  // PidNameKeywords and PidLidReminderDelta (every file has them), then X-Kept.
  assert.equal(streams.get('3')!.length, 3 * 8);
  const strings = streams.get('4')!.toString('utf16le');
  assert.ok(strings.includes('Keywords') && strings.includes('X-Kept'));
  assert.ok(!strings.includes('X-Gone'));
});
