import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nelderMead } from './nelder-mead';

describe('nelderMead', () => {
  test('finds the minimum of the Rosenbrock function at (1, 1) from the textbook start (−1.2, 1)', () => {
    const rosen = ([x, y]: number[]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], { maxEvaluations: 2000, tolerance: 1e-14 });
    assert.ok(Math.abs(r.x[0] - 1) < 1e-3 && Math.abs(r.x[1] - 1) < 1e-3, `at ${r.x}`);
    assert.ok(r.value < 1e-6);
  });
  test('a shifted quadratic bowl in 4 dimensions: the centre, within the budget', () => {
    const c = [0.3, -2, 5, 1.5];
    const r = nelderMead((x) => x.reduce((s, v, i) => s + (i + 1) * (v - c[i]) ** 2, 0), [0, 0, 0, 0], { maxEvaluations: 3000, tolerance: 1e-16 });
    r.x.forEach((v, i) => assert.ok(Math.abs(v - c[i]) < 1e-3, `coordinate ${i}: ${v}`));
    assert.ok(r.evaluations <= 3000 + 5, `${r.evaluations} evaluations`);
  });
  test('non-finite objective values are treated as +∞ (the simplex moves away from them)', () => {
    const r = nelderMead(([x]) => (x < 0 ? Number.NaN : (x - 2) ** 2), [1], { tolerance: 1e-14 });
    assert.ok(Math.abs(r.x[0] - 2) < 1e-3, `at ${r.x}`);
  });
});
