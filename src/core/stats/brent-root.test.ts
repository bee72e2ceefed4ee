import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brentRoot } from './brent-root';

const close = (got: number, want: number, tol: number) => assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${got} vs ${want}`);

// Reference roots: √2; the Dottie number (cos x = x) 0.73908513321516064 and the real root of Wallis's
// cubic x³ − 2x − 5, 2.0945514815423266, from mpmath 1.3 `findroot` at 40 significant digits.
test('brentRoot finds a bracketed root to 1e-10', () => {
  close(
    brentRoot((x) => x * x - 2, 0, 2),
    Math.SQRT2,
    1e-10,
  );
  close(
    brentRoot((x) => Math.cos(x) - x, 0, 1),
    0.73908513321516064,
    1e-10,
  );
  close(
    brentRoot((x) => x ** 3 - 2 * x - 5, 2, 3),
    2.0945514815423265,
    1e-10,
  );
  assert.equal(
    brentRoot((x) => x - 1, 1, 3),
    1,
  );
});
