/**
 * Recurrence of an appointment: the patterns the format can express — [MS-OXOCAL] §2.2.1.44.1 RecurrencePattern
 * (PatternType Day, Week, Month, MonthNth, MonthEnd; RecurFrequency Daily, Weekly, Monthly, Yearly) — and the
 * conversion from an iCalendar RRULE ([RFC 5545] §3.3.10) into one, which says why when a rule has no equivalent so
 * that a source can keep the item as a plain one instead.
 */

/** A day of the week, as RRULE spells it. */
export type Weekday = 'SU' | 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA';

/** The days in the order of the format's day bits (Sunday = bit 0). */
export const WEEKDAYS: readonly Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/**
 * A recurrence the format can express, in the appointment's time zone. [PidLidAppointmentRecur, PidLidRecurring,
 * PidLidRecurrenceType, PidLidRecurrencePattern, PidLidClipStart / PidLidClipEnd]
 *
 * The first occurrence is the appointment's own `start`/`end`. The forms:
 * - `daily`: every `interval` days;
 * - `weekly`: every `interval` weeks on `weekdays` (the start's weekday when absent);
 * - `monthly`: every `interval` months on `dayOfMonth` (the start's day when absent; 31 means the month's last day),
 *   or, with `weekOfMonth`, on the `weekOfMonth`-th of `weekdays` (5 = the last);
 * - `yearly`: every `interval` years in `month` (the start's month when absent) on `dayOfMonth`, or with
 *   `weekOfMonth` on the `weekOfMonth`-th of `weekdays`.
 * At most one of `count` and `until`; neither means no end.
 */
export interface RecurrencePattern {
  readonly frequency: 'daily' | 'weekly' | 'monthly' | 'yearly';
  /** In units of `frequency`, 1..999 (the format's limit); 1 when absent. */
  readonly interval?: number;
  /** `weekly`: the days of the week; `monthly`/`yearly` with `weekOfMonth`: the days counted. */
  readonly weekdays?: readonly Weekday[];
  /** `monthly`/`yearly`: the `weekOfMonth`-th matching day, 1..4, or 5 for the last. */
  readonly weekOfMonth?: 1 | 2 | 3 | 4 | 5;
  /** `monthly`/`yearly` without `weekOfMonth`: 1..31; 31 is the last day of every month. */
  readonly dayOfMonth?: number;
  /** `yearly`: 1..12. */
  readonly month?: number;
  /** Number of occurrences, 1..999 999. [EndType 0x2022, OccurrenceCount] */
  readonly count?: number;
  /** No occurrence starts after this instant (RRULE UNTIL, inclusive). [EndType 0x2021, EndDate] */
  readonly until?: Date;
  /** The first day of the week for `weekly` with an interval above 1 (RRULE WKST); `SU` when absent. */
  readonly firstDayOfWeek?: Weekday;
  /** The original starts (UTC) of deleted occurrences (iCalendar EXDATE). [DeletedInstanceDates] */
  readonly deletedOccurrences?: readonly Date[];
}

/** An RRULE's parts as a parser gives them ([RFC 5545] §3.3.10); values as in the text, `until` as an instant. */
export interface RecurrenceRule {
  /** SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY (any case). */
  readonly freq: string;
  readonly interval?: number;
  readonly count?: number;
  readonly until?: Date;
  /** BYDAY: e.g. `{ day: 'TU', nth: 2 }` for 2TU, `{ day: 'FR', nth: -1 }` for -1FR, `{ day: 'MO' }` for MO. */
  readonly byDay?: readonly { readonly day: Weekday; readonly nth?: number }[];
  readonly byMonthDay?: readonly number[];
  readonly byMonth?: readonly number[];
  readonly bySetPos?: readonly number[];
  readonly byYearDay?: readonly number[];
  readonly byWeekNo?: readonly number[];
  readonly byHour?: readonly number[];
  readonly byMinute?: readonly number[];
  readonly bySecond?: readonly number[];
  readonly wkst?: Weekday;
}

/** Why a rule has no equivalent in the format. */
export interface UnsupportedRecurrence {
  readonly unsupported: string;
}

const MAX_INTERVAL = 999;
const MAX_COUNT = 999_999;
/** The fewest days each month has (February 28: the format moves the 29th to the 28th in common years). */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The format's pattern for `rule`, or why there is none. What the rule leaves to DTSTART (the weekday of a weekly
 * rule, the day and month of a monthly or yearly one) the pattern leaves out too: the writer takes it from the
 * appointment's start. Given `start`, DTSTART's month (1..12) and day of month in its own time zone, a monthly or
 * yearly rule that takes its day from a DTSTART on a day some months lack (the 29th to the 31st) is refused: RRULE
 * skips those months, the format would use their last day.
 */
