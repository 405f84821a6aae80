/**
 * The items of an iCalendar (`.ics`) file, read with `ical.js` ([RFC 5545]): each VEVENT an appointment
 * (IPM.Appointment, [MS-OXOCAL]), each VTODO a task (IPM.Task, [MS-OXOTASK]); a file may hold several.
 *
 * An event's RRULE becomes the format's recurrence pattern (`recurrenceFromRule`) and its EXDATEs deleted
 * occurrences. A VEVENT with a RECURRENCE-ID (one changed occurrence of a series) becomes an appointment of its own,
 * and its original start a deleted occurrence of the series, so that the calendar shows the occurrence once, as
 * changed. What the format cannot hold — an item with no start, a rule it cannot express, several RRULEs, RDATE —
 * is kept as a plain item holding the original text (`keptAsText`), and the reason is said.
 */

import {
  type AppointmentFields,
  type Attendee,
  type AttendeeResponse,
  type AttendeeRole,
  type BusyStatus,
  type Importance,
  type MailAddress,
  type MessageRecord,
  type RecurrencePattern,
  type RecurrenceRule,
  type Reminder,
  recurrenceFromRule,
  type Sensitivity,
  type TaskFields,
  type TaskStatus,
  type Weekday,
} from '@pstream/pst';
import ICAL from 'ical.js';
import { appointmentTimeZone, dayOf, IanaZones, instantOf } from './ics-time.js';
import { defined, keptAsText, type TextItem } from './text-item.js';

type Component = InstanceType<typeof ICAL.Component>;
type Property = InstanceType<typeof ICAL.Property>;
type Time = InstanceType<typeof ICAL.Time>;
type Recur = InstanceType<typeof ICAL.Recur>;
type Duration = InstanceType<typeof ICAL.Duration>;

const CONTENT_TYPE = 'text/calendar';
const DAY_MS = 86_400_000;

/** The components of a calendar that are items; others (VJOURNAL, VFREEBUSY, …) are kept as plain items holding their text. */
const ITEM_COMPONENTS = new Set(['vevent', 'vtodo']);
const NOT_ITEMS = new Set(['vtimezone']);

/** Counts of the item components in an .ics text, without parsing it (for a folder's class). */
export function icsItemKinds(text: string): { appointments: number; tasks: number; others: number } {
  const count = (re: RegExp): number => text.match(re)?.length ?? 0;
  return {
    appointments: count(/^BEGIN:VEVENT\s*$/gim),
    tasks: count(/^BEGIN:VTODO\s*$/gim),
    others: count(/^BEGIN:V(JOURNAL|FREEBUSY)\s*$/gim),
  };
}

/** A component directly inside a VCALENDAR: its name (lower case) and where its text is in the file. */
interface RawComponent {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Where each component directly inside a VCALENDAR is in the text, in order, and the calendars' own lines. Only the
 * BEGIN and END lines are looked at, and the components are kept as places in the text, so that a large file is
 * not copied into a line array.
 */
function rawComponents(text: string): { head: string[]; components: RawComponent[] } {
  const head: string[] = [];
  const components: RawComponent[] = [];
  const marks = /^(BEGIN|END):([^\r\n]*?)[ \t]*(?:\r\n|\n|\r|$)/gim;
  let depth = 0;
  let open: { name: string; start: number } | undefined;
  // The text of a calendar's own lines runs from the end of the last mark at depth 1 to the next mark.
  let headFrom = -1;
  for (let m = marks.exec(text); m !== null; m = marks.exec(text)) {
    const begin = m[1]!.toUpperCase() === 'BEGIN';
    if (depth === 1 && headFrom >= 0) for (const line of linesOf(text.slice(headFrom, m.index))) head.push(line);
    if (begin) {
      depth++;
      if (depth === 2) open = { name: m[2]!.toLowerCase(), start: m.index };
    } else {
      if (depth === 2 && open) {
        components.push({ name: open.name, start: open.start, end: m.index + m[0].replace(/[\r\n]+$/, '').length });
        open = undefined;
      }
      depth = Math.max(0, depth - 1);
    }
    headFrom = depth === 1 ? marks.lastIndex : -1;
  }
  // A component the file breaks off in is one too: the parser refuses it, and it is kept as text.
  if (open) components.push({ name: open.name, start: open.start, end: text.length });
  return { head, components };
}

/** The non-empty lines of a text. */
function linesOf(text: string): string[] {
  return text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '');
}

