/**
 * Time zones of appointments — [MS-OXOCAL] §2.2.1.39 PidLidTimeZoneStruct and §2.2.1.41 TZDEFINITION / TZRULE: the
 * rules (a bias and the yearly daylight-time changes, Windows style) that place a recurrence's occurrences and an
 * all-day event's days in local time, derived from an IANA id through the platform's time zone data when the record
 * gives none.
 */

import type { AppointmentTimeZone, TimeZoneRule, TimeZoneTransition } from './appointment-record.js';
import { PstInputError } from './validate.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A time zone with its rules, oldest first (at least one). */
export interface ResolvedZone {
  readonly id: string;
  readonly rules: readonly TimeZoneRule[];
}

export const UTC_ZONE: ResolvedZone = { id: 'UTC', rules: [{ fromYear: 1601, bias: 0 }] };

/** Rules derived from IANA ids, per writer: `${id} ${year}` → rule. */
export type ZoneCache = Map<string, TimeZoneRule>;

/** The zone's rules: given, or derived for `year` from the IANA id. */
export function resolveZone(
  tz: AppointmentTimeZone | undefined,
  year: number,
  cache: ZoneCache,
  field: string,
): ResolvedZone {
  if (!tz) return UTC_ZONE;
  if (tz.rules && tz.rules.length > 0) return { id: tz.id, rules: tz.rules };
  const key = `${tz.id} ${year}`;
  let rule = cache.get(key);
  if (!rule) {
    rule = deriveRule(tz.id, year, field);
    cache.set(key, rule);
  }
  return { id: tz.id, rules: [rule] };
}

/** The rule in force in `year`: the last one starting at or before it, else the first. */
export function ruleFor(zone: ResolvedZone, year: number): TimeZoneRule {
  let found = zone.rules[0]!;
  for (const r of zone.rules) if (r.fromYear <= year) found = r;
  return found;
}

function hasDaylight(
  r: TimeZoneRule,
): r is TimeZoneRule & { standardStart: TimeZoneTransition; daylightStart: TimeZoneTransition } {
  return (
    r.standardStart !== undefined && r.daylightStart !== undefined && (r.daylightBias ?? -60) !== (r.standardBias ?? 0)
  );
}

/** The day (UTC-based day number of local dates) a transition falls on in `year`. */
function transitionDay(t: TimeZoneTransition, year: number): number {
  const first = Date.UTC(year, t.month - 1, 1) / DAY;
  const firstWeekday = (first + 4) % 7; // 1970-01-01 was a Thursday
  let day = first + ((t.weekday - firstWeekday + 7) % 7) + 7 * (Math.min(t.week, 5) - 1);
  const next = Date.UTC(year, t.month, 1) / DAY;
  while (day >= next) day -= 7;
  return day;
}

function transitionLocal(t: TimeZoneTransition, year: number): number {
  return transitionDay(t, year) * DAY + (t.hour * 60 + (t.minute ?? 0)) * MINUTE;
}

/** Minutes to add to UTC for local time at the UTC instant `utc`. */
export function offsetAt(zone: ResolvedZone, utc: number): number {
  const year = new Date(utc).getUTCFullYear();
  const r = ruleFor(zone, year);
  const standard = -(r.bias + (r.standardBias ?? 0));
  if (!hasDaylight(r)) return standard;
  const daylight = -(r.bias + (r.daylightBias ?? -60));
  // The change to daylight time is given in standard local time, the change back in daylight local time.
  const toDaylight = transitionLocal(r.daylightStart, year) - standard * MINUTE;
  const toStandard = transitionLocal(r.standardStart, year) - daylight * MINUTE;
  const inDaylight =
    toDaylight < toStandard ? utc >= toDaylight && utc < toStandard : utc >= toDaylight || utc < toStandard;
  return inDaylight ? daylight : standard;
}

/** Local wall-clock time of `utc`, as milliseconds of a UTC-based calendar. */
export function toLocal(zone: ResolvedZone, utc: number): number {
  return utc + offsetAt(zone, utc) * MINUTE;
}

/** The UTC instant of a local wall-clock time (in a change's gap or overlap, the offset before it). */
export function fromLocal(zone: ResolvedZone, local: number): number {
  const guess = local - offsetAt(zone, local) * MINUTE;
  return local - offsetAt(zone, guess) * MINUTE;
}

