import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expandRRule, parseRRule } from './rrule';
import { isDomainError } from './errors';

const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString().replace(':00.000Z', 'Z'));
const at = (s: string) => Date.parse(s);

describe('RRULE expansion', () => {
  const cases: { name: string; rule: string; dtstart: string; tz: string; from: string; to: string; expected: string[] }[] = [
    {
      name: 'weekly Saturday 22:00 Paris keeps local time across spring-forward (29 March 2026)',
      rule: 'FREQ=WEEKLY;BYDAY=SA',
      dtstart: '2026-03-14T22:00',
      tz: 'Europe/Paris',
      from: '2026-03-01T00:00:00Z',
      to: '2026-04-06T00:00:00Z',
      expected: ['2026-03-14T21:00Z', '2026-03-21T21:00Z', '2026-03-28T21:00Z', '2026-04-04T20:00Z'],
    },
    {
      name: 'weekly Sunday 01:30 New York across fall-back (1 November 2026)',
      rule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=1;BYMINUTE=30',
      dtstart: '2026-10-25T01:30',
      tz: 'America/New_York',
      from: '2026-10-01T00:00:00Z',
      to: '2026-11-10T00:00:00Z',
      // 1 November 01:30 happens twice; luxon takes the later (standard time, UTC−5) one.
      expected: ['2026-10-25T05:30Z', '2026-11-01T06:30Z', '2026-11-08T06:30Z'],
    },
    {
      name: 'daily 02:30 Paris: the missing local time on 29 March moves forward by the gap',
      rule: 'FREQ=DAILY',
      dtstart: '2026-03-27T02:30',
      tz: 'Europe/Paris',
      from: '2026-03-27T00:00:00Z',
      to: '2026-03-31T00:00:00Z',
      expected: ['2026-03-27T01:30Z', '2026-03-28T01:30Z', '2026-03-29T01:30Z', '2026-03-30T00:30Z'],
    },
    {
      name: 'daily with INTERVAL and COUNT',
      rule: 'FREQ=DAILY;INTERVAL=2;COUNT=3',
      dtstart: '2026-01-01T09:00',
      tz: 'UTC',
      from: '2025-01-01T00:00:00Z',
      to: '2027-01-01T00:00:00Z',
      expected: ['2026-01-01T09:00Z', '2026-01-03T09:00Z', '2026-01-05T09:00Z'],
    },
    {
      name: 'COUNT counts occurrences before the range too',
      rule: 'FREQ=DAILY;COUNT=3',
      dtstart: '2026-01-01T09:00',
      tz: 'UTC',
      from: '2026-01-02T00:00:00Z',
      to: '2027-01-01T00:00:00Z',
      expected: ['2026-01-02T09:00Z', '2026-01-03T09:00Z'],
    },
    {
      name: 'BYHOUR and BYMINUTE expand a day',
      rule: 'FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0,30;UNTIL=20260102T090000Z',
      dtstart: '2026-01-01T09:00',
      tz: 'UTC',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-05T00:00:00Z',
      expected: ['2026-01-01T09:00Z', '2026-01-01T09:30Z', '2026-01-01T17:00Z', '2026-01-01T17:30Z', '2026-01-02T09:00Z'],
    },
    {
      name: 'weekdays with BYDAY on a daily rule',
      rule: 'FREQ=DAILY;BYDAY=MO,FR',
      dtstart: '2026-06-01T08:00',
      tz: 'Europe/London',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-13T00:00:00Z',
      expected: ['2026-06-01T07:00Z', '2026-06-05T07:00Z', '2026-06-08T07:00Z', '2026-06-12T07:00Z'],
    },
    {
      name: 'every other week on Tuesday and Thursday',
      rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH',
      dtstart: '2026-01-06T10:00',
      tz: 'UTC',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-31T00:00:00Z',
      expected: ['2026-01-06T10:00Z', '2026-01-08T10:00Z', '2026-01-20T10:00Z', '2026-01-22T10:00Z'],
    },
    {
      name: 'monthly on the last Friday',
      rule: 'FREQ=MONTHLY;BYDAY=-1FR;COUNT=4',
      dtstart: '2026-01-01T18:00',
      tz: 'UTC',
      from: '2026-01-01T00:00:00Z',
      to: '2027-01-01T00:00:00Z',
      expected: ['2026-01-30T18:00Z', '2026-02-27T18:00Z', '2026-03-27T18:00Z', '2026-04-24T18:00Z'],
    },
    {
      name: 'monthly on the 31st skips shorter months',
      rule: 'FREQ=MONTHLY;BYMONTHDAY=31',
      dtstart: '2026-01-31T00:00',
      tz: 'UTC',
      from: '2026-01-01T00:00:00Z',
      to: '2026-06-01T00:00:00Z',
      expected: ['2026-01-31T00:00Z', '2026-03-31T00:00Z', '2026-05-31T00:00Z'],
    },
    {
      name: 'Friday the 13th (BYDAY ∩ BYMONTHDAY)',
      rule: 'FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13',
      dtstart: '2026-01-01T00:00',
      tz: 'UTC',
      from: '2026-01-01T00:00:00Z',
      to: '2027-01-01T00:00:00Z',
      expected: ['2026-02-13T00:00Z', '2026-03-13T00:00Z', '2026-11-13T00:00Z'],
    },
    {
      name: 'quarter-end freeze: third-last day of each quarter month',
      rule: 'FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-3',
      dtstart: '2026-01-01T00:00',
      tz: 'Europe/Paris',
      from: '2026-01-01T00:00:00Z',
      to: '2027-01-01T00:00:00Z',
      expected: ['2026-03-28T23:00Z', '2026-06-27T22:00Z', '2026-09-27T22:00Z', '2026-12-28T23:00Z'],
    },
    {
      name: 'yearly on the 20th Monday of the year',
      rule: 'FREQ=YEARLY;BYDAY=20MO',
      dtstart: '2026-01-01T12:00',
      tz: 'UTC',
      from: '2026-01-01T00:00:00Z',
      to: '2028-01-01T00:00:00Z',
      expected: ['2026-05-18T12:00Z', '2027-05-17T12:00Z'],
    },
    {
      name: 'yearly on dtstart day, 29 February only in leap years',
      rule: 'FREQ=YEARLY',
      dtstart: '2024-02-29T00:00',
      tz: 'UTC',
      from: '2024-01-01T00:00:00Z',
      to: '2029-01-01T00:00:00Z',
      expected: ['2024-02-29T00:00Z', '2028-02-29T00:00Z'],
    },
    {
      name: 'a rule that never matches ends at the range end',
      rule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
      dtstart: '2026-01-01T00:00',
      tz: 'UTC',
      from: '2026-01-01T00:00:00Z',
      to: '2126-01-01T00:00:00Z',
      expected: [],
    },
    {
      name: 'UNTIL as a local date is inclusive of that day',
      rule: 'FREQ=DAILY;UNTIL=20260103',
      dtstart: '2026-01-01T23:00',
      tz: 'Asia/Tokyo',
      from: '2026-01-01T00:00:00Z',
      to: '2026-02-01T00:00:00Z',
      expected: ['2026-01-01T14:00Z', '2026-01-02T14:00Z', '2026-01-03T14:00Z'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = expandRRule({ rule: c.rule, dtstart: c.dtstart, timeZone: c.tz, fromMs: at(c.from), toMs: at(c.to) });
      assert.deepEqual(iso(got), c.expected);
    });
  }

  test('limit bounds the output', () => {
    const got = expandRRule({
      rule: 'FREQ=DAILY;BYHOUR=0,1,2,3',
      dtstart: '2026-01-01T00:00',
      timeZone: 'UTC',
      fromMs: 0,
      toMs: at('2030-01-01T00:00:00Z'),
      limit: 5,
    });
    assert.equal(got.length, 5);
  });
});

