import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { changeWindowSpecSchema, windowOccurrences, windowApplies, type ChangeWindowSpec } from './change-window';
import { detectConflicts, insideFreeze, type ConflictInput } from './change-conflicts';

const w = (spec: Record<string, unknown>): ChangeWindowSpec => changeWindowSpecSchema.parse(spec);
const at = (s: string) => Date.parse(s);
const H = 3600_000;

const windows = [
  {
    name: 'quarter-end',
    spec: w({
      type: 'freeze',
      reason: 'quarter-end reporting',
      start: '2026-03-27T00:00',
      end: '2026-04-01T00:00',
      timeZone: 'Europe/Paris',
      scope: { environments: ['production'] },
    }),
  },
  {
    name: 'shop-saturday',
    spec: w({
      type: 'maintenance',
      start: '2026-03-07T22:00',
      durationMinutes: 240,
      rrule: 'FREQ=WEEKLY;BYDAY=SA',
      timeZone: 'Europe/Paris',
      scope: { services: ['shop'] },
    }),
  },
  {
    name: 'tier1-nights',
    spec: w({ type: 'freeze', start: '2026-01-01T18:00', durationMinutes: 14 * 60, rrule: 'FREQ=DAILY', timeZone: 'UTC', scope: { tiers: [1] } }),
  },
];

const base: ConflictInput = {
  change: {
    id: 'c1',
    service: 'shop',
    environment: 'production',
    tier: 2,
    startMs: at('2026-03-14T21:30:00Z'),
    endMs: at('2026-03-14T22:30:00Z'),
    oncall: 'olga',
  },
  hardDependencies: ['db'],
  windows,
  others: [],
};

describe('change windows', () => {
  test('schema errors name the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'freeze', start: '2026-01-01T00:00', timeZone: 'Mars/Base', durationMinutes: 5 }, 'timeZone'],
      [{ type: 'freeze', start: '2026-01-01T00:00' }, 'durationMinutes'],
      [{ type: 'freeze', start: '2026-01-01T00:00', end: '2025-01-01T00:00' }, 'end'],
      [{ type: 'freeze', start: '2026-01-01T00:00Z', durationMinutes: 5 }, 'start'],
      [{ type: 'freeze', start: '2026-01-01T00:00', durationMinutes: 5, rrule: 'FREQ=SECONDLY' }, 'rrule'],
      [{ type: 'blackout', start: '2026-01-01T00:00', durationMinutes: 5 }, 'type'],
    ];
    for (const [spec, field] of cases) {
      const r = changeWindowSpecSchema.safeParse(spec);
      assert.equal(r.success, false, field);
      assert.equal(r.error!.issues[0].path[0], field);
    }
  });

  test('recurring maintenance keeps local time across DST; a window that started before the range is included', () => {
    const occ = windowOccurrences(windows[1].spec, at('2026-03-28T23:00:00Z'), at('2026-04-05T00:00:00Z'));
    assert.deepEqual(
      occ.map((o) => new Date(o.startMs).toISOString()),
      ['2026-03-28T21:00:00.000Z', '2026-04-04T20:00:00.000Z'],
    );
    assert.equal(occ[0].endMs - occ[0].startMs, 4 * H);
  });

  test('scope', () => {
    assert.equal(windowApplies(windows[0].spec, { service: 'x', tier: 3, environment: 'production' }), true);
    assert.equal(windowApplies(windows[0].spec, { service: 'x', tier: 3, environment: 'staging' }), false);
    assert.equal(windowApplies(windows[2].spec, { service: 'x', tier: 2, environment: 'staging' }), false);
  });

  test('insideFreeze', () => {
    const t = { service: 'shop', tier: 2, environment: 'production' };
    assert.equal(insideFreeze(windows, t, at('2026-03-30T12:00:00Z')), 'quarter-end');
    assert.equal(insideFreeze(windows, t, at('2026-04-02T12:00:00Z')), undefined);
    assert.equal(insideFreeze(windows, { ...t, tier: 1 }, at('2026-04-02T20:00:00Z')), 'tier1-nights');
  });
});

