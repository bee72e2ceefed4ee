import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logBeta } from './beta';

const close = (got: number, want: number, tol: number) => assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${got} vs ${want}`);

// Reference values: B(1/2, 1/2) = π and B(2, 3) = 1/12 (closed forms); the rest from
// mpmath 1.3 `log(beta(a, b))` at 40 significant digits, shown to 17. Checked to 1e-13 (logGamma's
// ~15 digits, less the cancellation of three terms).
test('logBeta against reference values', () => {
  const rows: [a: number, b: number, lnBeta: number][] = [
    [0.5, 0.5, Math.log(Math.PI)],
    [2, 3, Math.log(1 / 12)],
    [10, 20, -19.115327299887045],
    [0.1, 200, 1.7231060649945515],
  ];
  for (const [a, b, want] of rows) close(logBeta(a, b), want, 1e-13);
  close(logBeta(3, 7), logBeta(7, 3), 1e-15);
});
