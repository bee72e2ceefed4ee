import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstant } from './change-time';
import { requireDurationMs as parseDurationMs } from '../core/duration';

const now = Date.parse('2026-03-01T10:00:00Z');
const ok: [string, string][] = [
  ['now', '2026-03-01T10:00:00.000Z'],
  ['+2h', '2026-03-01T12:00:00.000Z'],
  ['-1d', '2026-02-28T10:00:00.000Z'],
  ['2026-03-30', '2026-03-30T00:00:00.000Z'],
  ['2026-03-30T10:00:00Z', '2026-03-30T10:00:00.000Z'],
  ['2026-03-30T10:00+02:00', '2026-03-30T08:00:00.000Z'],
];
for (const [text, iso] of ok) test(`instant ${text}`, () => assert.equal(new Date(parseInstant(text, now, 'at')).toISOString(), iso));
for (const bad of ['tomorrow', '2026-03-30T10:00', '2026-13-40', '+2y']) {
  test(`instant ${bad} is refused with the field`, () => assert.throws(() => parseInstant(bad, now, 'scheduledStart'), /scheduledStart/));
}
const durations: [string, number][] = [
  ['90d', 90 * 86_400_000],
  ['12h', 43_200_000],
  ['30m', 1_800_000],
  ['2w', 14 * 86_400_000],
];
for (const [text, ms] of durations) test(`duration ${text}`, () => assert.equal(parseDurationMs(text, 'since'), ms));
test('bad duration', () => assert.throws(() => parseDurationMs('3 days', 'since'), /since/));