/** The text of one component standing alone: the calendar's own lines, its time zones, the component. */
function standalone(head: readonly string[], zones: readonly string[], component: string): string {
  return ['BEGIN:VCALENDAR', ...head, ...zones, component, 'END:VCALENDAR', ''].join('\r\n');
}

function text(component: Component, name: string): string | undefined {
  const v = component.getFirstPropertyValue(name);
  if (v === null || v === undefined) return undefined;
  const s = (Array.isArray(v) ? v.join(', ') : String(v)).trim();
  return s === '' ? undefined : s;
}

function timeOf(component: Component, name: string): { time: Time; property: Property } | undefined {
  const property = component.getFirstProperty(name);
  const time = property?.getFirstValue() as Time | null | undefined;
  if (!property || !time || typeof time !== 'object' || !('isDate' in time)) return undefined;
  return { time, property };
}

/** A `mailto:` value and its CN as an address. */
function address(property: Property): MailAddress | undefined {
  const value = String(property.getFirstValue() ?? '').trim();
  const addr = value.replace(/^mailto:/i, '').trim();
  const cn = property.getParameter('cn');
  const name = typeof cn === 'string' && cn.trim() !== '' ? cn.trim() : undefined;
  if (addr === '' && name === undefined) return undefined;
  return { ...(name !== undefined && name !== addr ? { name } : {}), ...(addr !== '' ? { address: addr } : {}) };
}

function param(property: Property, name: string): string | undefined {
  const v = property.getParameter(name);
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.toUpperCase() : undefined;
}

const ROLES: Record<string, AttendeeRole> = {
  'REQ-PARTICIPANT': 'required',
  CHAIR: 'required',
  'OPT-PARTICIPANT': 'optional',
  'NON-PARTICIPANT': 'optional',
};
const RESPONSES: Record<string, AttendeeResponse> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
  'NEEDS-ACTION': 'notResponded',
};

function attendees(component: Component): Attendee[] {
  const out: Attendee[] = [];
  for (const p of component.getAllProperties('attendee')) {
    const a = address(p);
    if (!a) continue;
    const cutype = param(p, 'cutype');
    const role =
      cutype === 'ROOM' || cutype === 'RESOURCE'
        ? 'resource'
        : (ROLES[param(p, 'role') ?? 'REQ-PARTICIPANT'] ?? 'required');
    const response = RESPONSES[param(p, 'partstat') ?? ''];
    out.push({ ...a, role, ...(response ? { response } : {}) });
  }
  return out;
}

const BUSY: Record<string, BusyStatus> = {
  FREE: 'free',
  TENTATIVE: 'tentative',
  BUSY: 'busy',
  OOF: 'outOfOffice',
  WORKINGELSEWHERE: 'workingElsewhere',
};

/** X-MICROSOFT-CDO-BUSYSTATUS (Outlook's own), else TRANSP: TRANSPARENT is free time. */
function busyStatus(component: Component): BusyStatus | undefined {
  const cdo = text(component, 'x-microsoft-cdo-busystatus')?.toUpperCase();
  if (cdo !== undefined && BUSY[cdo]) return BUSY[cdo];
  const transp = text(component, 'transp')?.toUpperCase();
  if (transp === 'TRANSPARENT') return 'free';
  if (transp === 'OPAQUE') return 'busy';
  return undefined;
}

/** The first VALARM's lead time before `anchor` (the start, or a task's due date), in whole minutes. */
function reminder(component: Component, anchor: Date | undefined): Reminder | undefined {
  for (const alarm of component.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    const value = trigger?.getFirstValue() as Duration | Time | null | undefined;
    if (!trigger || !value) continue;
    if ('toSeconds' in value) {
      if (param(trigger, 'related') === 'END') continue;
      return { set: true, minutesBefore: Math.max(0, Math.round(-value.toSeconds() / 60)) };
    }
    if (anchor !== undefined && 'toUnixTime' in value)
      return {
        set: true,
        minutesBefore: Math.max(0, Math.round((anchor.getTime() - value.toUnixTime() * 1000) / 60000)),
      };
  }
  return undefined;
}

function importance(component: Component): Importance | undefined {
  const p = Number(component.getFirstPropertyValue('priority') ?? 0);
  if (!Number.isInteger(p) || p === 0) return undefined;
  return p < 5 ? 'high' : p === 5 ? 'normal' : 'low';
}

function sensitivity(component: Component): Sensitivity | undefined {
  const c = text(component, 'class')?.toUpperCase();
  return c === 'PRIVATE' ? 'private' : c === 'CONFIDENTIAL' ? 'confidential' : undefined;
}

