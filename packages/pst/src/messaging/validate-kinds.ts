/**
 * Input checks of the item-kind sections and the carried properties: a value the writer cannot store faithfully is
 * rejected with an error naming the field and the value (see `PstInputError`).
 */
import type { AppointmentFields, AppointmentTimeZone, Reminder, TimeZoneTransition } from './appointment-record.js';
import { PHONE_TAGS } from './contact.js';
import type { ContactFields } from './contact-record.js';
import type { ExtraProperty } from './extra-properties.js';
import { PROPERTY_TYPE_CODES } from './extra-properties.js';
import { canonicalGuid } from './named-properties.js';
import type { DistributionListFields, StickyNoteFields } from './note-record.js';
import type { MessageRecord } from './record.js';
import { type RecurrencePattern, WEEKDAYS } from './recurrence.js';
import type { TaskFields } from './task-record.js';

type Fail = (field: string, value: unknown, reason: string) => never;

/** Which section a message class's kind has, if any. */
export function sectionOfClass(messageClass: string | undefined): keyof typeof SECTION_CLASSES | undefined {
  const cls = (messageClass ?? '').toLowerCase();
  for (const [section, prefix] of Object.entries(SECTION_CLASSES)) {
    if (cls === prefix || cls.startsWith(`${prefix}.`)) return section as keyof typeof SECTION_CLASSES;
  }
  return undefined;
}

/** Each section's message class, lower case (classes compare without case), and as spelled in messages. */
const SECTION_CLASSES = {
  appointment: 'ipm.appointment',
  contact: 'ipm.contact',
  task: 'ipm.task',
  note: 'ipm.stickynote',
  distributionList: 'ipm.distlist',
} as const;
const SECTION_CLASS_NAMES = {
  appointment: 'IPM.Appointment',
  contact: 'IPM.Contact',
  task: 'IPM.Task',
  note: 'IPM.StickyNote',
  distributionList: 'IPM.DistList',
} as const;

const BUSY = new Set(['free', 'tentative', 'busy', 'outOfOffice', 'workingElsewhere']);
const ROLES = new Set(['required', 'optional', 'resource']);
const RESPONSES = new Set(['none', 'tentative', 'accepted', 'declined', 'notResponded']);
const TASK_STATUS = new Set(['notStarted', 'inProgress', 'complete', 'waiting', 'deferred']);
const NOTE_COLORS = new Set(['blue', 'green', 'pink', 'yellow', 'white']);
const ADDRESS_KINDS = new Set(['work', 'home', 'other']);
const FIRST_FILETIME = Date.UTC(1601, 0, 1);
const LAST_FILETIME = Date.UTC(30828, 0, 1);

function isDate(v: unknown): v is Date {
  return (
    v instanceof Date && !Number.isNaN(v.getTime()) && v.getTime() >= FIRST_FILETIME && v.getTime() <= LAST_FILETIME
  );
}

function date(fail: Fail, v: unknown, field: string, required = false): void {
  if (v === undefined && !required) return;
  if (!isDate(v)) fail(field, v, v === undefined ? 'is missing' : 'is not a valid date in the FILETIME range');
}

function text(fail: Fail, v: unknown, field: string): void {
  if (v !== undefined && typeof v !== 'string') fail(field, v, 'is not a string');
}

function integer(fail: Fail, v: unknown, field: string, min: number, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max))
    fail(field, v, `is not an integer from ${min} to ${max}`);
}

/** Checks the kind sections and carried properties of `record`; `path` names it in errors. */
export function validateKinds(record: MessageRecord, path: string, fail: Fail): void {
  const section = sectionOfClass(record.messageClass);
  for (const key of Object.keys(SECTION_CLASSES) as (keyof typeof SECTION_CLASSES)[]) {
    if (record[key] !== undefined && key !== section) {
      fail(
        `${path}.${key}`,
        record.messageClass ?? 'IPM.Note',
        `is given, but the message class is not ${SECTION_CLASS_NAMES[key]}`,
      );
    }
  }
  if (record.appointment !== undefined) appointment(fail, record.appointment, `${path}.appointment`);
  if (record.contact !== undefined) contact(fail, record.contact, `${path}.contact`);
  if (record.task !== undefined) task(fail, record.task, `${path}.task`);
  if (record.note !== undefined) note(fail, record.note, `${path}.note`);
  if (record.distributionList !== undefined)
    distributionList(fail, record.distributionList, `${path}.distributionList`);
  extraProperties(fail, record.extraProperties, `${path}.extraProperties`);
}

