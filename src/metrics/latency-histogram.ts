/**
 * A mergeable latency histogram with log-linear buckets: 90 buckets per decade (two significant
 * digits, ≤ 1.1% relative error) from 0.01 ms to 1,000 s. Stored sparse as {bucketIndex: count},
 * so 10-second buckets from many routers add up exactly. Pure.
 */

/** Sparse counts by bucket index (the type lives with the metrics contract in core). */
import type { HistogramCounts } from '../core/metrics-service';
export type { HistogramCounts };

const MIN_MS = 0.01;
const PER_DECADE = 90;
const DECADES = 8;
export const HISTOGRAM_BUCKETS = PER_DECADE * DECADES;

/** Upper bound (ms) of bucket `i`: 0.01 × 10^(d) × (1 + (m+1)/10) for i = 90d + m. */
export function bucketUpperMs(i: number): number {
  const d = Math.floor(i / PER_DECADE);
  const m = i % PER_DECADE;
  return MIN_MS * 10 ** d * (1 + (m + 1) / 10);
}

/** Index of the bucket holding `ms` (values below the minimum go to 0, above the maximum to the last). */
export function bucketIndex(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const d = Math.floor(Math.log10(ms / MIN_MS));
  const base = MIN_MS * 10 ** d;
  const m = Math.min(PER_DECADE - 1, Math.max(0, Math.ceil((ms / base - 1) * 10 - 1e-9) - 1));
  const i = d * PER_DECADE + m;
  return Math.min(HISTOGRAM_BUCKETS - 1, Math.max(0, i));
}

export function record(h: HistogramCounts, ms: number, count = 1): void {
  const i = bucketIndex(ms);
  h[i] = (h[i] ?? 0) + count;
}

export function merge(into: HistogramCounts, from: HistogramCounts): HistogramCounts {
  for (const [k, v] of Object.entries(from)) into[Number(k)] = (into[Number(k)] ?? 0) + v;
  return into;
}

export function total(h: HistogramCounts): number {
  let n = 0;
  for (const v of Object.values(h)) n += v;
  return n;
}

/** The q-quantile (0..1) in ms, as the upper bound of the bucket that holds it; NaN when empty. */
export function quantile(h: HistogramCounts, q: number): number {
  const n = total(h);
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (const k of Object.keys(h)
    .map(Number)
    .sort((a, b) => a - b)) {
    seen += h[k];
    if (seen >= rank) return bucketUpperMs(k);
  }
  return bucketUpperMs(HISTOGRAM_BUCKETS - 1);
}

/** Mean in ms, using bucket midpoints; NaN when empty. */
export function mean(h: HistogramCounts): number {
  let n = 0;
  let s = 0;
  for (const [k, v] of Object.entries(h)) {
    const i = Number(k);
    const lo = i === 0 ? 0 : bucketUpperMs(i - 1);
    s += ((lo + bucketUpperMs(i)) / 2) * v;
    n += v;
  }
  return n ? s / n : NaN;
}
