/**
 * `.ics` and `.vcf` files as items: real-world files made by Outlook, Google, Gmail and Zimbra (see
 * data/calendar-contacts/NOTICE.md), and the bad input the format cannot hold.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MessageRecord } from '@pstream/pst';
import { icsItems } from '../src/ics-items.js';
import { KEPT_AS_TEXT_CATEGORY } from '../src/text-item.js';
import { vcardItems } from '../src/vcard-items.js';
import { splitCards, vcard21As30 } from '../src/vcard-text.js';

const DATA = join(fileURLToPath(new URL('.', import.meta.url)), 'data', 'calendar-contacts');
const ics = (name: string) => [...icsItems(readFileSync(join(DATA, name), 'utf8'), name)];
const vcf = (name: string) => [...vcardItems(readFileSync(join(DATA, name)), name).items];

async function attachmentText(record: MessageRecord): Promise<string> {
  const att = record.attachments?.[0];
  assert.ok(att && att.kind === 'file');
  const chunks: Buffer[] = [];
  for await (const c of await att.open()) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

test('Outlook 2010 meeting: UTC times through its VTIMEZONE, the zone as a TZRULE, organizer, attendees, busy status', () => {
  const [item, ...rest] = ics('outlook-2010.ics');
  assert.equal(rest.length, 0);
  assert.deepEqual(item!.warnings, []);
  const r = item!.record;
  assert.equal(r.messageClass, 'IPM.Appointment');
  assert.equal(r.subject, 'Team Meeting');
  assert.equal(r.body, 'Meeting will discuss objectives for next project.\nWill include a presentation and food.');
  assert.match(r.html ?? '', /<HTML>/);
  assert.equal(r.importance, 'normal');
  assert.deepEqual(r.from, { name: 'Smith, Bob', address: 'bobsmith@example.com' });
  const a = r.appointment!;
  // 12:00 Eastern daylight time (UTC-4).
  assert.equal(a.start.toISOString(), '2013-06-10T16:00:00.000Z');
  assert.equal(a.end.toISOString(), '2013-06-10T17:00:00.000Z');
  assert.equal(a.allDay, undefined);
  assert.equal(a.location, 'Auditorium 16');
  assert.equal(a.busyStatus, 'tentative');
  assert.deepEqual(a.organizer, { name: 'Smith, Bob', address: 'bobsmith@example.com' });
  assert.deepEqual(a.attendees, [
    { name: 'Doe, John', address: 'johndoe@example.com', role: 'optional' },
    { name: 'Doe, Jane', address: 'janedoe@example.com', role: 'required' },
  ]);
  assert.deepEqual(a.timeZone, {
    id: 'Eastern Standard Time',
    rules: [
      {
        fromYear: 1601,
        bias: 300,
        standardBias: 0,
        daylightBias: -60,
        standardStart: { month: 11, week: 1, weekday: 0, hour: 2, minute: 0 },
        daylightStart: { month: 3, week: 2, weekday: 0, hour: 2, minute: 0 },
      },
    ],
  });
  assert.equal(a.recurrence, undefined);
  assert.equal(a.reminder, undefined);
  assert.match(item!.text, /^BEGIN:VCALENDAR\r\n.*BEGIN:VTIMEZONE.*BEGIN:VEVENT.*END:VEVENT\r\nEND:VCALENDAR\r\n$/s);
  assert.equal(item!.text.match(/^(BEGIN|END):VCALENDAR/gm)?.length, 2, 'one calendar around the event');
});

test('Google daily series: RRULE to the daily pattern, VALARM to a 30-minute reminder, Los Angeles time', () => {
  const [item] = ics('google-daily-recur.ics');
  const a = item!.record.appointment!;
  assert.equal(item!.record.subject, 'Every day recurring');
  assert.equal(a.start.toISOString(), '2012-08-01T12:00:00.000Z');
  assert.equal(a.end.toISOString(), '2012-08-01T13:00:00.000Z');
  assert.deepEqual(a.recurrence, { frequency: 'daily', interval: 1 });
  assert.deepEqual(a.reminder, { set: true, minutesBefore: 30 });
  assert.equal(a.busyStatus, 'busy');
  assert.equal(a.location, undefined, 'an empty LOCATION is no location');
  assert.equal(a.timeZone?.id, 'America/Los_Angeles');
  assert.equal(a.timeZone?.rules?.[0]?.bias, 480);
  assert.equal(a.timeZone?.rules?.[0]?.daylightBias, -60);
});

test('Apple iCal 4 event in a zone only its VTIMEZONE defines (a misspelt IANA id): times and rule from the file', () => {
  const [item, ...rest] = ics('apple-ical-4.ics');
  assert.equal(rest.length, 0);
  assert.deepEqual(item!.warnings, []);
  const a = item!.record.appointment!;
  assert.equal(item!.record.subject, 'One Event');
  // 09:45 Eastern daylight time (UTC-4).
  assert.equal(a.start.toISOString(), '2011-05-16T13:45:00.000Z');
  assert.equal(a.end.toISOString(), '2011-05-16T15:00:00.000Z');
  assert.deepEqual(a.timeZone, {
    id: 'America/New_Yrok',
    rules: [
      {
        fromYear: 2007,
        bias: 300,
        standardBias: 0,
        daylightBias: -60,
        standardStart: { month: 11, week: 1, weekday: 0, hour: 2, minute: 0 },
        daylightStart: { month: 3, week: 2, weekday: 0, hour: 2, minute: 0 },
      },
    ],
  });
});

test('Zimbra series with RDATE: kept as a plain item holding its text; its changed occurrences are appointments of their own', async () => {
  const items = ics('zimbra-recur-instances.ics');
  assert.deepEqual(
    items.map((i) => [i.label, i.record.messageClass]),
    [
      ['VEVENT 1', 'IPM.Note'],
      ['VEVENT 2', 'IPM.Appointment'],
      ['VEVENT 3', 'IPM.Appointment'],
      ['X-UNKNOWN 1', 'IPM.Note'],
    ],
  );
  const kept = items[0]!;
  assert.equal(kept.record.subject, 'Crazy Event Thingy!');
  assert.deepEqual(kept.record.categories, [KEPT_AS_TEXT_CATEGORY]);
  assert.match(kept.keptAsText ?? '', /RDATE/);
  const text = await attachmentText(kept.record);
  assert.match(text, /RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1TU/);
  assert.match(text, /BEGIN:VTIMEZONE/);
  assert.equal(
    kept.record.attachments?.[0]?.kind === 'file' && kept.record.attachments[0].contentType,
    'text/calendar',
  );
  const changed = items[1]!.record.appointment!;
  assert.equal(changed.start.toISOString(), '2012-10-02T22:00:00.000Z');
  assert.deepEqual(changed.reminder, { set: true, minutesBefore: 5 });
});

test('RRULE forms: weekly with EXDATE, monthly by position; a changed occurrence is deleted from its series; an inexpressible rule is kept as text', () => {
  const cal = (...lines: string[]) =>
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
  const items = [
    ...icsItems(
      cal(
        'BEGIN:VEVENT',
        'UID:w',
        'SUMMARY:Weekly',
        'DTSTART:20240101T090000Z',
        'DTEND:20240101T100000Z',
        'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20240401T000000Z;WKST=SU',
        'EXDATE:20240103T090000Z',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:w',
        'SUMMARY:Weekly (moved)',
        'RECURRENCE-ID:20240115T090000Z',
        'DTSTART:20240115T110000Z',
        'DTEND:20240115T120000Z',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:m',
        'SUMMARY:Monthly',
        'DTSTART;VALUE=DATE:20240109',
        'RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=10',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:h',
        'SUMMARY:Hourly',
        'DTSTART:20240101T090000Z',
        'RRULE:FREQ=HOURLY',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:n',
        'SUMMARY:No start',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:d31',
        'SUMMARY:Month end',
        'DTSTART;TZID=Europe/Berlin:20240131T090000',
        'RRULE:FREQ=MONTHLY;COUNT=6',
        'END:VEVENT',
        'BEGIN:VTODO',
        'UID:t',
        'SUMMARY:File the report',
        'DTSTART;VALUE=DATE:20240110',
        'DUE;TZID=Europe/Berlin:20240115T170000',
        'STATUS:IN-PROCESS',
        'PERCENT-COMPLETE:40',
        'END:VTODO',
      ),
      'test.ics',
    ),
  ];
  assert.deepEqual(
    items.map((i) => [i.label, i.record.messageClass]),
    [
      ['VEVENT 1', 'IPM.Appointment'],
      ['VEVENT 2', 'IPM.Appointment'],
      ['VEVENT 3', 'IPM.Appointment'],
      ['VEVENT 4', 'IPM.Note'],
      ['VEVENT 5', 'IPM.Note'],
      ['VEVENT 6', 'IPM.Note'],
      ['VTODO 1', 'IPM.Task'],
    ],
  );
  assert.deepEqual(items[0]!.record.appointment!.recurrence, {
    frequency: 'weekly',
    interval: 2,
    weekdays: ['MO', 'WE'],
    firstDayOfWeek: 'SU',
    until: new Date('2024-04-01T00:00:00Z'),
    deletedOccurrences: [new Date('2024-01-03T09:00:00Z'), new Date('2024-01-15T09:00:00Z')],
  });
  const monthly = items[2]!.record.appointment!;
  assert.equal(monthly.allDay, true);
  assert.equal(monthly.start.toISOString(), '2024-01-09T00:00:00.000Z');
  assert.equal(monthly.end.toISOString(), '2024-01-10T00:00:00.000Z', 'an all-day event without DTEND takes its day');
  assert.deepEqual(monthly.recurrence, {
    frequency: 'monthly',
    interval: 1,
    weekdays: ['TU'],
    weekOfMonth: 2,
    count: 10,
  });
  assert.match(items[3]!.keptAsText ?? '', /FREQ=HOURLY/);
  // RRULE skips the months without a 31st; the format would move those occurrences to the month's last day.
  assert.match(items[5]!.keptAsText ?? '', /a start on day 31/);
  assert.match(items[4]!.keptAsText ?? '', /no start/);
  assert.equal(items[4]!.record.subject, 'No start');
  const task = items[6]!.record;
  assert.equal(task.subject, 'File the report');
  assert.deepEqual(task.task, {
    status: 'inProgress',
    percentComplete: 40,
    startDate: new Date('2024-01-10T00:00:00Z'),
    dueDate: new Date('2024-01-15T00:00:00Z'),
  });
});

test('a TZID the file does not define is resolved as an IANA zone; an unknown one is read as UTC with a warning; a file that is no iCalendar is one plain item', () => {
  const event = (tzid: string) =>
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:x',
      'SUMMARY:x',
      `DTSTART;TZID=${tzid}:20240701T090000`,
      `DTEND;TZID=${tzid}:20240701T100000`,
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
  const [berlin] = icsItems(event('Europe/Berlin'), 'b.ics');
  assert.equal(berlin!.record.appointment!.start.toISOString(), '2024-07-01T07:00:00.000Z');
  assert.deepEqual(berlin!.record.appointment!.timeZone, { id: 'Europe/Berlin' });
  const local = [
    ...icsItems(
      event('Europe/Berlin').replace('END:VEVENT', 'RRULE:FREQ=DAILY;UNTIL=20240705T090000\r\nEND:VEVENT'),
      'u.ics',
    ),
  ];
  assert.deepEqual(
    local[0]!.record.appointment!.recurrence?.until,
    new Date('2024-07-05T07:00:00Z'),
    "a local UNTIL is in the start's zone",
  );
  const outlook = readFileSync(join(DATA, 'outlook-2010.ics'), 'utf8').replace(
    'END:VEVENT',
    'RRULE:FREQ=WEEKLY;UNTIL=20130708T120000\r\nEND:VEVENT',
  );
  assert.deepEqual(
    [...icsItems(outlook, 'o.ics')][0]!.record.appointment!.recurrence?.until,
    new Date('2013-07-08T16:00:00Z'),
    "in the file's VTIMEZONE too",
  );
  const [unique] = [...icsItems(event('/mozilla.org/20050126_1/Europe/Berlin'), 'g.ics')];
  assert.equal(
    unique!.record.appointment!.start.toISOString(),
    '2024-07-01T07:00:00.000Z',
    'a globally unique TZID ends in an IANA id',
  );
  assert.deepEqual(unique!.record.appointment!.timeZone, { id: 'Europe/Berlin' });
  assert.deepEqual(unique!.warnings, []);
  const [unknown] = icsItems(event('Mars Standard Time'), 'm.ics');
  assert.equal(unknown!.record.appointment!.start.toISOString(), '2024-07-01T09:00:00.000Z');
  assert.match(unknown!.warnings.join(), /Mars Standard Time/);
  const spoiled = [
    ...icsItems(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:a',
        'SUMMARY:Bad',
        'DTSTART:2024-13-99',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:b',
        'SUMMARY:Good',
        'DTSTART:20240101T100000Z',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n'),
      's.ics',
    ),
  ];
  assert.deepEqual(
    spoiled.map((i) => [i.record.subject, i.record.messageClass]),
    [
      ['Bad', 'IPM.Note'],
      ['Good', 'IPM.Appointment'],
    ],
    'a component that cannot be read spoils no other',
  );
  assert.match(spoiled[0]!.keptAsText ?? '', /cannot be read|no start/);
  const cut = [
    ...icsItems(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:a',
        'SUMMARY:Whole',
        'DTSTART:20240101T100000Z',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:b',
        'SUMMARY:Cut off',
        'DTSTART:2024',
      ].join('\r\n'),
      'c.ics',
    ),
  ];
  assert.deepEqual(
    cut.map((i) => [i.record.subject, i.record.messageClass]),
    [
      ['Whole', 'IPM.Appointment'],
      ['Cut off', 'IPM.Note'],
    ],
    'a component the file breaks off in is kept as text',
  );
  const classicMac = [
    ...icsItems(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:m',
        'SUMMARY:CR only',
        'DTSTART:20240101T100000Z',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r'),
      'mac.ics',
    ),
  ];
  assert.deepEqual(
    classicMac.map((i) => [i.record.subject, i.record.messageClass]),
    [['CR only', 'IPM.Appointment']],
    'lines ended by CR alone',
  );
  const [garbage] = [...icsItems('this is not a calendar\r\n', 'g.ics')];
  assert.equal(garbage!.record.messageClass, 'IPM.Note');
  assert.match(garbage!.keptAsText ?? '', /not readable iCalendar/);
});

test('Outlook 2003 vCard 2.1: QUOTED-PRINTABLE note, bare TYPE parameters, name parts, phones, work address', () => {
  const [item, ...rest] = vcf('outlook-2003.vcf');
  assert.equal(rest.length, 0);
  assert.deepEqual(item!.warnings, []);
  const r = item!.record;
  assert.equal(r.messageClass, 'IPM.Contact');
  assert.equal(r.subject, 'John Doe III');
  assert.equal(r.body, 'This is the note field!!\nSecond line\n\nThird line is empty\n');
  assert.deepEqual(r.contact, {
    givenName: 'John',
    surname: 'Doe',
    prefix: 'Mr.',
    suffix: 'III',
    nickname: 'Joey',
    displayName: 'John Doe III',
    fileAs: 'Doe, John',
    emails: [{ address: 'jdoe@hotmail.com', displayName: 'John Doe III (jdoe@hotmail.com)' }],
    phones: [
      { kind: 'business', number: 'BusinessPhone' },
      { kind: 'home', number: 'HomePhone' },
      { kind: 'mobile', number: 'MobilePhone' },
      { kind: 'businessFax', number: 'BusinessFaxPhone' },
    ],
    addresses: [
      {
        kind: 'work',
        street: 'TheOffice\n123 Main St',
        city: 'Austin',
        region: 'TX',
        postalCode: '12345',
        country: 'United States of America',
      },
    ],
    company: 'Company, The',
    department: 'TheDepartment',
    jobTitle: 'The Job Title',
    birthday: new Date('1980-03-21T00:00:00Z'),
    webPage: 'http://web-page-address.com',
  });
});

test('Gmail vCard 3.0 and the RFC 6350 vCard 4.0 example', () => {
  const [gmail] = vcf('gmail-single.vcf');
  const g = gmail!.record.contact!;
  assert.equal(g.displayName, 'Greg Dartmouth');
  assert.deepEqual(
    [g.givenName, g.surname, g.nickname, g.company, g.jobTitle],
    ['Greg', 'Dartmouth', 'Gman', 'TheCompany', 'TheJobTitle'],
  );
  assert.deepEqual(g.emails, [
    { address: 'gdartmouth@hotmail.com', displayName: 'Greg Dartmouth (gdartmouth@hotmail.com)' },
  ]);
  assert.deepEqual(g.phones, [
    { kind: 'mobile', number: '555 555 1111' },
    { kind: 'other', number: '555 555 2222' },
  ]);
  assert.deepEqual(g.addresses, [
    { kind: 'home', street: '123 Home St\nHome City, HM 12345' },
    { kind: 'other', street: '321 Custom St', city: 'Custom City', region: 'TX', postalCode: '98765', country: 'USA' },
  ]);
  assert.deepEqual(g.birthday, new Date('1960-09-10T00:00:00Z'));
  assert.equal(g.webPage, 'http://TheProfile.com');
  assert.match(gmail!.record.body ?? '', /^This is GMail's note field\.\nIt should be added/);

  const [rfc] = vcf('rfc6350-example.vcf');
  const c = rfc!.record.contact!;
  assert.deepEqual(
    [c.displayName, c.givenName, c.surname, c.company],
    ['Simon Perreault', 'Simon', 'Perreault', 'Viagenie'],
  );
  assert.deepEqual(c.phones, [
    { kind: 'business', number: '+1-418-656-9254;ext=102' },
    { kind: 'mobile', number: '+1-418-262-6501' },
  ]);
  assert.deepEqual(c.addresses, [
    {
      kind: 'work',
      street: 'Suite D2-630\n2875 Laurier',
      city: 'Quebec',
      region: 'QC',
      postalCode: 'G1V 2M2',
      country: 'Canada',
    },
  ]);
  assert.equal(c.birthday, undefined, 'a birthday without a year is not a day');
});

test('iOS vCard 3.0 whose lines end in CR CR LF: item groups, typed phones and addresses, a photo left out', () => {
  const [item, ...rest] = vcf('iphone-ios5.vcf');
  assert.equal(rest.length, 0);
  assert.equal(item!.keptAsText, undefined);
  const c = item!.record.contact!;
  assert.deepEqual(
    [c.prefix, c.givenName, c.middleName, c.surname, c.suffix],
    ['Mr.', 'John', 'Richter James', 'Doe', 'Sr.'],
  );
  assert.deepEqual([c.company, c.department, c.jobTitle], ['IBM', 'Accounting', 'Money Counter']);
  assert.deepEqual(
    c.emails?.map((e) => e.address),
    ['john.doe@ibm.com'],
  );
  assert.deepEqual(c.phones, [
    { kind: 'mobile', number: '905-555-1234' },
    { kind: 'home', number: '905-666-1234' },
    { kind: 'business', number: '905-777-1234' },
    { kind: 'homeFax', number: '905-888-1234' },
    { kind: 'businessFax', number: '905-999-1234' },
    { kind: 'pager', number: '905-111-1234' },
    { kind: 'other', number: '905-222-1234' },
  ]);
  assert.deepEqual(
    c.addresses?.map((a) => [a.kind, a.street, a.isMailing]),
    [
      ['home', 'Silicon Alley 5', true],
      ['work', 'Street4\nBuilding 6\nFloor 8', undefined],
    ],
  );
});

test('Mac Address Book vCard 3.0 with a parameter without a name (PHOTO;BASE64:) is read, not kept as text', () => {
  const [item] = vcf('mac-address-book.vcf');
  assert.equal(item!.keptAsText, undefined);
  const c = item!.record.contact!;
  assert.deepEqual(
    [c.givenName, c.middleName, c.surname, c.company, c.jobTitle],
    ['John', 'Richter,James', 'Doe', 'IBM', 'Money Counter'],
  );
  assert.deepEqual(
    c.emails?.map((e) => e.address),
    ['john.doe@ibm.com'],
  );
  assert.equal(c.phones?.length, 7);
  assert.match(item!.record.body ?? '', /^THIS SOFTWARE IS PROVIDED/);
});

test('vCard 2.1 CHARSET and soft line breaks; several cards in one file; a card with no name is kept as text', async () => {
  const file = Buffer.concat([
    Buffer.from(
      'BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FC=\r\nrgen\r\n',
      'latin1',
    ),
    Buffer.from(
      'ADR;HOME;CHARSET=windows-1252:;;Stra\xdfe 1;K\xf6ln;;50667;Deutschland\r\nEMAIL;INTERNET:j@example.de\r\nEND:VCARD\r\n',
      'latin1',
    ),
    Buffer.from(
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Ångström\r\nEMAIL;TYPE=work:z@example.se\r\nEMAIL;TYPE=home,pref:zoe@example.se\r\nEND:VCARD\r\n',
      'utf8',
    ),
    Buffer.from('stray line\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nTEL:123\r\nEND:VCARD\r\n', 'utf8'),
  ]);
  const read = vcardItems(file, 'people.vcf');
  const [items, stray] = [[...read.items], read.stray];
  assert.equal(stray, 1);
  assert.deepEqual(
    items.map((i) => i.record.messageClass),
    ['IPM.Contact', 'IPM.Contact', 'IPM.Note'],
  );
  assert.deepEqual([items[0]!.record.contact!.surname, items[0]!.record.contact!.givenName], ['Müller', 'Jürgen']);
  assert.deepEqual(items[0]!.record.contact!.addresses, [
    { kind: 'home', street: 'Straße 1', city: 'Köln', postalCode: '50667', country: 'Deutschland' },
  ]);
  assert.equal(items[1]!.record.subject, 'Zoë Ångström');
  assert.deepEqual(
    items[1]!.record.contact!.emails?.map((e) => e.address),
    ['zoe@example.se', 'z@example.se'],
    'the PREF address is e-mail 1',
  );
  assert.match(items[2]!.keptAsText ?? '', /no name/);
  assert.equal(await attachmentText(items[2]!.record), 'BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:123\r\nEND:VCARD');
});

test('a byte-order mark is passed over; a UTF-16 address book is read', () => {
  const card = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Ångström\r\nEMAIL:z@example.se\r\nEND:VCARD\r\n';
  for (const bytes of [
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(card)]),
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(card, 'utf16le')]),
  ]) {
    const read = vcardItems(bytes, 'bom.vcf');
    assert.deepEqual([read.cards, read.stray], [1, 0]);
    assert.equal([...read.items][0]!.record.subject, 'Zoë Ångström');
  }
});

test('vcard21As30 rewrites 2.1 syntax only: QUOTED-PRINTABLE decoded, bare parameters as TYPE, commas escaped, base64 joined', () => {
  const [card] = splitCards(
    Buffer.from(
      'BEGIN:VCARD\r\nVERSION:2.1\r\nORG:A, B;C\r\nNOTE;QUOTED-PRINTABLE:x=3Dy=\r\nz\r\nTEL;WORK;VOICE:1\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:\r\n  AAAA\r\n  BBBB\r\n\r\nEND:VCARD\r\n',
    ),
  ).cards;
  assert.equal(
    vcard21As30(card!),
    'BEGIN:VCARD\r\nVERSION:3.0\r\nORG:A\\, B;C\r\nNOTE:x=yz\r\nTEL;TYPE=WORK,VOICE:1\r\nPHOTO;TYPE=JPEG;ENCODING=b:AAAABBBB\r\nEND:VCARD\r\n',
  );
});