function reminder(fail: Fail, r: Reminder | undefined, field: string): void {
  if (r === undefined) return;
  if (typeof r.set !== 'boolean') fail(`${field}.set`, r.set, 'is not a boolean');
  integer(fail, r.minutesBefore, `${field}.minutesBefore`, 0, 0x7fffffff);
}

function appointment(fail: Fail, a: AppointmentFields, field: string): void {
  date(fail, a.start, `${field}.start`, true);
  date(fail, a.end, `${field}.end`, true);
  if (a.end.getTime() < a.start.getTime())
    fail(`${field}.end`, a.end, `is before the start (${a.start.toISOString()})`);
  if ((a.end.getTime() - a.start.getTime()) / 60_000 > 0x7fffffff)
    fail(`${field}.end`, a.end, 'is too far after the start');
  text(fail, a.location, `${field}.location`);
  if (a.busyStatus !== undefined && !BUSY.has(a.busyStatus))
    fail(`${field}.busyStatus`, a.busyStatus, 'is not free, tentative, busy, outOfOffice or workingElsewhere');
  reminder(fail, a.reminder, `${field}.reminder`);
  if (a.timeZone !== undefined) timeZone(fail, a.timeZone, `${field}.timeZone`);
  (a.attendees ?? []).forEach((x, i) => {
    if (x.role !== undefined && !ROLES.has(x.role))
      fail(`${field}.attendees[${i}].role`, x.role, 'is not required, optional or resource');
    if (x.response !== undefined && !RESPONSES.has(x.response))
      fail(
        `${field}.attendees[${i}].response`,
        x.response,
        'is not none, tentative, accepted, declined or notResponded',
      );
    text(fail, x.name, `${field}.attendees[${i}].name`);
    text(fail, x.address, `${field}.attendees[${i}].address`);
  });
  if (a.recurrence !== undefined) recurrence(fail, a.recurrence, a.start, `${field}.recurrence`);
}

function timeZone(fail: Fail, tz: AppointmentTimeZone, field: string): void {
  if (typeof tz.id !== 'string' || tz.id === '') fail(`${field}.id`, tz.id, 'is not a time zone name');
  (tz.rules ?? []).forEach((r, i) => {
    const f = `${field}.rules[${i}]`;
    integer(fail, r.fromYear, `${f}.fromYear`, 1601, 30827);
    const previous = tz.rules![i - 1];
    if (previous !== undefined && previous.fromYear >= r.fromYear)
      fail(
        `${f}.fromYear`,
        r.fromYear,
        `is not after the previous rule's (${previous.fromYear}): the rules go oldest first`,
      );
    integer(fail, r.bias, `${f}.bias`, -1440, 1440);
    integer(fail, r.standardBias, `${f}.standardBias`, -1440, 1440);
    integer(fail, r.daylightBias, `${f}.daylightBias`, -1440, 1440);
    if ((r.standardStart === undefined) !== (r.daylightStart === undefined))
      fail(f, r, 'has one daylight-time change but not the other');
    const check = (t: TimeZoneTransition | undefined, g: string): void => {
      if (t === undefined) return;
      integer(fail, t.month, `${g}.month`, 1, 12);
      integer(fail, t.week, `${g}.week`, 1, 5);
      integer(fail, t.weekday, `${g}.weekday`, 0, 6);
      integer(fail, t.hour, `${g}.hour`, 0, 23);
      integer(fail, t.minute, `${g}.minute`, 0, 59);
    };
    check(r.standardStart, `${f}.standardStart`);
    check(r.daylightStart, `${f}.daylightStart`);
  });
}

