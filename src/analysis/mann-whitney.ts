/**
 * Mann-Whitney U test (Wilcoxon rank-sum) with the Hodges-Lehmann location-shift estimate and its
 * asymptotic confidence interval, computed the way Kayenta's `MannWhitney` (and R's `wilcox.test`
 * with `conf.int = TRUE, exact = FALSE, correct = TRUE`) do. Pure, no I/O.
 */
import { averageRanks, brentRoot, normalQuantile, normalSf, tieGroupSizes } from './special';

/** U statistic and two-sided asymptotic p-value (SciPy `mannwhitneyu(x, y, method='asymptotic')`). */
export interface MannWhitneyTest {
  /** U of the first sample: pairs (xi, yj) with xi > yj, ties counting one half. */
  u: number;
  /** Normal approximation with tie and continuity corrections; 1 when every value is tied. */
  pValue: number;
}

/** U statistic and two-sided p-value of `x` against `y`. */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyTest {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, pValue: NaN };
  const all = [...x, ...y];
  const ranks = averageRanks(all);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const tieTerm = tieGroupSizes(all).reduce((s, t) => s + t ** 3 - t, 0);
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (!(sigma > 0)) return { u: u1, pValue: 1 };
  const u = Math.max(u1, n1 * n2 - u1);
  const z = (u - (n1 * n2) / 2 - 0.5) / sigma;
  return { u: u1, pValue: Math.min(1, Math.max(0, 2 * normalSf(z))) };
}

/**
 * Standardised rank-sum of `x − mu` against `y`, minus `quantile` (Kayenta's `wilcoxonDiff`).
 * Decreasing in `mu`; its root at quantile 0 is the Hodges-Lehmann estimate.
 */
export function wilcoxonDiff(mu: number, quantile: number, x: readonly number[], y: readonly number[]): number {
  return sortedWilcoxonDiff(
    mu,
    quantile,
    [...x].sort((a, b) => a - b),
    [...y].sort((a, b) => a - b),
  );
}

/**
 * wilcoxonDiff on ascending arrays, by one merge instead of a sort: ranks are averaged over ties
 * exactly as before (values compared after subtracting mu from x, as Kayenta does).
 */
function sortedWilcoxonDiff(mu: number, quantile: number, xs: readonly number[], ys: readonly number[]): number {
  const xLen = xs.length;
  const yLen = ys.length;
  let i = 0;
  let j = 0;
  let pos = 0;
  let sumX = 0;
  let ties = 0;
  while (i < xLen || j < yLen) {
    const v = j >= yLen || (i < xLen && xs[i] - mu <= ys[j]) ? xs[i] - mu : ys[j];
    let cx = 0;
    let cy = 0;
    while (i < xLen && xs[i] - mu === v) {
      cx++;
      i++;
    }
    while (j < yLen && ys[j] === v) {
      cy++;
      j++;
    }
    const t = cx + cy;
    sumX += cx * (pos + (t + 1) / 2);
    ties += t * t * t - t;
    pos += t;
  }
  const dz = sumX - (xLen * (xLen + 1)) / 2 - (xLen * yLen) / 2;
  const correction = Math.sign(dz) * 0.5;
  const sigma = Math.sqrt(((xLen * yLen) / 12) * (xLen + yLen + 1 - ties / ((xLen + yLen) * (xLen + yLen - 1))));
  if (sigma === 0) throw new RangeError('cannot compute a confidence interval when all observations are tied');
  return (dz - correction) / sigma - quantile;
}

/** Hodges-Lehmann estimate of the shift x − y and its confidence interval. */
export interface ShiftInterval {
  lower: number;
  upper: number;
  estimate: number;
}

/**
 * Confidence interval for the location shift `x − y` at `confidenceLevel` (e.g. 0.98) and the
 * Hodges-Lehmann estimate, by root finding on `wilcoxonDiff` over [min x − max y, max x − min y].
 */
export function mannWhitneyShift(x: readonly number[], y: readonly number[], confidenceLevel: number): ShiftInterval {
  if (x.length === 0 || y.length === 0) throw new RangeError('both samples need at least one value');
  const alpha = 1 - confidenceLevel;
  const xs = [...x].sort((a, b) => a - b);
  const ys = [...y].sort((a, b) => a - b);
  const muMin = xs[0] - ys[ys.length - 1];
  const muMax = xs[xs.length - 1] - ys[0];
  const diff = (m: number, zq: number) => sortedWilcoxonDiff(m, zq, xs, ys);
  const root = (zq: number): number => {
    const fLo = diff(muMin, zq);
    const fHi = diff(muMax, zq);
    if (fLo <= 0) return muMin;
    if (fHi >= 0) return muMax;
    return brentRoot((m) => diff(m, zq), muMin, muMax, fLo, fHi);
  };
  const zq = normalQuantile(alpha / 2);
  const lower = root(-zq);
  const upper = root(zq);
  const fLo = diff(muMin, 0);
  const fHi = diff(muMax, 0);
  const estimate = fLo <= 0 ? muMin : fHi >= 0 ? muMax : brentRoot((m) => diff(m, 0), muMin, muMax, fLo, fHi);
  return { lower, upper, estimate };
}