describe('RRULE parsing errors name the problem', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['FREQ=HOURLY', /FREQ=HOURLY is not supported/],
    ['BYDAY=MO', /FREQ is required/],
    ['FREQ=WEEKLY;BYDAY=2MO', /ordinals are only allowed/],
    ['FREQ=MONTHLY;BYDAY=XX', /not a weekday/],
    ['FREQ=YEARLY;BYMONTH=13', /BYMONTH: 13 is out of range/],
    ['FREQ=DAILY;BYHOUR=-1', /BYHOUR: -1 is out of range/],
    ['FREQ=DAILY;COUNT=2;UNTIL=20260101', /cannot both/],
    ['FREQ=DAILY;BYSETPOS=1', /BYSETPOS is not supported/],
    ['FREQ=DAILY;FREQ=WEEKLY', /given twice/],
    ['FREQ=DAILY;UNTIL=2026-01-01', /UNTIL/],
    ['FREQ=DAILY;INTERVAL=0', /INTERVAL/],
  ];
  for (const [rule, msg] of bad) {
    test(rule || '(empty)', () => {
      assert.throws(
        () => parseRRule(rule),
        (e: unknown) => isDomainError(e) && e.code === 'INPUT_INVALID' && msg.test(e.message),
      );
    });
  }
  test('an unknown time zone is an input error', () => {
    assert.throws(() => expandRRule({ rule: 'FREQ=DAILY', dtstart: '2026-01-01T00:00', timeZone: 'Mars/Base', fromMs: 0, toMs: 1 }), /Mars\/Base/);
  });
  test('RRULE: prefix and lowercase are accepted', () => {
    assert.equal(parseRRule('RRULE:freq=weekly;byday=sa').byDay[0].weekday, 6);
  });
});
