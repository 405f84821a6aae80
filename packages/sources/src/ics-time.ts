/**
 * iCalendar times as instants, and VTIMEZONE components as the appointment's time zone ([RFC 5545] §3.3.5, §3.6.5;
 * [MS-OXOCAL] §2.2.1.41 TZRULE).
 *
 * `ical.js` resolves a `TZID` against the VTIMEZONE components of the same file. A file that names a zone it does
 * not define (Google and Apple often leave out VTIMEZONE for IANA ids) is resolved here with the platform's time
 * zone data (`Intl`); a zone neither knows is read as UTC and said in a warning.
 */

import type { AppointmentTimeZone, TimeZoneRule, TimeZoneTransition } from '@pstream/pst';
import type ICAL from 'ical.js';

type Time = InstanceType<typeof ICAL.Time>;
type Component = InstanceType<typeof ICAL.Component>;
type Property = InstanceType<typeof ICAL.Property>;

/**
 * The platform's IANA zones (`Intl`) as one file's TZIDs name them. Made anew for each file: it keeps a formatter
 * for each zone met, since making one costs far more than using it, and nothing of it outlives the file.
 */
export class IanaZones {
  readonly #formats = new Map<string, Intl.DateTimeFormat | null>();
  readonly #ids = new Map<string, string | undefined>();

  #format(id: string): Intl.DateTimeFormat | null {
    let format = this.#formats.get(id);
    if (format === undefined) {
      try {
        format = new Intl.DateTimeFormat('en-US', { timeZone: id, timeZoneName: 'longOffset' });
      } catch {
        format = null;
      }
      this.#formats.set(id, format);
    }
    return format;
  }

  /**
   * The IANA id the platform knows for a TZID: the id itself, or the end of a "globally unique" one (RFC 5545
   * §3.2.19: a TZID starting with `/`, as Mozilla's `/mozilla.org/20050126_1/America/New_York`); undefined if none.
   */
  idOf(tzid: string): string | undefined {
    if (this.#ids.has(tzid)) return this.#ids.get(tzid);
    let id: string | undefined;
    if (this.#format(tzid) !== null) id = tzid;
    else {
      const parts = tzid.split('/').filter((p) => p !== '');
      for (let i = 0; i < parts.length - 1 && id === undefined; i++) {
        const tail = parts.slice(i).join('/');
        if (tail.includes('/') && this.#format(tail) !== null) id = tail;
      }
    }
    this.#ids.set(tzid, id);
    return id;
  }

  /** The offset of a known zone from UTC at the instant `ms`, in milliseconds (east positive), from its name (`GMT+05:30`). */
  #offset(zone: string, ms: number): number {
    const name = this.#format(zone)
      ?.formatToParts(new Date(ms))
      .find((p) => p.type === 'timeZoneName')?.value;
    const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name ?? '');
    if (!m) return 0;
    return (m[1] === '-' ? -1 : 1) * ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
  }

  /** The instant of a wall-clock time in a known zone (the earlier one of a repeated hour, the later side of a gap). */
  fromWallClock(zone: string, wall: number): number {
    const first = wall - this.#offset(zone, wall);
    return wall - this.#offset(zone, first);
  }
}

/** A time's value read as its fields, as if in UTC. */
function wallClock(t: Time): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.isDate ? 0 : t.hour, t.isDate ? 0 : t.minute, t.isDate ? 0 : t.second);
}

/** An instant with how it was found. */
export interface Instant {
  readonly date: Date;
  /** The TZID it was given in, when it was. */
  readonly tzid?: string;
  /** Set when the TZID could not be resolved and the time was read as UTC. */
  readonly unresolved?: string;
}

/**
 * The instant of a DATE-TIME property value: UTC, in a VTIMEZONE of the file, in an IANA zone, or (floating, or an
 * unknown zone) read as UTC. A DATE is its midnight, UTC.
 */
export function instantOf(zones: IanaZones, time: Time, property?: Property): Instant {
  const tzid = property?.getParameter('tzid');
  const id = typeof tzid === 'string' ? tzid : undefined;
  if (time.isDate) return { date: new Date(wallClock(time)), ...(id ? { tzid: id } : {}) };
  const zone = time.zone?.tzid;
  if (zone !== undefined && zone !== 'floating')
    return { date: new Date(time.toUnixTime() * 1000), ...(id ? { tzid: id } : {}) };
  if (id === undefined) return { date: new Date(wallClock(time)) };
  const iana = zones.idOf(id);
  if (iana !== undefined) return { date: new Date(zones.fromWallClock(iana, wallClock(time))), tzid: id };
  return { date: new Date(wallClock(time)), tzid: id, unresolved: id };
}