function categories(component: Component): string[] | undefined {
  const out = component.getAllProperties('categories').flatMap((p) => p.getValues().map((v) => String(v).trim()));
  return out.length ? out.filter((c) => c !== '') : undefined;
}

/** The fields every item kind shares: subject, body (DESCRIPTION, X-ALT-DESC as HTML), dates, class and priority. */
function common(zones: IanaZones, component: Component): Omit<MessageRecord, 'messageClass'> {
  const html = component
    .getAllProperties('x-alt-desc')
    .find((p) => /text\/html/i.test(String(p.getParameter('fmttype') ?? '')));
  const created = timeOf(component, 'created');
  const modified = timeOf(component, 'last-modified') ?? timeOf(component, 'dtstamp');
  return defined({
    subject: text(component, 'summary') ?? '',
    body: text(component, 'description'),
    html: html ? String(html.getFirstValue() ?? '') || undefined : undefined,
    createdAt: created ? instantOf(zones, created.time, created.property).date : undefined,
    modifiedAt: modified ? instantOf(zones, modified.time, modified.property).date : undefined,
    importance: importance(component),
    sensitivity: sensitivity(component),
    categories: categories(component),
  });
}

/** Why an item cannot be stored as its kind. */
class NotStorable extends Error {}

function ruleOf(recur: Recur, until: Date | undefined): RecurrenceRule {
  const parts = recur.parts as Record<string, Array<string | number> | undefined>;
  const nums = (key: string): number[] | undefined => parts[key]?.map(Number);
  const byDay = parts.BYDAY?.map((d) => {
    const m = /^([+-]?\d+)?(SU|MO|TU|WE|TH|FR|SA)$/i.exec(String(d));
    if (!m) throw new NotStorable(`the RRULE's BYDAY ${String(d)} is not a day`);
    return { day: m[2]!.toUpperCase() as Weekday, ...(m[1] !== undefined ? { nth: Number(m[1]) } : {}) };
  });
  const wkst =
    recur.wkst !== undefined ? (['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const)[recur.wkst - 1] : undefined;
  return defined({
    freq: recur.freq ?? '',
    interval: recur.interval,
    count: recur.count ?? undefined,
    until,
    byDay,
    byMonthDay: nums('BYMONTHDAY'),
    byMonth: nums('BYMONTH'),
    bySetPos: nums('BYSETPOS'),
    byYearDay: nums('BYYEARDAY'),
    byWeekNo: nums('BYWEEKNO'),
    byHour: nums('BYHOUR'),
    byMinute: nums('BYMINUTE'),
    bySecond: nums('BYSECOND'),
    wkst,
  });
}

/** The pattern of an event's RRULE and EXDATEs (and the changed occurrences of `overridden`), or why there is none. */
function recurrence(zones: IanaZones, event: Component, overridden: readonly Date[]): RecurrencePattern | undefined {
  const rules = event.getAllProperties('rrule');
  if (rules.length === 0) return undefined;
  if (rules.length > 1) throw new NotStorable('it has more than one RRULE');
  if (event.getAllProperties('rdate').length > 0)
    throw new NotStorable('it has RDATE occurrences, which the format cannot list');
  const recur = rules[0]!.getFirstValue() as Recur;
  const dtstart = timeOf(event, 'dtstart');
  let until: Date | undefined;
  if (recur.until) {
    // UNTIL as a DATE means through that day; a floating DATE-TIME is in the start's zone.
    if (recur.until.isDate)
      until = new Date(Date.UTC(recur.until.year, recur.until.month - 1, recur.until.day) + DAY_MS - 1);
    else if (recur.until.zone?.tzid === 'UTC' || !dtstart) until = instantOf(zones, recur.until).date;
    else {
      // RFC 5545 §3.3.10: a local UNTIL is in DTSTART's zone.
      const local = recur.until.clone();
      local.zone = dtstart.time.zone;
      until = instantOf(zones, local, dtstart.property).date;
    }
  }
  // DTSTART's own month and day (in its zone): a rule that takes a 29th-31st from it has no equivalent.
  const startDay = dtstart ? { month: dtstart.time.month, day: dtstart.time.day } : undefined;
  const pattern = recurrenceFromRule(ruleOf(recur, until), startDay);
  if ('unsupported' in pattern) throw new NotStorable(`its RRULE cannot be expressed: ${pattern.unsupported}`);
  const deleted = [...overridden];
  for (const p of event.getAllProperties('exdate')) {
    for (const v of p.getValues() as Time[]) deleted.push(instantOf(zones, v, p).date);
  }
  return deleted.length
    ? { ...pattern, deletedOccurrences: deleted.sort((a, b) => a.getTime() - b.getTime()) }
    : pattern;
}

function appointment(
  zones: IanaZones,
  calendar: Component,
  event: Component,
  overridden: readonly Date[],
  warnings: string[],
): MessageRecord {
  const dtstart = timeOf(event, 'dtstart');
  if (!dtstart) throw new NotStorable('it has no start (DTSTART)');
  const start = instantOf(zones, dtstart.time, dtstart.property);
  if (start.unresolved)
    warnings.push(`time zone "${start.unresolved}" is neither in the file nor known; its times are read as UTC`);
  const allDay = dtstart.time.isDate;
  let end: Date;
  const dtend = timeOf(event, 'dtend');
  const duration = event.getFirstPropertyValue('duration') as Duration | null;
  if (dtend) end = instantOf(zones, dtend.time, dtend.property).date;
  else if (duration && 'toSeconds' in duration) end = new Date(start.date.getTime() + duration.toSeconds() * 1000);
  // RFC 5545 §3.6.1: without DTEND or DURATION an all-day event takes its day, a timed one no time.
  else end = new Date(start.date.getTime() + (allDay ? DAY_MS : 0));
  if (end.getTime() < start.date.getTime()) {
    warnings.push(`its end ${end.toISOString()} is before its start; the end is taken as the start`);
    end = start.date;
  }
  const organizerProperty = event.getFirstProperty('organizer');
  const organizer = organizerProperty ? address(organizerProperty) : undefined;
  const pattern = recurrence(zones, event, overridden);
  const timeZone =
    start.tzid !== undefined && !start.unresolved ? appointmentTimeZone(zones, calendar, start.tzid) : undefined;
  const fields: AppointmentFields = defined({
    start: start.date,
    end,
    allDay: allDay || undefined,
    timeZone,
    location: text(event, 'location'),
    recurrence: pattern,
    organizer,
    attendees: attendees(event),
    busyStatus: busyStatus(event),
    reminder: reminder(event, start.date),
  });
  return {
    messageClass: 'IPM.Appointment',
    ...common(zones, event),
    ...(organizer ? { from: organizer } : {}),
    appointment: fields,
  };
}

const TASK_STATUS: Record<string, TaskStatus> = {
  'NEEDS-ACTION': 'notStarted',
  'IN-PROCESS': 'inProgress',
  COMPLETED: 'complete',
  CANCELLED: 'deferred',
};

function task(zones: IanaZones, todo: Component): MessageRecord {
  const start = timeOf(todo, 'dtstart');
  const due = timeOf(todo, 'due');
  const completed = timeOf(todo, 'completed');
  const percent = Number(todo.getFirstPropertyValue('percent-complete') ?? Number.NaN);
  const dueDate = due ? instantOf(zones, due.time, due.property).date : undefined;
  const fields: TaskFields = defined({
    status: TASK_STATUS[text(todo, 'status')?.toUpperCase() ?? ''],
    percentComplete: Number.isFinite(percent) ? Math.min(100, Math.max(0, Math.round(percent))) : undefined,
    startDate: start ? dayOf(start.time) : undefined,
    dueDate: due ? dayOf(due.time) : undefined,
    completedAt: completed ? instantOf(zones, completed.time, completed.property).date : undefined,
    reminder: reminder(todo, dueDate),
  });
  return { messageClass: 'IPM.Task', ...common(zones, todo), task: fields };
}

/** The time of a RECURRENCE-ID as an instant, and the UID it belongs to. */
function overrideOf(zones: IanaZones, event: Component): { uid: string; at: Date } | undefined {
  const rid = timeOf(event, 'recurrence-id');
  const uid = text(event, 'uid');
  if (!rid || uid === undefined) return undefined;
  return { uid, at: instantOf(zones, rid.time, rid.property).date };
}

/** Physical lines joined into logical ones (RFC 5545 §3.1 folding). */
function unfold(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && out.length > 0) out[out.length - 1] += line.slice(1);
    else out.push(line);
  }
  return out;
}

