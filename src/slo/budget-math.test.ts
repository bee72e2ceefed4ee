import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetShare, budgetStatus, burnRate, sumWindow, sumWindows, timeToExhaustionMs, type BudgetingMethod } from './budget-math';
import { fromBadTotal, fromGoodTotal, fromRaw, fromThreshold } from './slice-series';

const MIN = 60_000;
const close = (a: number | null, b: number, eps = 1e-9) => assert.ok(a !== null && (a === b || Math.abs(a - b) < eps), `${a} ≉ ${b}`);

describe('Occurrences', () => {
  // 10 one-minute steps of 100 requests, 99 good each, but step 5 has 90 good.
  const good = [99, 99, 99, 99, 99, 90, 99, 99, 99, 99];
  const total = good.map(() => 100);
  const s = fromGoodTotal(0, MIN, good, total);
  const cases: { windowMin: number; good: number; total: number; burn: number }[] = [
    { windowMin: 10, good: 981, total: 1000, burn: 1.9 }, // 19/1000 errors over 1% allowed
    { windowMin: 5, good: 486, total: 500, burn: 2.8 }, // 14/500
    { windowMin: 4, good: 396, total: 400, burn: 1 }, // 4/400
  ];
  for (const c of cases) {
    test(`window ${c.windowMin}m`, () => {
      const w = sumWindow(s, 'Occurrences', { target: 0.99 }, 10 * MIN - c.windowMin * MIN, 10 * MIN);
      assert.deepEqual(w, { good: c.good, total: c.total });
      close(burnRate(w, 0.99), c.burn);
    });
  }
  test('budget: 10 events allowed, 19 spent, remaining -0.9', () => {
    const b = budgetStatus('Occurrences', 0.99, sumWindow(s, 'Occurrences', { target: 0.99 }, 0, 10 * MIN), 10);
    close(b.sli, 0.981);
    assert.equal(b.attained, false);
    close(b.budgetTotal, 10);
    assert.equal(b.budgetConsumed, 19);
    close(b.budgetRemaining, -0.9);
    assert.equal(b.unit, 'events');
  });
  test('bad/total gives the same sums as good/total', () => {
    const bad = good.map((g) => 100 - g);
    const s2 = fromBadTotal(0, MIN, bad, total);
    assert.deepEqual(sumWindow(s2, 'Occurrences', { target: 0.99 }, 0, 10 * MIN), { good: 981, total: 1000 });
  });
  test('several windows in one pass equal separate passes', () => {
    const many = sumWindows(s, 'Occurrences', { target: 0.99 }, 10 * MIN, [5 * MIN, 10 * MIN, 4 * MIN, 60 * MIN]);
    assert.deepEqual(
      many.map((w) => w.good),
      [486, 981, 396, 981],
    );
  });
});

describe('Timeslices', () => {
  // ratios per minute: 1, .96, .94, 1, .5, 1, 1, 1, 1, no data; slice good when ratio >= 0.95
  const total = [100, 100, 100, 100, 100, 100, 100, 100, 100, 0];
  const good = [100, 96, 94, 100, 50, 100, 100, 100, 100, 0];
  const s = fromGoodTotal(0, MIN, good, total);
  const obj = { target: 0.9, timeSliceTarget: 0.95, timeSliceWindowMs: MIN };
  test('7 good of 9 slices with data; budget is 10% of 10 slices = 1; 2 spent', () => {
    const w = sumWindow(s, 'Timeslices', obj, 0, 10 * MIN);
    assert.deepEqual(w, { good: 7, total: 9 });
    const b = budgetStatus('Timeslices', 0.9, w, 10);
    close(b.sli, 7 / 9);
    close(b.budgetTotal, 1);
    assert.equal(b.budgetConsumed, 2);
    close(b.budgetRemaining, -1);
    assert.equal(b.unit, 'slices');
  });
  test('two-minute slices aggregate their minutes first', () => {
    // pairs: (1,.96)=.98 good, (.94,1)=.97 good, (.5,1)=.75 bad, (1,1) good, (1,-) good → 4 of 5
    const w = sumWindow(s, 'Timeslices', { ...obj, timeSliceWindowMs: 2 * MIN }, 0, 10 * MIN);
    assert.deepEqual(w, { good: 4, total: 5 });
  });
  test('burn over the last 6 minutes: 1 bad of 5 slices with data = 0.2 / 0.1 = 2', () => {
    close(burnRate(sumWindow(s, 'Timeslices', obj, 4 * MIN, 10 * MIN), 0.9), 2);
  });
  test('threshold SLI: a step is good when the value meets the objective', () => {
    // latency p99 per minute, good when < 500 ms
    const t = fromThreshold(0, MIN, [120, 480, 500, 900, Number.NaN], 'lt', 500);
    assert.deepEqual(sumWindow(t, 'Occurrences', { target: 0.99 }, 0, 5 * MIN), { good: 2, total: 4 });
    assert.deepEqual(sumWindow(t, 'Timeslices', { target: 0.99, timeSliceTarget: 1 }, 0, 5 * MIN), { good: 2, total: 4 });
  });
});

