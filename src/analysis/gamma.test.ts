import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logChoose, logGamma } from './gamma';

// Error relative to max(1, |want|): ln Γ crosses 0 at 1 and 2, where only an absolute error means anything.
const close = (got: number, want: number, tol: number) => assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${got} vs ${want}`);

// logGamma claims ~15 significant digits; checked to 1e-14.
// Reference values: closed forms (ln Γ(1/2) = ln √π, Γ(n) = (n − 1)!) and, for the rest, mpmath 1.3
// `loggamma` at 40 significant digits (mp.dps = 40), shown here to 17 (Γ(1/3) and Γ(1/4) to 20,
// from mpmath `gamma`).
test('logGamma against reference values', () => {
  const rows: [x: number, lnGamma: number][] = [
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [0.5, 0.57236494292470009],
    [1 / 3, Math.log(2.6789385347077476337)],
    [0.25, Math.log(3.6256099082219083119)],
    [0.001, 6.9071788853838537],
    [0.1, 2.252712651734206],
    [0.75, 0.20328095143129537],
    [1.5, -0.12078223763524522],
    [2.5, 0.28468287047291916],
    [10.5, 13.940625219403764],
    [101, 363.73937555556349], // ln 100!
    [1000, 5905.2204232091812],
    [1e6, 12815504.569147612],
  ];
  for (const [x, want] of rows) close(logGamma(x), want, 1e-14);
});

// Reference values: ln of the exact binomial coefficients C(50, 25) = 126410606437752 and
// C(1000, 10) = 263409560461970212832400 (mpmath `binomial`, exact integers).
test('logChoose against exact binomial coefficients', () => {
  close(logChoose(10, 3), Math.log(120), 1e-14);
  close(logChoose(50, 25), 32.470556505811992, 1e-13);
  close(logChoose(1000, 10), 53.927997037888276, 1e-13);
  assert.equal(logChoose(7, 0), 0);
  assert.equal(logChoose(7, 7), 0);
  assert.equal(logChoose(3, 4), -Infinity);
  assert.equal(logChoose(3, -1), -Infinity);
});