export function recurrenceFromRule(
  rule: RecurrenceRule,
  start?: { readonly month: number; readonly day: number },
): RecurrencePattern | UnsupportedRecurrence {
  const no = (why: string): UnsupportedRecurrence => ({ unsupported: why });
  const freq = rule.freq.toUpperCase();
  const frequency = ({ DAILY: 'daily', WEEKLY: 'weekly', MONTHLY: 'monthly', YEARLY: 'yearly' } as const)[
    freq as 'DAILY'
  ];
  if (frequency === undefined) return no(`FREQ=${rule.freq} (the format repeats by days, weeks, months or years only)`);
  const interval = rule.interval ?? 1;
  if (!Number.isInteger(interval) || interval < 1 || interval > MAX_INTERVAL)
    return no(`INTERVAL=${interval} (the format allows 1 to ${MAX_INTERVAL})`);
  if (rule.count !== undefined && rule.until !== undefined) return no('both COUNT and UNTIL');
  if (rule.count !== undefined && (!Number.isInteger(rule.count) || rule.count < 1 || rule.count > MAX_COUNT))
    return no(`COUNT=${rule.count} (the format allows 1 to ${MAX_COUNT})`);
  for (const [part, values] of [
    ['BYYEARDAY', rule.byYearDay],
    ['BYWEEKNO', rule.byWeekNo],
    ['BYHOUR', rule.byHour],
    ['BYMINUTE', rule.byMinute],
    ['BYSECOND', rule.bySecond],
  ] as const) {
    if (values !== undefined && values.length > 0)
      return no(`${part} (the format repeats at the start's time of day on whole days)`);
  }
  const byDay = rule.byDay ?? [];
  const byMonthDay = rule.byMonthDay ?? [];
  const byMonth = rule.byMonth ?? [];
  const bySetPos = rule.bySetPos ?? [];
  const end = {
    ...(rule.count !== undefined ? { count: rule.count } : {}),
    ...(rule.until !== undefined ? { until: rule.until } : {}),
  };
  const firstDayOfWeek = rule.wkst ?? 'MO';
  const days = (): readonly Weekday[] => [...new Set(byDay.map((d) => d.day))];

  if (frequency === 'daily') {
    if (byMonthDay.length > 0 || byMonth.length > 0 || bySetPos.length > 0)
      return no('FREQ=DAILY with BYMONTHDAY, BYMONTH or BYSETPOS');
    if (byDay.length === 0) return { frequency, interval, ...end };
    // Every weekday or any set of days, daily: the format's weekly pattern with interval 1 is the same series.
    if (interval !== 1) return no('FREQ=DAILY with BYDAY and an INTERVAL above 1');
    if (byDay.some((d) => d.nth !== undefined)) return no('FREQ=DAILY with a numbered BYDAY');
    return { frequency: 'weekly', interval: 1, weekdays: days(), firstDayOfWeek, ...end };
  }
  if (frequency === 'weekly') {
    if (byMonthDay.length > 0 || byMonth.length > 0 || bySetPos.length > 0)
      return no('FREQ=WEEKLY with BYMONTHDAY, BYMONTH or BYSETPOS');
    if (byDay.some((d) => d.nth !== undefined)) return no('FREQ=WEEKLY with a numbered BYDAY');
    return { frequency, interval, ...(byDay.length > 0 ? { weekdays: days() } : {}), firstDayOfWeek, ...end };
  }
  // monthly and yearly
  const months = frequency === 'yearly' ? 12 : 1;
  if (frequency === 'yearly') {
    if (byMonth.length > 1) return no('FREQ=YEARLY with more than one BYMONTH');
    if (interval * months > MAX_INTERVAL)
      return no(`INTERVAL=${interval} years (the format allows up to ${Math.floor(MAX_INTERVAL / 12)})`);
  } else if (byMonth.length > 0) {
    return no('FREQ=MONTHLY with BYMONTH');
  }
  const month = byMonth[0];
  if (month !== undefined && (!Number.isInteger(month) || month < 1 || month > 12)) return no(`BYMONTH=${month}`);
  const monthPart = month !== undefined ? { month } : {};
  if (byMonthDay.length > 0) {
    if (byDay.length > 0 || bySetPos.length > 0) return no('BYMONTHDAY together with BYDAY or BYSETPOS');
    if (byMonthDay.length > 1) return no('more than one BYMONTHDAY');
    const d = byMonthDay[0] ?? 0;
    // The format's day 31 falls on the last day of shorter months, which is what BYMONTHDAY=-1 means.
    if (d === -1) return { frequency, interval, dayOfMonth: 31, ...monthPart, ...end };
    if (!Number.isInteger(d) || d < 1 || d > 31)
      return no(`BYMONTHDAY=${d} (the format counts days 1 to 31 and the last day)`);
    // A day some months lack: RRULE skips those months, the format moves the occurrence to their last day.
    const shortest = month !== undefined ? (DAYS_IN_MONTH[month - 1] ?? 28) : 28;
    if (d > shortest)
      return no(`BYMONTHDAY=${d} (RRULE skips months without that day, the format would use their last day)`);
    return { frequency, interval, dayOfMonth: d, ...monthPart, ...end };
  }
  if (byDay.length === 0) {
    if (bySetPos.length > 0) return no('BYSETPOS without BYDAY');
    if (start !== undefined) {
      const shortest = frequency === 'yearly' ? (DAYS_IN_MONTH[(month ?? start.month) - 1] ?? 28) : 28;
      if (start.day > shortest)
        return no(
          `a start on day ${start.day} (RRULE skips months without that day, the format would use their last day)`,
        );
    }
    return { frequency, interval, ...monthPart, ...end };
  }
  const numbered = new Set(byDay.map((d) => d.nth));
  if (numbered.size > 1) return no('BYDAY mixes different numbered days');
  const nth =
    bySetPos.length > 0
      ? byDay.some((d) => d.nth !== undefined)
        ? Number.NaN
        : bySetPos.length === 1
          ? bySetPos[0]
          : Number.NaN
      : [...numbered][0];
  if (nth === undefined) return no(`FREQ=${freq} with BYDAY but no position (every such day of the month)`);
  if (Number.isNaN(nth)) return no('BYSETPOS with more than one position, or with a numbered BYDAY');
  const weekOfMonth = nth === -1 ? 5 : nth;
  if (weekOfMonth < 1 || weekOfMonth > 5 || !Number.isInteger(weekOfMonth) || nth === 5)
    return no(`the position ${nth} (the format counts the 1st to 4th and the last)`);
  return { frequency, interval, weekdays: days(), weekOfMonth: weekOfMonth as 1 | 2 | 3 | 4 | 5, ...monthPart, ...end };
}