describe('detectConflicts', () => {
  const cases: [string, (i: ConflictInput) => ConflictInput, string[]][] = [
    ['inside the maintenance window: no conflict', (i) => i, []],
    [
      'outside the maintenance window',
      (i) => ({ ...i, change: { ...i.change, startMs: at('2026-03-14T12:00:00Z'), endMs: at('2026-03-14T13:00:00Z') } }),
      ['outside-maintenance'],
    ],
    [
      'straddling the window end is outside',
      (i) => ({ ...i, change: { ...i.change, startMs: at('2026-03-15T00:30:00Z'), endMs: at('2026-03-15T01:30:00Z') } }),
      ['outside-maintenance'],
    ],
    [
      'in the quarter-end freeze (and outside maintenance)',
      (i) => ({ ...i, change: { ...i.change, startMs: at('2026-03-30T10:00:00Z'), endMs: at('2026-03-30T11:00:00Z') } }),
      ['freeze', 'outside-maintenance'],
    ],
    [
      'freeze scope: staging is not frozen',
      (i) => ({ ...i, change: { ...i.change, environment: 'staging', startMs: at('2026-03-30T10:00:00Z'), endMs: at('2026-03-30T11:00:00Z') } }),
      ['outside-maintenance'],
    ],
    [
      'same service overlapping',
      (i) => ({
        ...i,
        others: [{ id: 'c2', service: 'shop', environment: 'production', startMs: at('2026-03-14T22:00:00Z'), endMs: at('2026-03-14T23:00:00Z') }],
      }),
      ['same-service'],
    ],
    [
      'same service, other environment: fine',
      (i) => ({
        ...i,
        others: [{ id: 'c2', service: 'shop', environment: 'staging', startMs: at('2026-03-14T22:00:00Z'), endMs: at('2026-03-14T23:00:00Z') }],
      }),
      [],
    ],
    [
      'same service, adjacent slot: fine',
      (i) => ({
        ...i,
        others: [{ id: 'c2', service: 'shop', environment: 'production', startMs: at('2026-03-14T22:30:00Z'), endMs: at('2026-03-14T23:00:00Z') }],
      }),
      [],
    ],
    [
      'a hard dependency changing at the same time',
      (i) => ({
        ...i,
        others: [{ id: 'c3', service: 'db', environment: 'production', startMs: at('2026-03-14T21:00:00Z'), endMs: at('2026-03-14T22:00:00Z') }],
      }),
      ['dependency'],
    ],
    [
      'a hard dependent changing at the same time',
      (i) => ({
        ...i,
        others: [
          {
            id: 'c4',
            service: 'web',
            environment: 'production',
            hardDependencies: ['shop'],
            startMs: at('2026-03-14T21:00:00Z'),
            endMs: at('2026-03-14T22:00:00Z'),
          },
        ],
      }),
      ['dependency'],
    ],
    [
      'on-call double-booked on an unrelated service',
      (i) => ({
        ...i,
        others: [{ id: 'c5', service: 'mail', environment: 'staging', oncall: 'olga', startMs: at('2026-03-14T21:00:00Z'), endMs: at('2026-03-14T22:00:00Z') }],
      }),
      ['oncall-double-booked'],
    ],
    ['itself is not a conflict', (i) => ({ ...i, others: [{ ...i.change }] }), []],
  ];
  for (const [name, f, kinds] of cases) {
    test(name, () => {
      const got = detectConflicts(f(base));
      assert.deepEqual(
        got.map((c) => c.kind),
        kinds,
      );
      for (const c of got) assert.ok(c.message.length > 10);
      assert.equal(
        got.some((c) => c.blocking),
        kinds.includes('freeze'),
      );
    });
  }
  test('the freeze message carries the reason', () => {
    const got = detectConflicts({ ...base, change: { ...base.change, startMs: at('2026-03-30T10:00:00Z'), endMs: at('2026-03-30T11:00:00Z') } });
    assert.match(got[0].message, /quarter-end reporting/);
  });
});
