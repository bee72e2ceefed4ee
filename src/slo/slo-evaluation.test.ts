import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSlo, requiredRange } from './slo-evaluation';
import { IncrementalEvaluation } from './incremental-evaluation';
import type { SloModel } from './slo-model';
import { defaultAlertWindows } from './alert-windows';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const T0 = Date.parse('2026-03-01T00:00:00Z');

function model(over: Partial<SloModel> = {}): SloModel {
  return {
    name: 'checkout-availability',
    service: 'checkout',
    indicatorName: 'ok',
    budgetingMethod: 'Occurrences',
    indicator: { kind: 'ratio', counter: false, good: { type: 'shipgate', spec: {} }, total: { type: 'shipgate', spec: {} } },
    window: { duration: '30d', isRolling: true },
    objectives: [{ name: 'avail', target: 0.999 }],
    notificationTargets: [],
    layer: 'user-facing',
    components: [],
    alertsDisabled: [],
    ...over,
  };
}

/** 30 days + 1 hour of one-minute data, 100 requests a minute, all good except `bad` minutes. */
function data(badMinutes: (i: number) => number) {
  const n = 30 * 24 * 60 + 60;
  const total = new Uint16Array(n).fill(100);
  const good = new Uint16Array(n);
  for (let i = 0; i < n; i++) good[i] = 100 - badMinutes(i);
  return { startMs: T0, stepMs: MIN, good, total, n };
}

describe('evaluateSlo', () => {
  test('the last hour fails 2%: page-fast fires, budget and exhaustion by hand', () => {
    const d = data((i) => (i >= 30 * 24 * 60 - 60 && i < 30 * 24 * 60 ? 2 : 0));
    const at = T0 + 30 * D;
    const s = evaluateSlo(model(), d, at);
    const o = s.objectives[0];
    // window: 43,200 minutes × 100 = 4,320,000 requests; 120 bad; budget 4,320 → remaining 1 − 120/4320
    assert.equal(o.budgetConsumed, 120);
    assert.ok(Math.abs(o.budgetTotal - 4320) < 1e-6);
    assert.ok(Math.abs(o.budgetRemaining - (1 - 120 / 4320)) < 1e-12);
    // 1h: 2% errors / 0.1% allowed = burn 20; 6h: 120/36000 / 0.001 = 3.333…
    assert.ok(Math.abs(o.burnRates['1h']! - 20) < 1e-9);
    assert.ok(Math.abs(o.burnRates['6h']! - 10 / 3) < 1e-9);
    assert.ok(Math.abs(o.burnRates['5m']! - 20) < 1e-9);
    // 2h: 120/12,000 → 10 but 1d: 120/144,000 → 0.83, so no ticket; 30m burns 20 but 6h only 3.3
    assert.deepEqual(
      o.alerts.filter((a) => a.firing).map((a) => a.name),
      ['page-fast'],
    );
    // time to exhaustion at burn 20 over 30 days: remaining × 30d / 20
    assert.ok(Math.abs(o.timeToExhaustionMs! - ((1 - 120 / 4320) * 30 * D) / 20) < 1);
    assert.equal(o.attained, true);
  });
  test('deploy grace holds the page, the budget still counts everything', () => {
    const d = data((i) => (i >= 30 * 24 * 60 - 60 && i < 30 * 24 * 60 ? 2 : 0));
    const at = T0 + 30 * D;
    const s = evaluateSlo(model({ deployGrace: { durationMs: 10 * MIN, overrideFactor: 2 } }), d, at, { lastDeployMs: at - 5 * MIN });
    const page = s.objectives[0].alerts.find((a) => a.name === 'page-fast')!;
    assert.equal(page.active, true);
    assert.equal(page.firing, false);
    assert.equal(page.heldUntilMs, at + 5 * MIN);
    assert.equal(s.objectives[0].budgetConsumed, 120);
  });
  test('disabled severities are not evaluated', () => {
    const d = data(() => 0);
    const s = evaluateSlo(model({ alertsDisabled: ['page'] }), d, T0 + 30 * D);
    assert.deepEqual(
      s.objectives[0].alerts.map((a) => a.severity),
      ['ticket', 'ticket'],
    );
    assert.equal(s.objectives[0].timeToExhaustionMs, null);
  });
  test('required range covers the window and the longest alert window', () => {
    const at = T0 + 30 * D;
    assert.equal(requiredRange(model({ window: { duration: '1d', isRolling: true } }), at).fromMs, at - D); // scaled windows: 3d/30 = 2.4h
    assert.equal(requiredRange(model({ window: { duration: '1d', isRolling: true }, alertWindows: defaultAlertWindows(30 * D) }), at).fromMs, at - 3 * D);
  });
  test('threshold SLI per objective op/value', () => {
    const values = Float64Array.from({ length: 120 }, (_, i) => (i % 4 === 0 ? 900 : 100));
    const m = model({
      indicator: { kind: 'threshold', metric: { type: 'shipgate', spec: {} } },
      window: { duration: '2h', isRolling: true },
      objectives: [{ name: 'p99', target: 0.9, op: 'lt', value: 500 }],
    });
    const s = evaluateSlo(m, { startMs: T0, stepMs: MIN, values }, T0 + 2 * H);
    assert.equal(s.objectives[0].sli, 0.75);
    assert.ok(Math.abs(s.objectives[0].burnRates['1h']! - 2.5) < 1e-9);
  });
});

describe('IncrementalEvaluation', () => {
  for (const method of ['Occurrences', 'Timeslices', 'RatioTimeslices'] as const) {
    for (const rolling of [true, false]) {
      test(`${method}, ${rolling ? 'rolling' : 'calendar'}: ticks equal full evaluations`, () => {
        const d = data((i) => ((i * 7919) % 13 === 0 ? i % 50 : 0));
        const m = model({
          budgetingMethod: method,
          window: rolling
            ? { duration: '28d', isRolling: true }
            : { duration: '1w', isRolling: false, calendar: { startTime: '2026-01-03 00:00:00', timeZone: 'Europe/Paris' } },
          objectives: [{ name: 'o', target: 0.99, timeSliceTarget: 0.95, timeSliceWindowMs: MIN }],
        });
        let at = T0 + 29 * D + 23 * H;
        const inc = new IncrementalEvaluation(m, d, at);
        for (let k = 0; k < 61; k++) {
          at += MIN;
          inc.advance(d, at);
        }
        const full = evaluateSlo(m, d, at);
        const got = inc.status();
        const a = got.objectives[0];
        const b = full.objectives[0];
        assert.ok(Math.abs(a.budgetConsumed - b.budgetConsumed) < 1e-6, `${a.budgetConsumed} vs ${b.budgetConsumed}`);
        assert.ok(Math.abs(a.budgetRemaining - b.budgetRemaining) < 1e-9);
        for (const w of Object.keys(b.burnRates)) assert.ok(Math.abs((a.burnRates[w] ?? 0) - (b.burnRates[w] ?? 0)) < 1e-9, w);
        assert.deepEqual(
          a.alerts.map((x) => x.firing),
          b.alerts.map((x) => x.firing),
        );
      });
    }
  }
});
