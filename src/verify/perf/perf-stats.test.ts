import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/seeded-random';
import {
  hodgesLehmann,
  kthPairwiseDifference,
  mannWhitney,
  mannWhitneyNull,
  normalCdf,
  normalQuantile,
  quantileSorted,
  shiftIntervalRank,
  sorted,
} from './perf-stats';
import { bootstrapQuantileRatio, resampledQuantile, seededVariates } from './perf-bootstrap';

// Hollander & Wolfe (1973), p. 69f: permeability constants of the human chorioamnion, at term (x)
// and at 12–26 weeks (y). R's `wilcox.test(x, y, alternative = "greater")` example: W = 35,
// p = 0.1272; Hollander & Wolfe give the Hodges-Lehmann estimate of the shift as 0.305.
const atTerm = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const early = [1.15, 0.88, 0.9, 0.74, 1.21];

const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

function brutePairs(x: number[], y: number[]): number[] {
  const d: number[] = [];
  for (const a of x) for (const b of y) d.push(b - a);
  return d.sort((p, q) => p - q);
}

describe('Mann-Whitney', () => {
  test('the published example: U = 35, one-sided exact p = 0.1272', () => {
    const r = mannWhitney(atTerm, early);
    assert.equal(r.u, 35);
    assert.equal(r.exact, true);
    close(r.pGreater, 0.1272, 5e-5, 'p');
    close(r.pTwoSided, 2 * r.pGreater, 1e-12, 'two-sided');
  });
  test('the null distribution sums to 1, is symmetric, and P(U = 0) = 1 / C(m + n, m)', () => {
    for (const [m, n, combos] of [
      [3, 3, 20],
      [4, 6, 210],
      [10, 10, 184756],
    ]) {
      const p = mannWhitneyNull(m, n);
      assert.equal(p.length, m * n + 1);
      close(
        p.reduce((a, b) => a + b, 0),
        1,
        1e-12,
        'sum',
      );
      for (let u = 0; u <= m * n; u++) close(p[u], p[m * n - u], 1e-15, `symmetry at ${u}`);
      close(p[0], 1 / combos, 1e-15, 'P(U=0)');
    }
  });
  test('ties: the normal approximation with the tie correction', () => {
    const r = mannWhitney([1, 1, 2, 2, 3], [2, 3, 3, 4, 4]);
    assert.equal(r.exact, false);
    // Ranks of x: 1.5, 1.5, 4, 4, 7 → 18; U = 18 − 15 = 3.
    assert.equal(r.u, 3);
    assert.ok(r.pTwoSided > 0.02 && r.pTwoSided < 0.1, String(r.pTwoSided));
  });
});

describe('Hodges-Lehmann shift and its distribution-free interval', () => {
  test('the published estimate 0.305, and the interval from the exact C = 9 (table critical value 8 for m = 10, n = 5)', () => {
    const r = hodgesLehmann(early, atTerm, 0.95);
    close(r.shift, 0.305, 1e-12, 'estimate');
    const d = brutePairs(early, atTerm);
    assert.equal(shiftIntervalRank(10, 5, 0.95).c, 9);
    close(r.lower, d[8], 1e-12, 'lower = D(9)');
    close(r.upper, d[50 - 9], 1e-12, 'upper = D(42)');
    close(r.lower, -0.15, 1e-12, 'lower');
    close(r.upper, 0.76, 1e-12, 'upper');
    assert.ok(r.confidence >= 0.95 && r.confidence < 0.97, String(r.confidence));
  });
  test('C from published Mann-Whitney critical values (two-sided 5%: 2 for 5×5, 23 for 10×10, 127 for 20×20), normal beyond 50×50', () => {
    assert.equal(shiftIntervalRank(5, 5, 0.95).c, 3);
    assert.equal(shiftIntervalRank(10, 10, 0.95).c, 24);
    assert.equal(shiftIntervalRank(20, 20, 0.95).c, 128);
    // round(5000 − 1.959964 · √(100·100·201/12)) = round(4197.85)
    assert.equal(shiftIntervalRank(100, 100, 0.95).c, 4198);
  });
  test('the k-th pairwise difference equals the brute-force one, ties and negative values included', () => {
    const rnd = seededRandom(7);
    for (let t = 0; t < 30; t++) {
      const m = 1 + Math.floor(rnd() * 25);
      const n = 1 + Math.floor(rnd() * 25);
      const gen = () => (t % 3 === 0 ? Math.round(rnd() * 5) : (rnd() - 0.3) * 100);
      const x = Array.from({ length: m }, gen);
      const y = Array.from({ length: n }, gen);
      const d = brutePairs(x, y);
      const xs = sorted(x);
      const ys = sorted(y);
      for (const k of [1, Math.ceil(d.length / 3), Math.ceil(d.length / 2), d.length])
        assert.equal(kthPairwiseDifference(xs, ys, k), d[k - 1], `m=${m} n=${n} k=${k}`);
    }
  });
  test('a pure shift is found exactly', () => {
    const rnd = seededRandom(3);
    const x = Array.from({ length: 300 }, () => 10 + rnd() * 5);
    const r = hodgesLehmann(
      x,
      x.map((v) => v + 2),
      0.95,
    );
    close(r.shift, 2, 1e-9, 'shift');
    assert.ok(r.lower < 2 && r.upper > 2);
  });
});

