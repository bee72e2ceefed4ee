import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveWindow } from './time-window';
import { parseDurationMs } from './duration';
import { humanDurationMs, shorthandDurationMs } from '../core/duration';

const H = 3_600_000;
const D = 24 * H;
const iso = (ms: number) => new Date(ms).toISOString();

describe('durations', () => {
  const table: [string, number][] = [
    ['5m', 300_000],
    ['1h', H],
    ['28d', 28 * D],
    ['2w', 14 * D],
    ['1M', 30 * D],
    ['30s', 30_000],
  ];
  for (const [text, ms] of table) test(text, () => assert.equal(parseDurationMs(text), ms));
  test('refuses junk with the field', () => assert.throws(() => parseDurationMs('5 minutes', 'spec.timeWindow[0].duration'), /not a duration/));
  test('formats', () => {
    assert.equal(shorthandDurationMs(H), '1h');
    assert.equal(shorthandDurationMs(90 * 60_000), '90m');
    assert.equal(humanDurationMs(50 * H), '2d 2h');
    assert.equal(humanDurationMs(Infinity), 'never');
  });
});

describe('windows', () => {
  const table: { name: string; spec: Parameters<typeof resolveWindow>[0]; at: string; from: string; end: string; periodH: number }[] = [
    {
      name: 'rolling 28d',
      spec: { duration: '28d', isRolling: true },
      at: '2026-03-29T12:00:00.000Z',
      from: '2026-03-01T12:00:00.000Z',
      end: '2026-03-29T12:00:00.000Z',
      periodH: 672,
    },
    {
      name: 'calendar month in Paris (DST starts on 29 March: 743 hours)',
      spec: { duration: '1M', isRolling: false, calendar: { startTime: '2022-01-01 00:00:00', timeZone: 'Europe/Paris' } },
      at: '2026-03-15T12:00:00.000Z',
      from: '2026-02-28T23:00:00.000Z',
      end: '2026-03-31T22:00:00.000Z',
      periodH: 743,
    },
    {
      name: 'calendar week from Saturday noon New York (fixture)',
      spec: { duration: '1w', isRolling: false, calendar: { startTime: '2022-01-01 12:00:00', timeZone: 'America/New_York' } },
      at: '2026-11-27T03:00:00.000Z',
      from: '2026-11-21T17:00:00.000Z',
      end: '2026-11-28T17:00:00.000Z',
      periodH: 168,
    },
    {
      name: 'calendar week across the US DST change (167 hours)',
      spec: { duration: '1w', isRolling: false, calendar: { startTime: '2022-01-01 12:00:00', timeZone: 'America/New_York' } },
      at: '2026-03-10T00:00:00.000Z',
      from: '2026-03-07T17:00:00.000Z',
      end: '2026-03-14T16:00:00.000Z',
      periodH: 167,
    },
    {
      name: 'at the exact start of a period',
      spec: { duration: '1d', isRolling: false, calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'UTC' } },
      at: '2026-05-05T00:00:00.000Z',
      from: '2026-05-05T00:00:00.000Z',
      end: '2026-05-06T00:00:00.000Z',
      periodH: 24,
    },
  ];
  for (const c of table) {
    test(c.name, () => {
      const w = resolveWindow(c.spec, Date.parse(c.at));
      assert.equal(iso(w.fromMs), c.from);
      assert.equal(iso(w.endMs), c.end);
      assert.equal(w.periodMs, c.periodH * H);
    });
  }
  test('elapsed fraction of a calendar day', () => {
    const w = resolveWindow(
      { duration: '1d', isRolling: false, calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'UTC' } },
      Date.parse('2026-05-05T06:00:00Z'),
    );
    assert.equal(w.elapsedFraction, 0.25);
  });
  test('unknown zone is refused', () => {
    assert.throws(
      () => resolveWindow({ duration: '1w', isRolling: false, calendar: { startTime: '2022-01-01 00:00:00', timeZone: 'Mars/Olympus' } }, 0),
      /time zone/,
    );
  });
});
