import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reservationSpec, reservedAt, reservedDuring } from './reservation';

const H = 3_600_000;
const weekly = {
  name: 'friday-peak',
  spec: reservationSpec.parse({
    service: 'shop',
    minInstances: 6,
    start: '2026-12-04T18:00',
    rrule: 'FREQ=WEEKLY;BYDAY=FR',
    duration: '4h',
    timeZone: 'Europe/Berlin',
    leadTime: '1h',
  }),
};
const once = {
  name: 'launch',
  spec: reservationSpec.parse({ service: 'shop', minInstances: 4, start: '2026-12-05T09:00', end: '2026-12-05T12:00', leadTime: '0s' }),
};

test('in force from the lead time before each occurrence to its end, in its time zone; the largest wins', () => {
  // 18:00 in Berlin in December is 17:00 UTC; pre-warming from 16:00 UTC.
  const start = Date.UTC(2026, 11, 4, 17);
  assert.equal(reservedAt([weekly, once], 'shop', 'production', start - H - 1), undefined);
  assert.equal(reservedAt([weekly], 'shop', 'production', start - H)?.minInstances, 6);
  assert.equal(reservedAt([weekly], 'shop', 'production', start + 4 * H - 1)?.name, 'friday-peak');
  assert.equal(reservedAt([weekly], 'shop', 'production', start + 4 * H), undefined);
  assert.equal(reservedAt([weekly], 'shop', 'production', start + 7 * 24 * H)?.minInstances, 6, 'next Friday too');
  assert.equal(reservedAt([weekly], 'shop', 'staging', start), undefined, 'another environment');
  assert.equal(reservedAt([weekly, once], 'shop', 'production', Date.UTC(2026, 11, 5, 10))?.name, 'launch');
});

test('occurrences overlapping a range, by pre-warming start', () => {
  const r = reservedDuring([weekly, once], Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 15));
  assert.deepEqual(
    r.map((x) => [x.name, new Date(x.prewarmFromMs).toISOString()]),
    [
      ['friday-peak', '2026-12-04T16:00:00.000Z'],
      ['launch', '2026-12-05T09:00:00.000Z'],
      ['friday-peak', '2026-12-11T16:00:00.000Z'],
    ],
  );
});

test('refusals name the field', () => {
  const bad = reservationSpec.safeParse({ service: 'shop', minInstances: 51, start: '2026-12-04T18:00', end: '2026-12-04T17:00', timeZone: 'Mars/Olympus' });
  assert.equal(bad.success, false);
  const paths = bad.error!.issues.map((i) => i.path.join('.'));
  assert.ok(paths.includes('minInstances') && paths.includes('timeZone'), JSON.stringify(paths));
});
