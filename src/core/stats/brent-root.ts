/**
 * Root finding on a bracket. Pure, no I/O.
 */

/**
 * Brent's root finder on [lo, hi] where f(lo) and f(hi) have opposite signs
 * (absolute tolerance 1e-10 relative to the bracket, like Commons Math's BrentSolver defaults).
 */
export function brentRoot(f: (x: number) => number, lo: number, hi: number, fLo = f(lo), fHi = f(hi), maxIter = 200): number {
  // Numerical Recipes' zbrent: inverse quadratic interpolation with bisection as a fallback.
  let a = lo,
    b = hi,
    c = hi;
  let fa = fLo,
    fb = fHi,
    fc = fHi;
  let d = 0,
    e = 0;
  const tol = 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi));
  for (let i = 0; i < maxIter; i++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return b;
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number, q: number;
      if (a === c) {
        p = 2 * xm * s;
        q = 1 - s;
      } else {
        const qq = fa / fc,
          r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = Math.abs(p);
      const min1 = 3 * xm * q - Math.abs(tol1 * q);
      const min2 = Math.abs(e * q);
      if (2 * p < Math.min(min1, min2)) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : xm >= 0 ? tol1 : -tol1;
    fb = f(b);
  }
  return b;
}