/** The midnight (UTC) of the day a time falls on where it was given: the form of dates in the task and contact sections. */
export function dayOf(time: Time): Date {
  return new Date(Date.UTC(time.year, time.month - 1, time.day));
}

const WEEKDAY_INDEX: Record<string, number> = { SU: 0, MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6 };

/** Minutes east of UTC of a `TZOFFSETTO`/`TZOFFSETFROM` value. */
function offsetMinutes(component: Component, name: string): number | undefined {
  const value = component.getFirstPropertyValue(name) as { hours: number; minutes: number; factor: number } | null;
  if (value === null || typeof value !== 'object') return undefined;
  return value.factor * (value.hours * 60 + value.minutes);
}

/** The yearly transition of a STANDARD or DAYLIGHT sub-component, in the form of the format's SYSTEMTIME. */
function transitionOf(component: Component): TimeZoneTransition | undefined {
  const start = component.getFirstPropertyValue('dtstart') as Time | null;
  const rule = component.getFirstPropertyValue('rrule') as InstanceType<typeof ICAL.Recur> | null;
  if (start === null || rule === null || rule.freq !== 'YEARLY') return undefined;
  const months = rule.parts.BYMONTH as number[] | undefined;
  const days = rule.parts.BYDAY as string[] | undefined;
  const month = months?.length === 1 ? months[0] : start.month;
  const match = days?.length === 1 ? /^([+-]?\d)?(SU|MO|TU|WE|TH|FR|SA)$/.exec(days[0] ?? '') : undefined;
  if (month === undefined || !match) return undefined;
  const nth = match[1] === undefined ? 1 : Number(match[1]);
  const week = nth === -1 ? 5 : nth;
  if (week < 1 || week > 5) return undefined;
  return { month, week, weekday: WEEKDAY_INDEX[match[2]!] ?? 0, hour: start.hour, minute: start.minute };
}

/** The latest-starting sub-component of a kind: the rule in force now. */
function latest(zone: Component, name: 'standard' | 'daylight'): Component | undefined {
  let best: Component | undefined;
  let bestStart = -Infinity;
  for (const c of zone.getAllSubcomponents(name)) {
    const start = c.getFirstPropertyValue('dtstart') as Time | null;
    const at = start ? wallClock(start) : -Infinity;
    if (at >= bestStart) {
      best = c;
      bestStart = at;
    }
  }
  return best;
}

/**
 * The appointment's time zone from a TZID: its VTIMEZONE's current rule as the format's TZRULE (the latest
 * STANDARD and DAYLIGHT sub-components); an IANA id without one is left to the writer, which derives the rule.
 */
export function appointmentTimeZone(
  zones: IanaZones,
  calendar: Component,
  tzid: string,
): AppointmentTimeZone | undefined {
  const vtimezone = calendar.getAllSubcomponents('vtimezone').find((z) => z.getFirstPropertyValue('tzid') === tzid);
  const iana = zones.idOf(tzid);
  if (vtimezone === undefined) return iana !== undefined ? { id: iana } : undefined;
  const standard = latest(vtimezone, 'standard');
  const daylight = latest(vtimezone, 'daylight');
  const standardOffset = standard
    ? offsetMinutes(standard, 'tzoffsetto')
    : daylight
      ? offsetMinutes(daylight, 'tzoffsetfrom')
      : undefined;
  if (standardOffset === undefined) return iana !== undefined ? { id: iana } : undefined;
  const standardStart = standard ? transitionOf(standard) : undefined;
  const daylightStart = daylight ? transitionOf(daylight) : undefined;
  const daylightOffset = daylight ? offsetMinutes(daylight, 'tzoffsetto') : undefined;
  const years = [standard, daylight].map((c) => (c?.getFirstPropertyValue('dtstart') as Time | null)?.year ?? 1601);
  const rule: TimeZoneRule =
    standardStart && daylightStart && daylightOffset !== undefined
      ? {
          fromYear: Math.max(...years),
          bias: -standardOffset,
          standardBias: 0,
          daylightBias: standardOffset - daylightOffset,
          standardStart,
          daylightStart,
        }
      : { fromYear: Math.max(...years), bias: -standardOffset };
  return { id: tzid, rules: [rule] };
}
