/**
 * Percentile and mean of a sample. Pure, no I/O.
 */

/** Linear-interpolation percentile (NumPy's default), `pct` in 0..100; NaN when empty. */
export function percentile(values: readonly number[], pct: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 1) return s[0];
  const n = (pct / 100) * (s.length - 1) + 1;
  const k = Math.floor(n);
  const d = n - k;
  if (k <= 0) return s[0];
  if (k >= s.length) return s[s.length - 1];
  return s[k - 1] + d * (s[k] - s[k - 1]);
}

/** Arithmetic mean; NaN when empty. */
export function meanOf(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