/** A rule for `year` from the platform's data for an IANA id: the offsets in force and the two changes, if any. */
function deriveRule(id: string, year: number, field: string): TimeZoneRule {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  } catch {
    throw new PstInputError(`${field}.id`, id, 'is not a time zone this platform knows, and no rules are given');
  }
  const offset = (utc: number): number => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(utc)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
    return Math.round((local - Math.floor(utc / MINUTE) * MINUTE) / MINUTE);
  };
  // The offset at the start of each month, then each change found to the minute.
  const changes: { at: number; before: number; after: number }[] = [];
  let previous = offset(Date.UTC(year, 0, 1));
  for (let m = 1; m <= 12; m++) {
    const at = Date.UTC(year, m, 1);
    const now = offset(at);
    if (now === previous) continue;
    let lo = Date.UTC(year, m - 1, 1);
    let hi = at;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offset(mid) === previous) lo = mid;
      else hi = mid;
    }
    changes.push({ at: hi, before: previous, after: now });
    previous = now;
  }
  if (changes.length < 2) return { fromYear: year, bias: -offset(Date.UTC(year, 11, 31)) };
  const toDaylight = changes.find((c) => c.after > c.before)!;
  const toStandard = changes.find((c) => c.after < c.before)!;
  const standard = toStandard.after;
  return {
    fromYear: year,
    bias: -standard,
    standardBias: 0,
    daylightBias: -(toDaylight.after - standard),
    daylightStart: transitionOf(toDaylight.at + toDaylight.before * MINUTE),
    standardStart: transitionOf(toStandard.at + toStandard.before * MINUTE),
  };
}

/** A change at the local wall-clock time `local`, as "the n-th weekday of the month" (5 = the last). */
function transitionOf(local: number): TimeZoneTransition {
  const d = new Date(local);
  const day = d.getUTCDate();
  const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  return {
    month: d.getUTCMonth() + 1,
    week: day + 7 > daysInMonth ? 5 : Math.ceil(day / 7),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

/** SYSTEMTIME in "day of month" form ([MS-OXOCAL] §2.2.1.39): wYear 0, the n-th weekday of the month. */
function putSystemTime(view: DataView, at: number, t: TimeZoneTransition | undefined): void {
  if (!t) return;
  view.setUint16(at + 2, t.month, true);
  view.setUint16(at + 4, t.weekday, true);
  view.setUint16(at + 6, t.week, true);
  view.setUint16(at + 8, t.hour, true);
  view.setUint16(at + 10, t.minute ?? 0, true);
}

function putBiases(view: DataView, at: number, r: TimeZoneRule): void {
  const daylight = hasDaylight(r);
  view.setInt32(at, r.bias, true);
  view.setInt32(at + 4, r.standardBias ?? 0, true);
  view.setInt32(at + 8, daylight ? (r.daylightBias ?? -60) : 0, true);
}

/** PidLidTimeZoneStruct — [MS-OXOCAL] §2.2.1.39: the rule of `year`. */
export function timeZoneStruct(zone: ResolvedZone, year: number): Uint8Array {
  const r = ruleFor(zone, year);
  const bytes = new Uint8Array(48);
  const view = new DataView(bytes.buffer);
  putBiases(view, 0, r);
  if (hasDaylight(r)) {
    putSystemTime(view, 14, r.standardStart); // wStandardYear at 12 stays 0
    putSystemTime(view, 32, r.daylightStart); // wDaylightYear at 30 stays 0
  }
  return bytes;
}

/** TZRULE flags — [MS-OXOCAL] §2.2.1.41.1. */
const TZRULE_FLAG_RECUR_CURRENT_TZREG = 0x0001;
const TZRULE_FLAG_EFFECTIVE_TZREG = 0x0002;

/**
 * A TZDEFINITION — [MS-OXOCAL] §2.2.1.41 (PidLidAppointmentTimeZoneDefinitionStartDisplay / EndDisplay / Recur):
 * the zone's rules, the one in force in `year` flagged effective (and, for a recurrence, current).
 */
export function timeZoneDefinition(zone: ResolvedZone, year: number, forRecurrence: boolean): Uint8Array {
  const key = zone.id.slice(0, 260);
  const ruleSize = 66;
  const headerSize = 6 + 2 * key.length;
  const bytes = new Uint8Array(4 + headerSize + ruleSize * zone.rules.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x02; // bMajorVersion
  bytes[1] = 0x01; // bMinorVersion
  view.setUint16(2, headerSize, true); // cbHeader
  view.setUint16(4, 0x0002, true); // wReserved
  view.setUint16(6, key.length, true); // cchKeyName
  for (let i = 0; i < key.length; i++) view.setUint16(8 + 2 * i, key.charCodeAt(i), true);
  view.setUint16(8 + 2 * key.length, zone.rules.length, true); // cRules
  const effective = ruleFor(zone, year);
  zone.rules.forEach((r, i) => {
    const at = 4 + headerSize + i * ruleSize;
    bytes[at] = 0x02;
    bytes[at + 1] = 0x01;
    view.setUint16(at + 2, 0x003e, true); // wReserved
    const flags =
      r === effective ? TZRULE_FLAG_EFFECTIVE_TZREG | (forRecurrence ? TZRULE_FLAG_RECUR_CURRENT_TZREG : 0) : 0;
    view.setUint16(at + 4, flags, true);
    view.setUint16(at + 6, Math.max(1601, Math.min(r.fromYear, 30827)), true); // wYear
    // X: 14 unused bytes
    putBiases(view, at + 22, r);
    if (hasDaylight(r)) {
      putSystemTime(view, at + 34, r.standardStart);
      putSystemTime(view, at + 50, r.daylightStart);
    }
  });
  return bytes;
}
