/**
 * Monotonic trend in a series: the Theil–Sen slope (the median of the pairwise slopes, robust to
 * outliers and to the saw teeth of a garbage collector) and the Mann–Kendall test (is there a
 * monotonic trend at all?), with the tie correction of the variance. Pure.
 *
 * References: Sen (1968), JASA 63(324) — the slope and its distribution-free interval; Kendall
 * (1975), Rank Correlation Methods — S, its variance with ties; Hollander & Wolfe (1973) §9.
 * The values in trend.test.ts were worked by hand or by brute force over every pair.
 */
import { normalQuantile, normalSf } from './normal';
import { median } from './quantiles';

export interface MannKendall {
  /** S = Σ_{i<j} sign(y_j − y_i). */
  s: number;
  /** Var(S) with the tie correction. */
  varS: number;
  /** Continuity-corrected standard score. */
  z: number;
  /** Kendall's τ-a = S / (n(n−1)/2). */
  tau: number;
  /** One-sided p-values: an upward, a downward trend. */
  pUp: number;
  pDown: number;
}

/** The Mann–Kendall trend test of y in order (n ≥ 3; below that every p is 1). */
export function mannKendall(y: readonly number[]): MannKendall {
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) s += Math.sign(y[j] - y[i]);
  const ties = new Map<number, number>();
  for (const v of y) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (n < 3 || varS <= 0) return { s, varS, z: 0, tau: 0, pUp: 1, pDown: 1 };
  const z = s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0;
  return { s, varS, z, tau: s / ((n * (n - 1)) / 2), pUp: normalSf(z), pDown: normalSf(-z) };
}

export interface TheilSen {
  slope: number;
  intercept: number;
  /** Distribution-free interval for the slope at `confidence` (Sen 1968), from the ordered pairwise slopes. */
  lower: number;
  upper: number;
}

/** The Theil–Sen line through (x, y): slope = median of (y_j − y_i)/(x_j − x_i) over x_i ≠ x_j; intercept = median(y − slope·x). */
export function theilSen(x: readonly number[], y: readonly number[], confidence = 0.95): TheilSen {
  const n = Math.min(x.length, y.length);
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) if (x[j] !== x[i]) slopes.push((y[j] - y[i]) / (x[j] - x[i]));
  if (!slopes.length) return { slope: Number.NaN, intercept: Number.NaN, lower: Number.NaN, upper: Number.NaN };
  slopes.sort((a, b) => a - b);
  const slope = median(slopes);
  const intercept = median(Array.from({ length: n }, (_, i) => y[i] - slope * x[i]));
  const { varS } = mannKendall(y.slice(0, n));
  const c = normalQuantile(1 - (1 - confidence) / 2) * Math.sqrt(varS);
  const N = slopes.length;
  const lo = Math.max(0, Math.min(N - 1, Math.floor((N - c) / 2) - 1));
  const hi = Math.max(0, Math.min(N - 1, Math.ceil((N + c) / 2)));
  return { slope, intercept, lower: slopes[lo], upper: slopes[hi] };
}