describe('quantiles and the normal distribution', () => {
  test('type 7 quantiles as R computes them', () => {
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    close(quantileSorted(sorted(Array.from({ length: 10 }, (_, i) => i + 1)), 0.99), 9.91, 1e-12, 'quantile(1:10, .99)');
    assert.equal(quantileSorted([5], 0.99), 5);
  });
  test('normal quantile and CDF', () => {
    close(normalQuantile(0.975), 1.959964, 1e-6, 'z.975');
    close(normalQuantile(0.005), -2.575829, 1e-6, 'z.005');
    close(normalCdf(1.96), 0.9750021, 1e-6, 'Φ(1.96)');
    close(normalCdf(-1), 0.1586553, 1e-6, 'Φ(−1)');
  });
});

describe('bootstrap of a quantile ratio', () => {
  test('the O(1) resampled quantile has the distribution of a drawn-and-sorted resample (mean and spread)', () => {
    const rnd = seededRandom(11);
    const s = sorted(Array.from({ length: 500 }, () => Math.exp(rnd() * 2)));
    const v = seededVariates(5);
    const direct = seededVariates(6);
    const B = 4000;
    const fast: number[] = [];
    const slow: number[] = [];
    for (let b = 0; b < B; b++) {
      fast.push(resampledQuantile(s, 0.95, v));
      const r = new Float64Array(s.length);
      for (let i = 0; i < s.length; i++) r[i] = s[Math.floor(direct.uniform() * s.length)];
      slow.push(quantileSorted(r.sort(), 0.95));
    }
    const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    const sd = (a: number[]) => Math.sqrt(mean(a.map((x) => (x - mean(a)) ** 2)));
    close(mean(fast), mean(slow), 0.01 * mean(slow), 'mean');
    close(sd(fast), sd(slow), 0.1 * sd(slow), 'sd');
  });
  test('beta variates have mean a / (a + b)', () => {
    const v = seededVariates(9);
    let t = 0;
    for (let i = 0; i < 20000; i++) t += v.beta(3, 7);
    close(t / 20000, 0.3, 0.005, 'mean of Beta(3, 7)');
  });
  test('a candidate 20% slower everywhere: the ratio is 1.2, inside a narrow interval; seeded runs agree', () => {
    const rnd = seededRandom(1);
    const base = Array.from({ length: 5000 }, () => Math.exp(3 + 0.5 * (rnd() + rnd() + rnd() - 1.5)));
    const b = sorted(base);
    const c = sorted(base.map((x) => x * 1.2));
    const r = bootstrapQuantileRatio(b, c, 0.99, 0.95, 2000, 42);
    close(r.ratio, 1.2, 1e-12, 'ratio');
    assert.ok(r.lower < 1.2 && r.upper > 1.2 && r.upper - r.lower < 0.15, JSON.stringify(r));
    assert.deepEqual(bootstrapQuantileRatio(b, c, 0.99, 0.95, 2000, 42), r);
    assert.notDeepEqual(bootstrapQuantileRatio(b, c, 0.99, 0.95, 2000, 43), r);
  });
});
