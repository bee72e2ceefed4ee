/**
 * Anytime-valid confidence bounds for one proportion (errors among requests) from a beta-binomial
 * mixture martingale (Robbins): for a candidate rate p0 the e-value is
 * B(a + x, b + n − x) / B(a, b) / (p0^x (1 − p0)^(n − x)); the bounds are the p0 where it reaches
 * 1/alpha. Valid at every n at once, so it may be checked after every interval. Pure, no I/O.
 */
import { logBeta } from './beta';

/** Beta prior of the mixture, centred on low error rates (mean ≈ 1%). */
export const PRIOR = { a: 0.5, b: 50 } as const;

function logEValue(x: number, n: number, p0: number): number {
  const lm = logBeta(PRIOR.a + x, PRIOR.b + n - x) - logBeta(PRIOR.a, PRIOR.b);
  const lnull = (x > 0 ? x * Math.log(p0) : 0) + (n - x > 0 ? (n - x) * Math.log1p(-p0) : 0);
  return lm - lnull;
}

function bisect(f: (p: number) => boolean, inside: number, outside: number): number {
  let a = inside;
  let b = outside;
  for (let i = 0; i < 60; i++) {
    const m = (a + b) / 2;
    if (f(m)) a = m;
    else b = m;
  }
  return b;
}

/** Upper bound on the rate after x events in n trials at level 1 − alpha; 1 when n = 0. */
export function proportionUpperBound(x: number, n: number, alpha: number): number {
  if (n === 0) return 1;
  const limit = Math.log(1 / alpha);
  const hat = x / n;
  if (logEValue(x, n, 1 - 1e-12) < limit) return 1;
  return bisect((p) => logEValue(x, n, p) < limit, hat, 1 - 1e-12);
}

/** Lower bound on the rate after x events in n trials at level 1 − alpha; 0 when x = 0. */
export function proportionLowerBound(x: number, n: number, alpha: number): number {
  if (x === 0 || n === 0) return 0;
  const limit = Math.log(1 / alpha);
  const hat = x / n;
  if (logEValue(x, n, 1e-12) < limit) return 0;
  return bisect((p) => logEValue(x, n, p) < limit, hat, 1e-12);
}
