/**
 * PidLidAppointmentRecur — [MS-OXOCAL] §2.2.1.44.5 AppointmentRecurrencePattern, which begins with the §2.2.1.44.1
 * RecurrencePattern: the series' form, its first and last day and its deleted occurrences, all in local time (days as
 * minutes since 1601-01-01 at midnight), then the time of day of the occurrences. No exceptions (modified occurrences)
 * are written.
 */
import type { RecurrencePattern, Weekday } from './recurrence.js';
import { WEEKDAYS } from './recurrence.js';
import { fromLocal, type ResolvedZone, toLocal } from './time-zone.js';
import { PstInputError } from './validate.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Days from 1601-01-01 to 1970-01-01. */
const DAYS_1601_TO_1970 = 134_774;
/** EndDate of a series without end: 4500-08-31 23:59 (0x5AE980DF minutes). */
const NO_END_DATE = 0x5ae980df;
const NO_END_UTC = Date.UTC(4500, 7, 31, 23, 59);
/** The most occurrences counted to find a series' last day. */
const MAX_OCCURRENCES = 999_999;

const RecurFrequency = { daily: 0x200a, weekly: 0x200b, monthly: 0x200c, yearly: 0x200d } as const;
const PatternType = { Day: 0x0000, Week: 0x0001, Month: 0x0002, MonthNth: 0x0003 } as const;
const EndType = { AfterDate: 0x2021, AfterCount: 0x2022, Never: 0x2023 } as const;

/** PidLidRecurrenceType — [MS-OXOCAL] §2.2.1.45: 1 daily, 2 weekly, 3 monthly, 4 yearly. */
export const RECURRENCE_TYPE = { daily: 1, weekly: 2, monthly: 3, yearly: 4 } as const;

/** A recurring appointment's pattern, resolved against its start and time zone. */
export interface RecurrenceLayout {
  /** The blob of PidLidAppointmentRecur. */
  readonly blob: Uint8Array;
  /** PidLidClipStart: midnight of the first day, local time, as UTC. */
  readonly clipStart: Date;
  /** PidLidClipEnd: midnight of the last day, local time, as UTC; 4500-08-31 23:59 for a series without end. */
  readonly clipEnd: Date;
  /** PidLidRecurrencePattern: the series in words. */
  readonly description: string;
}

function dayMinutes(day: number): number {
  return (day + DAYS_1601_TO_1970) * 1440;
}