function recurrence(fail: Fail, r: RecurrencePattern, start: Date, field: string): void {
  if (!['daily', 'weekly', 'monthly', 'yearly'].includes(r.frequency))
    fail(`${field}.frequency`, r.frequency, 'is not daily, weekly, monthly or yearly');
  integer(fail, r.interval, `${field}.interval`, 1, r.frequency === 'yearly' ? 83 : 999);
  integer(fail, r.count, `${field}.count`, 1, 999_999);
  if (r.count !== undefined && r.until !== undefined) fail(`${field}.until`, r.until, 'is given together with a count');
  date(fail, r.until, `${field}.until`);
  if (r.until !== undefined && r.until.getTime() < start.getTime())
    fail(`${field}.until`, r.until, 'is before the start');
  for (const [i, d] of (r.weekdays ?? []).entries())
    if (!WEEKDAYS.includes(d)) fail(`${field}.weekdays[${i}]`, d, 'is not SU, MO, TU, WE, TH, FR or SA');
  if (r.firstDayOfWeek !== undefined && !WEEKDAYS.includes(r.firstDayOfWeek))
    fail(`${field}.firstDayOfWeek`, r.firstDayOfWeek, 'is not SU, MO, TU, WE, TH, FR or SA');
  integer(fail, r.weekOfMonth, `${field}.weekOfMonth`, 1, 5);
  integer(fail, r.dayOfMonth, `${field}.dayOfMonth`, 1, 31);
  integer(fail, r.month, `${field}.month`, 1, 12);
  if (r.weekOfMonth !== undefined && (r.frequency === 'daily' || r.frequency === 'weekly'))
    fail(`${field}.weekOfMonth`, r.weekOfMonth, `is given for a ${r.frequency} recurrence`);
  if (r.weekOfMonth !== undefined && (r.weekdays ?? []).length === 0)
    fail(`${field}.weekdays`, r.weekdays, 'is empty, but weekOfMonth needs the days it counts');
  if (r.weekOfMonth !== undefined && r.dayOfMonth !== undefined)
    fail(`${field}.dayOfMonth`, r.dayOfMonth, 'is given together with weekOfMonth');
  (r.deletedOccurrences ?? []).forEach((d, i) => {
    date(fail, d, `${field}.deletedOccurrences[${i}]`, true);
  });
}

function contact(fail: Fail, c: ContactFields, field: string): void {
  for (const key of [
    'givenName',
    'middleName',
    'surname',
    'prefix',
    'suffix',
    'nickname',
    'displayName',
    'fileAs',
    'company',
    'jobTitle',
    'department',
    'webPage',
  ] as const) {
    text(fail, c[key], `${field}.${key}`);
  }
  const emails = c.emails ?? [];
  if (emails.length > 3)
    fail(`${field}.emails`, emails.length, 'has more than the three e-mail addresses a contact holds');
  emails.forEach((e, i) => {
    if (typeof e.address !== 'string' || e.address === '')
      fail(`${field}.emails[${i}].address`, e.address, 'is not an address');
  });
  const phones = new Set<string>();
  (c.phones ?? []).forEach((ph, i) => {
    if (!Object.hasOwn(PHONE_TAGS, ph.kind))
      fail(`${field}.phones[${i}].kind`, ph.kind, `is not one of ${Object.keys(PHONE_TAGS).join(', ')}`);
    if (phones.has(ph.kind))
      fail(`${field}.phones[${i}].kind`, ph.kind, 'is given twice (a contact holds one number of each kind)');
    phones.add(ph.kind);
    text(fail, ph.number, `${field}.phones[${i}].number`);
  });
  const kinds = new Set<string>();
  (c.addresses ?? []).forEach((a, i) => {
    if (!ADDRESS_KINDS.has(a.kind)) fail(`${field}.addresses[${i}].kind`, a.kind, 'is not work, home or other');
    if (kinds.has(a.kind))
      fail(`${field}.addresses[${i}].kind`, a.kind, 'is given twice (a contact holds one address of each kind)');
    kinds.add(a.kind);
  });
  if ((c.addresses ?? []).filter((a) => a.isMailing).length > 1)
    fail(`${field}.addresses`, 'isMailing', 'marks more than one mailing address');
  date(fail, c.birthday, `${field}.birthday`);
}

function task(fail: Fail, t: TaskFields, field: string): void {
  if (t.status !== undefined && !TASK_STATUS.has(t.status))
    fail(`${field}.status`, t.status, 'is not notStarted, inProgress, complete, waiting or deferred');
  if (
    t.percentComplete !== undefined &&
    !(typeof t.percentComplete === 'number' && t.percentComplete >= 0 && t.percentComplete <= 100)
  ) {
    fail(`${field}.percentComplete`, t.percentComplete, 'is not a number from 0 to 100');
  }
  date(fail, t.startDate, `${field}.startDate`);
  date(fail, t.dueDate, `${field}.dueDate`);
  date(fail, t.completedAt, `${field}.completedAt`);
  text(fail, t.owner, `${field}.owner`);
  reminder(fail, t.reminder, `${field}.reminder`);
}

