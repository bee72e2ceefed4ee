/**
 * Sample quantiles, the median and the mean. Pure, no I/O.
 *
 * THE quantile of Shipgate is Hyndman & Fan (1996) type 7: linear interpolation between the order
 * statistics at h = (n − 1)·p (R's `quantile()` default, NumPy's `percentile` default 'linear',
 * Apache Commons Math `Percentile` R_7, Kayenta's). A caller that needs another definition says
 * so by name: `nearestRankQuantile` (type 1, the inverse of the empirical CDF, "the p99 of these
 * requests is one of the requests"). Histogram quantiles (bucket bounds) live with the histogram
 * (src/metrics/latency-histogram.ts), not here.
 */

/** Ascending copy. */
export function sorted(xs: readonly number[]): Float64Array {
  return Float64Array.from(xs).sort();
}

/**
 * Type-7 quantile `p` (0..1) of `n` ascending values read through `at(k)` (k 0-based), for data
 * that is not one array (e.g. the union of two sorted arrays); NaN when n is 0.
 */
export function quantileAt(n: number, p: number, at: (k: number) => number): number {
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const k = Math.floor(h);
  if (k + 1 >= n) return at(n - 1);
  const lo = at(k);
  return lo + (h - k) * (at(k + 1) - lo);
}

/** Type-7 quantile `p` (0..1) of ascending data; NaN when empty. */
export function quantileSorted(s: ArrayLike<number>, p: number): number {
  return quantileAt(s.length, p, (k) => s[k]);
}

/** Type-7 quantile `p` (0..1) of unsorted data (sorts a copy); NaN when empty. */
export function quantile(values: readonly number[], p: number): number {
  return quantileSorted(sorted(values), p);
}

/** The median (type 7 at 0.5: the mean of the two middle values when n is even); NaN when empty. */
export function median(xs: readonly number[]): number {
  return quantileSorted(sorted(xs), 0.5);
}

/**
 * Hyndman & Fan type 1 (nearest rank): the ⌈q·n⌉-th smallest value (at least the first), always one
 * of the data; NaN when empty.
 */
export function nearestRankQuantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  return s[Math.min(s.length, Math.max(1, Math.ceil(q * s.length))) - 1];
}

/** Arithmetic mean; NaN when empty. */
export function mean(xs: readonly number[]): number {
  let t = 0;
  for (const x of xs) t += x;
  return t / xs.length;
}
