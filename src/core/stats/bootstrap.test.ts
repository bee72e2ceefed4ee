import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../seeded-random';
import { bootstrapQuantileRatio, resampledQuantile } from './bootstrap';
import { quantileSorted, sorted } from './quantiles';
import { seededVariates } from './variates';

const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

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
