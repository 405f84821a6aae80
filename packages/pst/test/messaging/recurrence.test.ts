/**
 * recurrenceFromRule: RRULEs ([RFC 5545] §3.3.10) the format expresses become its pattern; the others say why not.
 * And the time-zone rules derived from IANA ids: the offsets and daylight-time changes as published for 2026.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recurrenceFromRule, type RecurrenceRule } from '@pstream/pst';
import { offsetAt, resolveZone, toLocal, UTC_ZONE } from '../../src/messaging/time-zone.js';
import { recurrenceLayout } from '../../src/messaging/recurrence-blob.js';

const MO = { day: 'MO' } as const;
const WE = { day: 'WE' } as const;
const weekdays = (['MO', 'TU', 'WE', 'TH', 'FR'] as const).map((day) => ({ day }));

test('RRULEs the format expresses become its pattern', () => {
  const cases: [RecurrenceRule, object][] = [
    [{ freq: 'DAILY', interval: 3, count: 5 }, { frequency: 'daily', interval: 3, count: 5 }],
    [{ freq: 'daily', byDay: weekdays }, { frequency: 'weekly', interval: 1, weekdays: ['MO', 'TU', 'WE', 'TH', 'FR'], firstDayOfWeek: 'MO' }],
    [{ freq: 'WEEKLY', interval: 2, byDay: [MO, WE], wkst: 'SU' }, { frequency: 'weekly', interval: 2, weekdays: ['MO', 'WE'], firstDayOfWeek: 'SU' }],
    [{ freq: 'WEEKLY' }, { frequency: 'weekly', interval: 1, firstDayOfWeek: 'MO' }],
    [{ freq: 'MONTHLY', byMonthDay: [15] }, { frequency: 'monthly', interval: 1, dayOfMonth: 15 }],
    [{ freq: 'MONTHLY', byMonthDay: [-1] }, { frequency: 'monthly', interval: 1, dayOfMonth: 31 }],
    [{ freq: 'MONTHLY', byDay: [{ day: 'TU', nth: 2 }] }, { frequency: 'monthly', interval: 1, weekdays: ['TU'], weekOfMonth: 2 }],
    [{ freq: 'MONTHLY', byDay: [{ day: 'FR', nth: -1 }] }, { frequency: 'monthly', interval: 1, weekdays: ['FR'], weekOfMonth: 5 }],
    [{ freq: 'MONTHLY', byDay: weekdays, bySetPos: [-1] }, { frequency: 'monthly', interval: 1, weekdays: ['MO', 'TU', 'WE', 'TH', 'FR'], weekOfMonth: 5 }],
    [{ freq: 'YEARLY', byMonth: [3], byMonthDay: [15] }, { frequency: 'yearly', interval: 1, month: 3, dayOfMonth: 15 }],
    [{ freq: 'YEARLY', byMonth: [11], byDay: [{ day: 'TH', nth: 4 }] }, { frequency: 'yearly', interval: 1, month: 11, weekdays: ['TH'], weekOfMonth: 4 }],
  ];
  for (const [rule, pattern] of cases) assert.deepEqual(recurrenceFromRule(rule), pattern, JSON.stringify(rule));
  const until = new Date('2027-01-01T00:00:00Z');
  assert.deepEqual(recurrenceFromRule({ freq: 'DAILY', until }), { frequency: 'daily', interval: 1, until });
});

test('RRULEs the format cannot express say why', () => {
  const cases: [RecurrenceRule, RegExp][] = [
    [{ freq: 'HOURLY' }, /FREQ=HOURLY/],
    [{ freq: 'DAILY', byHour: [9, 17] }, /BYHOUR/],
    [{ freq: 'MONTHLY', byMonthDay: [1, 15] }, /more than one BYMONTHDAY/],
    [{ freq: 'MONTHLY', byMonthDay: [30] }, /BYMONTHDAY=30/],
    [{ freq: 'MONTHLY', byDay: [{ day: 'MO' }] }, /no position/],
    [{ freq: 'MONTHLY', byDay: [{ day: 'MO', nth: 5 }] }, /position 5/],
    [{ freq: 'MONTHLY', byDay: [{ day: 'MO', nth: 1 }, { day: 'FR', nth: -1 }] }, /mixes different numbered days/],
    [{ freq: 'YEARLY', byMonth: [1, 7] }, /more than one BYMONTH/],
    [{ freq: 'YEARLY', byMonth: [2], byMonthDay: [29] }, /BYMONTHDAY=29/],
    [{ freq: 'WEEKLY', interval: 1000 }, /INTERVAL=1000/],
    [{ freq: 'DAILY', count: 3, until: new Date() }, /both COUNT and UNTIL/],
  ];
  for (const [rule, why] of cases) {
    const result = recurrenceFromRule(rule);
    assert.ok('unsupported' in result, JSON.stringify(rule));
    assert.match(result.unsupported, why);
  }
});

test('time-zone rules derived from IANA ids match the published 2026 changes', () => {
  const cache = new Map();
  const berlin = resolveZone({ id: 'Europe/Berlin' }, 2026, cache, 'tz');
  assert.deepEqual(berlin.rules, [
    {
      fromYear: 2026,
      bias: -60,
      standardBias: 0,
      daylightBias: -60,
      // 2026-03-29 02:00 local (last Sunday of March), 2026-10-25 03:00 local (last Sunday of October).
      daylightStart: { month: 3, week: 5, weekday: 0, hour: 2, minute: 0 },
      standardStart: { month: 10, week: 5, weekday: 0, hour: 3, minute: 0 },
    },
  ]);
  const newYork = resolveZone({ id: 'America/New_York' }, 2026, cache, 'tz');
  assert.deepEqual(newYork.rules[0]!.daylightStart, { month: 3, week: 2, weekday: 0, hour: 2, minute: 0 });
  assert.deepEqual(newYork.rules[0]!.standardStart, { month: 11, week: 1, weekday: 0, hour: 2, minute: 0 });
  assert.equal(newYork.rules[0]!.bias, 300);
  // Southern hemisphere: daylight time spans the new year.
  const sydney = resolveZone({ id: 'Australia/Sydney' }, 2026, cache, 'tz');
  assert.equal(sydney.rules[0]!.bias, -600);
  assert.equal(offsetAt(sydney, Date.UTC(2026, 0, 15)), 660);
  assert.equal(offsetAt(sydney, Date.UTC(2026, 6, 15)), 600);
  // No daylight time.
  assert.deepEqual(resolveZone({ id: 'Asia/Tokyo' }, 2026, cache, 'tz').rules, [{ fromYear: 2026, bias: -540 }]);
  // Local times on both sides of a change.
  assert.equal(new Date(toLocal(berlin, Date.UTC(2026, 2, 29, 0, 59))).toISOString(), '2026-03-29T01:59:00.000Z');
  assert.equal(new Date(toLocal(berlin, Date.UTC(2026, 2, 29, 1, 0))).toISOString(), '2026-03-29T03:00:00.000Z');
  assert.equal(new Date(toLocal(berlin, Date.UTC(2026, 9, 25, 0, 59))).toISOString(), '2026-10-25T02:59:00.000Z');
  assert.equal(new Date(toLocal(berlin, Date.UTC(2026, 9, 25, 1, 0))).toISOString(), '2026-10-25T02:00:00.000Z');
});

test('a series ending after 4500-08-31 is stored without end; one that the format cannot count is an input error', () => {
  const start = new Date('2026-01-01T09:00:00Z');
  const far = recurrenceLayout({ frequency: 'daily', until: new Date('9999-12-31T00:00:00Z') }, start, 30, UTC_ZONE, 'r');
  const view = Buffer.from(far.blob);
  assert.equal(view.readUInt32LE(22), 0x2023, 'EndType: never');
  assert.equal(view.readUInt32LE(46), 0x5ae980df, 'EndDate: the no-end date (a daily pattern has no type-specific field)');
  assert.equal(far.clipEnd.toISOString(), '4500-08-31T23:59:00.000Z');
  const near = recurrenceLayout({ frequency: 'daily', until: new Date('2026-01-10T09:00:00Z') }, start, 30, UTC_ZONE, 'r');
  assert.equal(Buffer.from(near.blob).readUInt32LE(22), 0x2021, 'EndType: after a date');
  assert.equal(Buffer.from(near.blob).readUInt32LE(26), 10, 'OccurrenceCount: January 1 to 10');
  assert.throws(
    () => recurrenceLayout({ frequency: 'weekly', weekdays: ['FR'], until: new Date('2026-01-01T10:00:00Z') }, start, 30, UTC_ZONE, 'message.appointment.recurrence'),
    /message\.appointment\.recurrence\.until is before the first occurrence/,
  );
});
