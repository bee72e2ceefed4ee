import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { seededRandom } from '../seeded-random';
import { hodgesLehmann, kayentaMannWhitneyShift, kthPairwiseDifference, mannWhitney, mannWhitneyNull, shiftIntervalRank } from './mann-whitney';
import { sorted } from './quantiles';

interface Vector {
  name: string;
  x: number[];
  y: number[];
  u: number;
  pValue: number;
  confidenceLevel: number;
  shift?: { lower: number; upper: number; estimate: number };
}

const vectors = (JSON.parse(readFileSync(new URL('./fixtures/mann-whitney-vectors.json', import.meta.url), 'utf8')) as { cases: Vector[] }).cases;

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('mann-whitney (asymptotic) and the Kayenta shift against SciPy vectors', () => {
  assert.ok(vectors.length >= 10);
  for (const v of vectors) {
    test(v.name, () => {
      const r = mannWhitney(v.x, v.y, 'asymptotic');
      close(r.u, v.u, 1e-12, 'U');
      close(r.pTwoSided, v.pValue, 1e-6, 'p-value');
      if (v.shift) {
        const s = kayentaMannWhitneyShift(v.x, v.y, v.confidenceLevel);
        close(s.lower, v.shift.lower, 1e-6, 'lower');
        close(s.upper, v.shift.upper, 1e-6, 'upper');
        close(s.estimate, v.shift.estimate, 1e-6, 'estimate');
      }
    });
  }
});

test('all values tied: p = 1, Kayenta shift interval refused', () => {
  assert.equal(mannWhitney([1, 1], [1, 1, 1]).pTwoSided, 1);
  assert.equal(mannWhitney([1, 1], [1, 1, 1], 'asymptotic').pTwoSided, 1);
  assert.throws(() => kayentaMannWhitneyShift([1, 1], [1, 1], 0.98), /tied/);
});

test('empty sample gives NaN', () => {
  const r = mannWhitney([], [1]);
  assert.ok(Number.isNaN(r.u) && Number.isNaN(r.pTwoSided) && Number.isNaN(r.pGreater));
});

test('asymptotic p-values keep precision far in the tail (where 1 − Φ(z) would round to 0)', () => {
  const x = Array.from({ length: 200 }, (_, i) => i + 1000);
  const y = Array.from({ length: 200 }, (_, i) => i);
  const r = mannWhitney(x, y);
  assert.equal(r.exact, false);
  assert.ok(r.pGreater > 0 && r.pGreater < 1e-60, String(r.pGreater));
  close(r.pTwoSided, 2 * r.pGreater, 1e-9, 'two-sided');
});

// Hollander & Wolfe (1973), p. 69f: permeability constants of the human chorioamnion, at term (x)
// and at 12–26 weeks (y). R's `wilcox.test(x, y, alternative = "greater")` example: W = 35,
// p = 0.1272; Hollander & Wolfe give the Hodges-Lehmann estimate of the shift as 0.305.
const atTerm = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const early = [1.15, 0.88, 0.9, 0.74, 1.21];

const near = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

function brutePairs(x: number[], y: number[]): number[] {
  const d: number[] = [];
  for (const a of x) for (const b of y) d.push(b - a);
  return d.sort((p, q) => p - q);
}

describe('Mann-Whitney, exact for small untied samples', () => {
  test('the published example: U = 35, one-sided exact p = 0.1272', () => {
    const r = mannWhitney(atTerm, early);
    assert.equal(r.u, 35);
    assert.equal(r.exact, true);
    near(r.pGreater, 0.1272, 5e-5, 'p');
    near(r.pTwoSided, 2 * r.pGreater, 1e-12, 'two-sided');
  });
  test('the null distribution sums to 1, is symmetric, and P(U = 0) = 1 / C(m + n, m)', () => {
    for (const [m, n, combos] of [
      [3, 3, 20],
      [4, 6, 210],
      [10, 10, 184756],
    ]) {
      const p = mannWhitneyNull(m, n);
      assert.equal(p.length, m * n + 1);
      near(
        p.reduce((a, b) => a + b, 0),
        1,
        1e-12,
        'sum',
      );
      for (let u = 0; u <= m * n; u++) near(p[u], p[m * n - u], 1e-15, `symmetry at ${u}`);
      near(p[0], 1 / combos, 1e-15, 'P(U=0)');
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
    near(r.shift, 0.305, 1e-12, 'estimate');
    const d = brutePairs(early, atTerm);
    assert.equal(shiftIntervalRank(10, 5, 0.95).c, 9);
    near(r.lower, d[8], 1e-12, 'lower = D(9)');
    near(r.upper, d[50 - 9], 1e-12, 'upper = D(42)');
    near(r.lower, -0.15, 1e-12, 'lower');
    near(r.upper, 0.76, 1e-12, 'upper');
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
    near(r.shift, 2, 1e-9, 'shift');
    assert.ok(r.lower < 2 && r.upper > 2);
  });
});