function weekday(day: number): number {
  return (day + 4) % 7; // 1970-01-01 was a Thursday
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The occurrence days (local day numbers) of a monthly or yearly pattern from `first`, in order, up to 4500. */
function* monthlyOccurrenceDays(
  p: Required<Pick<RecurrencePattern, 'frequency' | 'interval'>> & RecurrencePattern,
  first: number,
  mask: number,
): Generator<number> {
  const start = new Date(first * DAY);
  const step = p.frequency === 'yearly' ? 12 * p.interval : p.interval;
  let year = start.getUTCFullYear();
  let month0 = p.frequency === 'yearly' && p.month !== undefined ? p.month - 1 : start.getUTCMonth();
  if (p.frequency === 'yearly' && month0 < start.getUTCMonth()) year++;
  for (;;) {
    const length = daysInMonth(year, month0);
    const monthStart = Date.UTC(year, month0, 1) / DAY;
    let d: number | undefined;
    if (p.weekOfMonth !== undefined) {
      const matching: number[] = [];
      for (let i = 0; i < length; i++) if (mask & (1 << weekday(monthStart + i))) matching.push(monthStart + i);
      d = p.weekOfMonth === 5 ? matching[matching.length - 1] : matching[p.weekOfMonth - 1];
    } else {
      d = monthStart + Math.min(p.dayOfMonth ?? start.getUTCDate(), length) - 1;
    }
    if (d !== undefined && d >= first) yield d;
    month0 += step;
    year += Math.floor(month0 / 12);
    month0 %= 12;
    if (year > 4500) return;
  }
}

/**
 * The number of occurrences from `first` up to `limit` of them or up to the day `lastAllowed`, and the last one's day.
 * Daily series are counted arithmetically and weekly ones a week at a time, so that a long series (999,999
 * occurrences, or an end in the year 4500) does not hold the event loop.
 */
function countOccurrences(
  p: Parameters<typeof monthlyOccurrenceDays>[0],
  first: number,
  fdow: number,
  mask: number,
  limit: number,
  lastAllowed: number,
): { n: number; last: number | undefined } {
  if (p.frequency === 'daily') {
    if (lastAllowed < first) return { n: 0, last: undefined };
    const n = Math.min(limit, Math.floor((Math.min(lastAllowed, first + limit * p.interval) - first) / p.interval) + 1);
    return { n, last: first + (n - 1) * p.interval };
  }
  let n = 0;
  let last: number | undefined;
  if (p.frequency === 'weekly') {
    const perWeek = [...WEEKDAYS.keys()].filter((i) => mask & (1 << i)).length;
    for (let w = first - ((weekday(first) - fdow + 7) % 7); w <= lastAllowed && n < limit; w += 7 * p.interval) {
      // A whole week within the bounds, after the first one: its days at once.
      if (w > first && w + 6 <= lastAllowed && n + perWeek <= limit) {
        n += perWeek;
        for (let i = 6; i >= 0; i--) {
          if (mask & (1 << weekday(w + i))) {
            last = w + i;
            break;
          }
        }
        continue;
      }
      for (let i = 0; i < 7 && n < limit; i++) {
        const d = w + i;
        if (d >= first && d <= lastAllowed && mask & (1 << weekday(d))) {
          n++;
          last = d;
        }
      }
    }
    return { n, last };
  }
  for (const d of monthlyOccurrenceDays(p, first, mask)) {
    if (d > lastAllowed || n >= limit) break;
    n++;
    last = d;
  }
  return { n, last };
}

function maskOf(days: readonly Weekday[]): number {
  let mask = 0;
  for (const d of days) mask |= 1 << WEEKDAYS.indexOf(d);
  return mask;
}

/** Lays out the recurrence of an appointment starting at `start` (UTC) for `durationMinutes`, in `zone`. */
export function recurrenceLayout(
  pattern: RecurrencePattern,
  start: Date,
  durationMinutes: number,
  zone: ResolvedZone,
  field: string,
): RecurrenceLayout {
  const localStart = toLocal(zone, start.getTime());
  const first = Math.floor(localStart / DAY);
  const startOffset = Math.round((localStart - first * DAY) / MINUTE);
  const interval = pattern.interval ?? 1;
  const fdow = WEEKDAYS.indexOf(pattern.firstDayOfWeek ?? 'SU');
  const startDate = new Date(first * DAY);
  const days = pattern.weekdays && pattern.weekdays.length > 0 ? pattern.weekdays : [WEEKDAYS[weekday(first)]!];
  const mask = maskOf(days);
  const full = { ...pattern, interval, month: pattern.month ?? startDate.getUTCMonth() + 1 };

  // The last day and the count: by counting occurrences (at most MAX_OCCURRENCES).
  let endType: number = EndType.Never;
  let count = 10; // what Outlook stores for a series without end
  let lastDay: number | undefined;
  // An end after the format's own "no end" date (4500-08-31) is no end.
  const until = pattern.until !== undefined && pattern.until.getTime() < NO_END_UTC ? pattern.until : undefined;
  if (pattern.count !== undefined || until !== undefined) {
    const untilLocal = until !== undefined ? toLocal(zone, until.getTime()) : undefined;
    // The last day an occurrence may fall on: its start (the day plus the start's time of day) not after UNTIL.
    const lastAllowed =
      untilLocal !== undefined ? Math.floor((untilLocal - startOffset * MINUTE) / DAY) : Number.POSITIVE_INFINITY;
    const counted = countOccurrences(full, first, fdow, mask, pattern.count ?? MAX_OCCURRENCES + 1, lastAllowed);
    if (counted.n > MAX_OCCURRENCES)
      throw new PstInputError(
        `${field}.until`,
        pattern.until,
        `allows more than ${MAX_OCCURRENCES} occurrences, which the format cannot count`,
      );
    lastDay = counted.last;
    const n = counted.n;
    if (lastDay === undefined) {
      if (pattern.count !== undefined)
        throw new PstInputError(`${field}.count`, pattern.count, 'gives occurrences after 4500, where the format ends');
      throw new PstInputError(`${field}.until`, pattern.until, 'is before the first occurrence');
    }
    endType = pattern.count !== undefined ? EndType.AfterCount : EndType.AfterDate;
    count = n;
  }

  let frequency: number = RecurFrequency[pattern.frequency];
  let type: number;
  let period: number;
  let firstDateTime: number;
  const specific: number[] = [];
  if (pattern.frequency === 'daily') {
    type = PatternType.Day;
    period = interval * 1440;
    firstDateTime = dayMinutes(first) % period;
  } else if (pattern.frequency === 'weekly') {
    type = PatternType.Week;
    period = interval;
    const weekStart = first - ((weekday(first) - fdow + 7) % 7);
    firstDateTime = dayMinutes(weekStart) % (interval * 10080);
    specific.push(mask);
  } else {
    // Monthly and yearly: the first day of the month the series starts in, modulo the period in months, as minutes.
    period = pattern.frequency === 'yearly' ? 12 * interval : interval;
    const startYear =
      pattern.frequency === 'yearly' && full.month - 1 < startDate.getUTCMonth()
        ? startDate.getUTCFullYear() + 1
        : startDate.getUTCFullYear();
    const startMonth0 = pattern.frequency === 'yearly' ? full.month - 1 : startDate.getUTCMonth();
    const months = (startYear - 1601) * 12 + startMonth0;
    firstDateTime = (Date.UTC(1601, months % period, 1) - Date.UTC(1601, 0, 1)) / MINUTE;
    if (pattern.weekOfMonth !== undefined) {
      type = PatternType.MonthNth;
      specific.push(mask, pattern.weekOfMonth);
    } else {
      type = PatternType.Month;
      specific.push(pattern.dayOfMonth ?? startDate.getUTCDate());
    }
  }
  if (pattern.frequency === 'yearly') frequency = RecurFrequency.yearly;

  const deleted = [
    ...new Set((pattern.deletedOccurrences ?? []).map((d) => dayMinutes(Math.floor(toLocal(zone, d.getTime()) / DAY)))),
  ].sort((a, b) => a - b);
  const words: number[] = [];
  const u16 = (v: number): void => void words.push(-1 - v); // marked as 16-bit (see the encoding below)
  const u32 = (v: number): void => void words.push(v >>> 0);
  // RecurrencePattern — §2.2.1.44.1.
  u16(0x3004); // ReaderVersion
  u16(0x3004); // WriterVersion
  u16(frequency);
  u16(type);
  u16(0); // CalendarType: Gregorian
  u32(firstDateTime);
  u32(period);
  u32(0); // SlidingFlag
  for (const v of specific) u32(v);
  u32(endType);
  u32(count);
  u32(fdow);
  u32(deleted.length);
  for (const d of deleted) u32(d);
  u32(0); // ModifiedInstanceCount
  u32(dayMinutes(first)); // StartDate
  u32(lastDay !== undefined ? dayMinutes(lastDay) : NO_END_DATE); // EndDate
  // AppointmentRecurrencePattern — §2.2.1.44.5.
  u32(0x3006); // ReaderVersion2
  u32(0x3008); // WriterVersion2
  u32(startOffset); // StartTimeOffset
  u32(startOffset + durationMinutes); // EndTimeOffset
  u16(0); // ExceptionCount
  u32(0); // ReservedBlock1Size
  u32(0); // ReservedBlock2Size

  const size = words.reduce((n, w) => n + (w < 0 ? 2 : 4), 0);
  const blob = new Uint8Array(size);
  const view = new DataView(blob.buffer);
  let at = 0;
  for (const w of words) {
    if (w < 0) {
      view.setUint16(at, -1 - w, true);
      at += 2;
    } else {
      view.setUint32(at, w, true);
      at += 4;
    }
  }
  return {
    blob,
    clipStart: new Date(fromLocal(zone, first * DAY)),
    clipEnd: lastDay !== undefined ? new Date(fromLocal(zone, lastDay * DAY)) : new Date(NO_END_UTC),
    description: describe(pattern, interval, days, startDate),
  };
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ORDINALS = ['first', 'second', 'third', 'fourth', 'last'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** The series in words, as Outlook shows it in PidLidRecurrencePattern. */
function describe(p: RecurrencePattern, interval: number, days: readonly Weekday[], start: Date): string {
  const dayList = days.map((d) => DAY_NAMES[WEEKDAYS.indexOf(d)]).join(', ');
  const every = (unit: string): string => (interval === 1 ? `every ${unit}` : `every ${interval} ${unit}s`);
  const nth =
    p.weekOfMonth !== undefined
      ? `the ${ORDINALS[p.weekOfMonth - 1]} ${dayList}`
      : `day ${p.dayOfMonth ?? start.getUTCDate()}`;
  switch (p.frequency) {
    case 'daily':
      return `Occurs ${every('day')}`;
    case 'weekly':
      return `Occurs ${every('week')} on ${dayList}`;
    case 'monthly':
      return `Occurs ${nth} of ${every('month')}`;
    case 'yearly':
      return `Occurs ${every('year')} on ${nth} of ${MONTH_NAMES[(p.month ?? start.getUTCMonth() + 1) - 1]}`;
  }
}