describe('RatioTimeslices', () => {
  const s = fromGoodTotal(0, MIN, [100, 90, 8, 50], [100, 100, 10, 50]);
  test('mean ratio 0.925; budget 0.4 slices; 0.3 spent; remaining 0.25; burn 0.75', () => {
    const w = sumWindow(s, 'RatioTimeslices', { target: 0.9 }, 0, 4 * MIN);
    close(w.good, 3.7);
    assert.equal(w.total, 4);
    const b = budgetStatus('RatioTimeslices', 0.9, w, 4);
    close(b.sli, 0.925);
    close(b.budgetTotal, 0.4);
    close(b.budgetConsumed, 0.3);
    close(b.budgetRemaining, 0.25);
    close(burnRate(w, 0.9), 0.75);
  });
  test('raw ratios: success and failure', () => {
    const ok = fromRaw(0, MIN, [1, 0.9, Number.NaN, 0.8], 'success');
    close(sumWindow(ok, 'RatioTimeslices', { target: 0.9 }, 0, 4 * MIN).good, 2.7);
    const bad = fromRaw(0, MIN, [0, 0.1, 0.2], 'failure');
    close(sumWindow(bad, 'RatioTimeslices', { target: 0.9 }, 0, 3 * MIN).good, 2.7);
  });
});

describe('edge cases and exhaustion', () => {
  const table: { name: string; remaining: number; burn: number | null; periodMs: number; want: number }[] = [
    { name: 'half left at 2x over 30d = 7.5d', remaining: 0.5, burn: 2, periodMs: 30 * 86_400_000, want: 7.5 * 86_400_000 },
    { name: 'all left at 14.4x over 30d ≈ 50h', remaining: 1, burn: 14.4, periodMs: 30 * 86_400_000, want: 50 * 3_600_000 },
    { name: 'spent', remaining: -0.2, burn: 3, periodMs: 1, want: 0 },
    { name: 'no burn', remaining: 0.7, burn: 0, periodMs: 1, want: Infinity },
    { name: 'no data', remaining: 0.7, burn: null, periodMs: 1, want: Infinity },
  ];
  for (const c of table) test(c.name, () => close(timeToExhaustionMs(c.remaining, c.burn, c.periodMs), c.want, 1e-3));
  test('no data: SLI null, budget untouched', () => {
    for (const m of ['Occurrences', 'RatioTimeslices'] as BudgetingMethod[]) {
      const b = budgetStatus(m, 0.99, { good: 0, total: 0 }, 10);
      assert.equal(b.sli, null);
      assert.equal(b.attained, null);
      assert.equal(b.budgetRemaining, 1);
    }
    assert.equal(burnRate({ good: 0, total: 0 }, 0.99), null);
  });
  test('budget share and data outside the window', () => {
    assert.equal(budgetShare(3, 10), 0.3);
    const s = fromGoodTotal(0, MIN, [1, 0, 1], [1, 1, 1]);
    assert.deepEqual(sumWindow(s, 'Occurrences', { target: 0.5 }, 2 * MIN, 3 * MIN), { good: 1, total: 1 });
    // a partial last step (toMs mid-step) is not counted
    assert.deepEqual(sumWindow(s, 'Occurrences', { target: 0.5 }, 0, 2.5 * MIN), { good: 1, total: 2 });
  });
});
