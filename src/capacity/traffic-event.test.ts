import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { appliesTo, eventFactors, occurrences, trafficEventSpec } from './traffic-event';

const H = 3_600_000;
const parse = (s: unknown) => trafficEventSpec.parse(s);
const hours = (fromIso: string, n: number) => {
  const from = Date.parse(fromIso);
  return Array.from({ length: n }, (_, i) => from + i * H);
};

describe('TrafficEvent', () => {
  test('a one-off launch in Europe/Paris raises exactly its hours (winter: UTC+1), a half-covered hour by half the excess', () => {
    const e = parse({ type: 'launch', multiplier: 3, start: '2026-12-10T09:00', end: '2026-12-10T11:30', timeZone: 'Europe/Paris' });
    const f = eventFactors([e], hours('2026-12-10T06:00:00Z', 6), H);
    // 09:00–11:30 Paris = 08:00–10:30 UTC.
    assert.deepEqual(f, [1, 1, 3, 3, 2, 1]);
  });

  test('a weekly campaign (RRULE) of 2 h each Friday from 18:00 New York, across the DST change, stays at 18:00 local', () => {
    const e = parse({ multiplier: 1.5, start: '2026-10-23T18:00', rrule: 'FREQ=WEEKLY;BYDAY=FR', duration: '2h', timeZone: 'America/New_York' });
    const occ = occurrences(e, Date.parse('2026-10-20T00:00:00Z'), Date.parse('2026-11-10T00:00:00Z'));
    assert.equal(occ.length, 3);
    for (const [a, b] of occ) {
      assert.equal(DateTime.fromMillis(a, { zone: 'America/New_York' }).toFormat('ccc HH:mm'), 'Fri 18:00');
      assert.equal(b - a, 2 * H);
    }
    // EDT (UTC−4) then EST (UTC−5) after 1 November.
    assert.equal(new Date(occ[0][0]).toISOString(), '2026-10-23T22:00:00.000Z');
    assert.equal(new Date(occ[2][0]).toISOString(), '2026-11-06T23:00:00.000Z');
  });

  test('an occurrence that began before the range still counts for its remaining hours; two events multiply', () => {
    const a = parse({ multiplier: 2, start: '2026-12-01T22:00', rrule: 'FREQ=DAILY', duration: '4h' });
    const b = parse({ multiplier: 1.5, start: '2026-12-02T01:00', end: '2026-12-02T02:00' });
    assert.deepEqual(eventFactors([a, b], hours('2026-12-02T00:00:00Z', 4), H), [2, 3, 1, 1]);
  });

  test('services: every service when absent, else only those named', () => {
    const all = parse({ multiplier: 2, start: '2026-12-01T00:00', end: '2026-12-02T00:00' });
    const some = parse({ multiplier: 2, start: '2026-12-01T00:00', end: '2026-12-02T00:00', services: ['shop'] });
    assert.equal(appliesTo(all, 'web'), true);
    assert.equal(appliesTo(some, 'shop'), true);
    assert.equal(appliesTo(some, 'web'), false);
  });

  test('refused: both end and rrule, neither, rrule without duration, a bad zone, a bad rule, end before start', () => {
    const base = { multiplier: 2, start: '2026-12-01T10:00' };
    const cases: [unknown, string][] = [
      [{ ...base, end: '2026-12-01T12:00', rrule: 'FREQ=DAILY', duration: '1h' }, 'end'],
      [base, 'end'],
      [{ ...base, rrule: 'FREQ=DAILY' }, 'duration'],
      [{ ...base, end: '2026-12-01T12:00', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ ...base, rrule: 'FREQ=HOURLY', duration: '1h' }, 'rrule'],
      [{ ...base, end: '2026-12-01T09:00' }, 'end'],
      [{ ...base, end: '2026-12-01T12:00', multiplier: 0 }, 'multiplier'],
    ];
    for (const [spec, path] of cases) {
      const r = trafficEventSpec.safeParse(spec);
      assert.equal(r.success, false, JSON.stringify(spec));
      assert.ok(
        r.error!.issues.some((i) => i.path[0] === path),
        `${JSON.stringify(spec)}: ${JSON.stringify(r.error!.issues)}`,
      );
    }
  });
});