function note(fail: Fail, n: StickyNoteFields, field: string): void {
  if (n.color !== undefined && !NOTE_COLORS.has(n.color))
    fail(`${field}.color`, n.color, 'is not blue, green, pink, yellow or white');
  for (const key of ['width', 'height', 'x', 'y'] as const)
    integer(fail, n[key], `${field}.${key}`, -0x80000000, 0x7fffffff);
}

function distributionList(fail: Fail, d: DistributionListFields, field: string): void {
  if (!Array.isArray(d.members)) fail(`${field}.members`, d.members, 'is not a list');
  d.members.forEach((m, i) => {
    if (typeof m.address !== 'string' || m.address === '')
      fail(`${field}.members[${i}].address`, m.address, 'is not an address');
  });
}

const TYPES = new Set(Object.keys(PROPERTY_TYPE_CODES));

/** Checks carried properties: ids, names and that each value has its type's shape. */
export function extraProperties(fail: Fail, extras: readonly ExtraProperty[] | undefined, field: string): void {
  if (extras === undefined) return;
  extras.forEach((x, i) => {
    const f = `${field}[${i}]`;
    if (x.kind === 'tagged') {
      integer(fail, x.id, `${f}.id`, 0x0001, 0x7fff);
    } else if (x.kind === 'named') {
      if (typeof x.propertySet !== 'string' || canonicalGuid(x.propertySet) === undefined)
        fail(`${f}.propertySet`, x.propertySet, 'is not a GUID');
      if ((x.lid === undefined) === (x.name === undefined))
        fail(f, { lid: x.lid, name: x.name }, 'needs exactly one of lid and name');
      integer(fail, x.lid, `${f}.lid`, 0, 0xffffffff);
      if (x.name !== undefined && (typeof x.name !== 'string' || x.name === ''))
        fail(`${f}.name`, x.name, 'is not a name');
    } else {
      fail(`${f}.kind`, (x as { kind: unknown }).kind, 'is not tagged or named');
    }
    const v = x.value;
    if (typeof v !== 'object' || v === null || !TYPES.has(v.type))
      fail(`${f}.value.type`, v?.type, 'is not a property type the writer stores');
    if (!valueFits(v)) fail(`${f}.value`, v.value, `is not a ${v.type} value`);
  });
}

function valueFits(v: ExtraProperty['value']): boolean {
  const all = (check: (e: unknown) => boolean): boolean =>
    Array.isArray(v.value) && (v.value as unknown[]).every(check);
  switch (v.type) {
    case 'Integer16':
      return Number.isInteger(v.value) && v.value >= -0x8000 && v.value <= 0xffff;
    case 'Integer32':
    case 'ErrorCode':
      return Number.isInteger(v.value) && v.value >= -0x80000000 && v.value <= 0xffffffff;
    case 'Floating32':
    case 'Floating64':
    case 'FloatingTime':
      return typeof v.value === 'number';
    case 'Integer64':
    case 'Currency':
      return typeof v.value === 'bigint';
    case 'Boolean':
      return typeof v.value === 'boolean';
    case 'String':
    case 'String8':
      return typeof v.value === 'string';
    case 'Time':
      return isDate(v.value);
    case 'Guid':
      return v.value instanceof Uint8Array && v.value.length === 16;
    case 'Binary':
      return v.value instanceof Uint8Array;
    case 'MultipleInteger16':
    case 'MultipleInteger32':
      return all((e) => Number.isInteger(e));
    case 'MultipleFloating32':
    case 'MultipleFloating64':
      return all((e) => typeof e === 'number');
    case 'MultipleInteger64':
    case 'MultipleCurrency':
      return all((e) => typeof e === 'bigint');
    case 'MultipleString':
    case 'MultipleString8':
      return all((e) => typeof e === 'string');
    case 'MultipleTime':
      return all(isDate);
    case 'MultipleGuid':
      return all((e) => e instanceof Uint8Array && e.length === 16);
    case 'MultipleBinary':
      return all((e) => e instanceof Uint8Array);
  }
  return false;
}
