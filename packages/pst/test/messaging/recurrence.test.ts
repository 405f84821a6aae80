/**
 * recurrenceFromRule: RRULEs ([RFC 5545] §3.3.10) the format expresses become its pattern; the others say why not.
 * And the time-zone rules derived from IANA ids: the offsets and daylight-time changes as published for 2026.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RecurrenceRule, recurrenceFromRule } from '@pstream/pst';
import { recurrenceLayout } from '../../src/messaging/recurrence-blob.js';
import { offsetAt, resolveZone, toLocal, UTC_ZONE } from '../../src/messaging/time-zone.js';

const MO = { day: 'MO' } as const;
const WE = { day: 'WE' } as const;
const weekdays = (['MO', 'TU', 'WE', 'TH', 'FR'] as const).map((day) => ({ day }));

test('RRULEs the format expresses become its pattern', () => {
  const cases: [RecurrenceRule, object][] = [
    [
      { freq: 'DAILY', interval: 3, count: 5 },
      { frequency: 'daily', interval: 3, count: 5 },
    ],
    [
      { freq: 'daily', byDay: weekdays },
      { frequency: 'weekly', interval: 1, weekdays: ['MO', 'TU', 'WE', 'TH', 'FR'], firstDayOfWeek: 'MO' },
    ],
    [
      { freq: 'WEEKLY', interval: 2, byDay: [MO, WE], wkst: 'SU' },
      { frequency: 'weekly', interval: 2, weekdays: ['MO', 'WE'], firstDayOfWeek: 'SU' },
    ],
    [{ freq: 'WEEKLY' }, { frequency: 'weekly', interval: 1, firstDayOfWeek: 'MO' }],
    [
      { freq: 'MONTHLY', byMonthDay: [15] },
      { frequency: 'monthly', interval: 1, dayOfMonth: 15 },
    ],
    [
      { freq: 'MONTHLY', byMonthDay: [-1] },
      { frequency: 'monthly', interval: 1, dayOfMonth: 31 },
    ],
    [
      { freq: 'MONTHLY', byDay: [{ day: 'TU', nth: 2 }] },
      { frequency: 'monthly', interval: 1, weekdays: ['TU'], weekOfMonth: 2 },
    ],
    [
      { freq: 'MONTHLY', byDay: [{ day: 'FR', nth: -1 }] },
      { frequency: 'monthly', interval: 1, weekdays: ['FR'], weekOfMonth: 5 },
    ],
    [
      { freq: 'MONTHLY', byDay: weekdays, bySetPos: [-1] },
      { frequency: 'monthly', interval: 1, weekdays: ['MO', 'TU', 'WE', 'TH', 'FR'], weekOfMonth: 5 },
    ],
    [
      { freq: 'YEARLY', byMonth: [3], byMonthDay: [15] },
      { frequency: 'yearly', interval: 1, month: 3, dayOfMonth: 15 },
    ],
    [
      { freq: 'YEARLY', byMonth: [11], byDay: [{ day: 'TH', nth: 4 }] },
      { frequency: 'yearly', interval: 1, month: 11, weekdays: ['TH'], weekOfMonth: 4 },
    ],
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
    [
      {
        freq: 'MONTHLY',
        byDay: [
          { day: 'MO', nth: 1 },
          { day: 'FR', nth: -1 },
        ],
      },
      /mixes different numbered days/,
    ],
    [{ freq: 'YEARLY', byMonth: [1, 7] }, /more than one BYMONTH/],
    [{ freq: 'YEARLY', byMonth: [2], byMonthDay: [29] }, /BYMONTHDAY=29/],
    [{ freq: 'WEEKLY', interval: 1000 }, /INTERVAL=1000/],
    [{ freq: 'DAILY', count: 3, until: new Date() }, /both COUNT and UNTIL/],
  ];
  // The day taken from DTSTART: the 31st of a monthly rule, February 29 of a yearly one.
  assert.match(
    (recurrenceFromRule({ freq: 'MONTHLY' }, { month: 1, day: 31 }) as { unsupported: string }).unsupported,
    /start on day 31/,
  );
  assert.match(
    (recurrenceFromRule({ freq: 'YEARLY' }, { month: 2, day: 29 }) as { unsupported: string }).unsupported,
    /start on day 29/,
  );
  assert.deepEqual(recurrenceFromRule({ freq: 'YEARLY' }, { month: 3, day: 31 }), { frequency: 'yearly', interval: 1 });
  assert.deepEqual(recurrenceFromRule({ freq: 'MONTHLY' }, { month: 3, day: 28 }), {
    frequency: 'monthly',
    interval: 1,
  });
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
  const far = recurrenceLayout(
    { frequency: 'daily', until: new Date('9999-12-31T00:00:00Z') },
    start,
    30,
    UTC_ZONE,
    'r',
  );
  const view = Buffer.from(far.blob);
  assert.equal(view.readUInt32LE(22), 0x2023, 'EndType: never');
  assert.equal(
    view.readUInt32LE(46),
    0x5ae980df,
    'EndDate: the no-end date (a daily pattern has no type-specific field)',
  );
  assert.equal(far.clipEnd.toISOString(), '4500-08-31T23:59:00.000Z');
  const near = recurrenceLayout(
    { frequency: 'daily', until: new Date('2026-01-10T09:00:00Z') },
    start,
    30,
    UTC_ZONE,
    'r',
  );
  assert.equal(Buffer.from(near.blob).readUInt32LE(22), 0x2021, 'EndType: after a date');
  assert.equal(Buffer.from(near.blob).readUInt32LE(26), 10, 'OccurrenceCount: January 1 to 10');
  assert.throws(
    () =>
      recurrenceLayout(
        { frequency: 'weekly', weekdays: ['FR'], until: new Date('2026-01-01T10:00:00Z') },
        start,
        30,
        UTC_ZONE,
        'message.appointment.recurrence',
      ),
    /message\.appointment\.recurrence\.until is before the first occurrence/,
  );
});

test('the count and last day of daily and weekly series match a day-by-day enumeration', () => {
  const DAY = 86_400_000;
  const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
  const start = new Date('2026-01-07T09:00:00Z'); // a Wednesday
  const first = Math.floor(start.getTime() / DAY);
  let seed = 7;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 16) % n;
  };
  for (let run = 0; run < 1000; run++) {
    const weekly = random(2) === 1;
    const interval = 1 + random(4);
    const days = weekly ? WEEKDAY_CODES.filter(() => random(2) === 1) : [];
    if (weekly && days.length === 0) days.push('WE');
    const fdow = random(7);
    const byCount = random(2) === 1;
    const count = 1 + random(25);
    const until = new Date(start.getTime() + random(400) * DAY + random(2) * 3600_000 - 3600_000);
    const pattern = {
      frequency: weekly ? 'weekly' : 'daily',
      interval,
      ...(weekly ? { weekdays: days, firstDayOfWeek: WEEKDAY_CODES[fdow] } : {}),
      ...(byCount ? { count } : { until }),
    } as const;
    // Day by day: does day d start an occurrence?
    const weekStart = (d: number): number => d - ((((d + 4) % 7) - fdow + 7) % 7);
    const occurs = (d: number): boolean =>
      weekly
        ? days.includes(WEEKDAY_CODES[(d + 4) % 7]!) && ((weekStart(d) - weekStart(first)) / 7) % interval === 0
        : (d - first) % interval === 0;
    let n = 0;
    let last = -1;
    for (let d = first; byCount ? n < count : d * DAY + 9 * 3600_000 <= until.getTime(); d++) {
      if (occurs(d)) {
        n++;
        last = d;
      }
    }
    if (n === 0) continue;
    const blob = Buffer.from(recurrenceLayout(pattern, start, 30, UTC_ZONE, 'r').blob);
    const at = weekly ? 26 : 22; // EndType: after the type-specific day mask of a weekly pattern
    assert.equal(blob.readUInt32LE(at + 4), n, `count of ${JSON.stringify(pattern)}`);
    assert.equal(blob.readUInt32LE(at + 24), (last + 134_774) * 1440, `last day of ${JSON.stringify(pattern)}`);
  }
});