/** The value of the first logical line named `name` of a component's raw lines. */
function rawValue(lines: readonly string[], name: string): string | undefined {
  const re = new RegExp(`^${name}[;:]`, 'i');
  const line = lines.find((l) => re.test(l));
  return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).trim();
}

/**
 * Every item of an .ics file, one at a time. `fileName` names the file in labels and attachments. Each component is
 * parsed on its own, with the calendar's time zones, so that a large file never holds the event loop for more than
 * one item and a component `ical.js` cannot read spoils no other; a file that holds no component and cannot be
 * parsed is one plain item holding the whole text.
 */
export function* icsItems(fileText: string, fileName: string): Generator<TextItem> {
  // Lines ended by CR alone (classic Mac OS) are lines to this reader, not to ical.js.
  const source = /\r(?!\n)/.test(fileText) ? fileText.replace(/\r\n|\r|\n/g, '\r\n') : fileText;
  const raw = rawComponents(source);
  if (raw.components.length === 0) {
    try {
      ICAL.parse(source);
    } catch (error) {
      const reason = `the file is not readable iCalendar (${error instanceof Error ? error.message : String(error)})`;
      yield {
        record: keptAsText({
          subject: fileName,
          kind: 'calendar file',
          reason,
          text: source,
          fileName,
          contentType: CONTENT_TYPE,
        }),
        text: source,
        label: fileName,
        warnings: [],
        keptAsText: reason,
      };
    }
    return;
  }
  const zones = new IanaZones();
  const zoneTexts = raw.components.filter((c) => c.name === 'vtimezone').map((c) => source.slice(c.start, c.end));
  const parse = (componentText: string): { calendar: Component; component: Component } => {
    const calendar = new ICAL.Component(ICAL.parse(standalone(raw.head, zoneTexts, componentText)) as unknown[]);
    const component = calendar.getAllSubcomponents().find((c) => c.name !== 'vtimezone');
    if (component === undefined) throw new NotStorable('the component is empty');
    return { calendar, component };
  };
  // Changed occurrences, by the UID of their series: deleted from the series, stored on their own.
  const overrides = new Map<string, Date[]>();
  const series = new Set<string>();
  for (const c of raw.components) {
    if (c.name !== 'vevent') continue;
    const componentText = source.slice(c.start, c.end);
    const lines = unfold(componentText.split(/\r\n|\n|\r/));
    const uid = rawValue(lines, 'UID');
    if (uid === undefined) continue;
    if (rawValue(lines, 'RECURRENCE-ID') === undefined) {
      if (rawValue(lines, 'RRULE') !== undefined) series.add(uid);
      continue;
    }
    try {
      const o = overrideOf(zones, parse(componentText).component);
      if (o) overrides.set(o.uid, [...(overrides.get(o.uid) ?? []), o.at]);
    } catch {
      // Read again below, where it is kept as text with the reason.
    }
  }
  const counts = new Map<string, number>();
  for (const c of raw.components) {
    if (NOT_ITEMS.has(c.name)) continue;
    const n = (counts.get(c.name) ?? 0) + 1;
    counts.set(c.name, n);
    const label = `${c.name.toUpperCase()} ${n}`;
    const componentText = source.slice(c.start, c.end);
    const itemText = standalone(raw.head, zoneTexts, componentText);
    const summary = rawValue(unfold(componentText.split(/\r\n|\n|\r/)), 'SUMMARY');
    const kept = (kind: string, reason: string, warnings: string[] = []): TextItem => ({
      record: keptAsText({
        subject: summary || `${label} of ${fileName}`,
        kind,
        reason,
        text: itemText,
        fileName: `${kind.replace(/ /g, '-')}-${n}.ics`,
        contentType: CONTENT_TYPE,
      }),
      text: itemText,
      label,
      warnings,
      keptAsText: reason,
    });
    if (!ITEM_COMPONENTS.has(c.name)) {
      yield kept('calendar item', `a ${c.name.toUpperCase()} is no item kind the format holds`);
      continue;
    }
    const kind = c.name === 'vevent' ? 'event' : 'task';
    const warnings: string[] = [];
    try {
      const { calendar, component } = parse(componentText);
      let record: MessageRecord;
      if (c.name === 'vevent') {
        const uid = text(component, 'uid');
        const isOverride = component.getFirstProperty('recurrence-id') !== null;
        record = appointment(
          zones,
          calendar,
          component,
          !isOverride && uid !== undefined ? (overrides.get(uid) ?? []) : [],
          warnings,
        );
        if (isOverride && (uid === undefined || !series.has(uid)))
          warnings.push(
            'a changed occurrence (RECURRENCE-ID) whose series is not in the file; stored as an appointment of its own',
          );
      } else record = task(zones, component);
      yield { record, text: itemText, label, warnings };
    } catch (error) {
      // A component or value ical.js cannot read (a malformed date) is kept as text as well.
      yield kept(
        kind,
        error instanceof NotStorable
          ? error.message
          : `it cannot be read (${error instanceof Error ? error.message : String(error)})`,
        warnings,
      );
    }
  }
}
