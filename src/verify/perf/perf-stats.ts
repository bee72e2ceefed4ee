/**
 * The statistics of the performance gate, pure: quantiles, the Mann-Whitney U test (exact for
 * small untied samples, normal with tie correction otherwise), and the Hodges-Lehmann shift with
 * its distribution-free confidence interval (Hollander & Wolfe, ch. 4). Written here rather than
 * taken from a library: no maintained JavaScript statistics package gives the Mann-Whitney-based
 * interval for the shift or the pairwise-difference order statistics without forming all m·n pairs.
 */

/** Sorted copy, ascending. */
export function sorted(xs: readonly number[]): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Quantile `p` (0..1) of sorted data, Hyndman & Fan type 7 (linear between order statistics, R's default). */
export function quantileSorted(s: ArrayLike<number>, p: number): number {
  const n = s.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const k = Math.floor(h);
  return k + 1 < n ? s[k] + (h - k) * (s[k + 1] - s[k]) : s[n - 1];
}

export function median(xs: readonly number[]): number {
  return quantileSorted(sorted(xs), 0.5);
}

export function mean(xs: readonly number[]): number {
  let t = 0;
  for (const x of xs) t += x;
  return t / xs.length;
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Largest m·n for which the exact null distribution of U is computed (50 × 50). */
export const EXACT_MAX_PAIRS = 2500;

const exactCache = new Map<string, Float64Array>();

/**
 * The null distribution of the Mann-Whitney U for sample sizes m and n without ties: P(U = u),
 * u = 0..m·n, by the recursion f(u; m, n) = f(u − n; m − 1, n) + f(u; m, n − 1) (additions only,
 * so no loss of precision).
 */
export function mannWhitneyNull(m: number, n: number): Float64Array {
  const key = `${m},${n}`;
  const hit = exactCache.get(key);
  if (hit) return hit;
  // rows[j] = counts for (i, j) as i grows; start with i = 0: one arrangement, U = 0.
  let prev: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const f = new Float64Array(i * j + 1);
      const left = cur[j - 1]; // (i, j − 1)
      const up = prev[j]; // (i − 1, j), shifted by j
      for (let u = 0; u < left.length; u++) f[u] += left[u];
      for (let u = 0; u < up.length; u++) f[u + j] += up[u];
      cur.push(f);
    }
    prev = cur;
  }
  const counts = prev[n];
  let total = 0;
  for (const c of counts) total += c;
  const p = counts.map((c) => c / total);
  exactCache.set(key, p);
  return p;
}

export interface MannWhitneyResult {
  /** #{(i, j): x_i > y_j} + ½ #{x_i = y_j}. */
  u: number;
  /** The normal deviate of U (tie-corrected, with continuity correction). */
  z: number;
  /** Two-sided p-value. */
  pTwoSided: number;
  /** P(U ≥ u): x stochastically larger than y. */
  pGreater: number;
  exact: boolean;
}

/** The Mann-Whitney test of x against y. */
export function mannWhitney(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const m = x.length;
  const n = y.length;
  const all = [...x.map((v) => ({ v, g: 0 })), ...y.map((v) => ({ v, g: 1 }))].sort((a, b) => a.v - b.v);
  const N = m + n;
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < N; ) {
    let j = i;
    while (j + 1 < N && all[j + 1].v === all[i].v) j++;
    const t = j - i + 1;
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (all[k].g === 0) rankSumX += rank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j + 1;
  }
  const u = rankSumX - (m * (m + 1)) / 2;
  const mu = (m * n) / 2;
  const variance = ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  const sd = Math.sqrt(variance);
  const z = sd > 0 ? (u - mu - Math.sign(u - mu) * 0.5) / sd : 0;
  if (tieTerm === 0 && m * n <= EXACT_MAX_PAIRS && m > 0 && n > 0) {
    const p = mannWhitneyNull(m, n);
    let ge = 0;
    for (let k = Math.ceil(u); k < p.length; k++) ge += p[k];
    let le = 0;
    for (let k = 0; k <= Math.floor(u); k++) le += p[k];
    return { u, z, pTwoSided: Math.min(1, 2 * Math.min(ge, le)), pGreater: ge, exact: true };
  }
  const zGreater = sd > 0 ? (u - mu - 0.5) / sd : 0;
  return { u, z, pTwoSided: sd > 0 ? Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) : 1, pGreater: sd > 0 ? 1 - normalCdf(zGreater) : 1, exact: false };
}

/**
 * C_α of Hollander & Wolfe (4.41): the interval for the shift is (D_(C), D_(mn+1−C)) over the
 * sorted pairwise differences. Exact (the largest C with P(U ≤ C − 1) ≤ α/2, as R's
 * `wilcox.test(conf.int = TRUE)`) when m·n ≤ EXACT_MAX_PAIRS, otherwise the normal approximation
 * mn/2 − z_{α/2}·√(mn(m+n+1)/12), rounded. Returns C and the confidence it achieves.
 */
export function shiftIntervalRank(m: number, n: number, confidence: number): { c: number; achieved: number } {
  const alpha = 1 - confidence;
  if (m * n <= EXACT_MAX_PAIRS) {
    const p = mannWhitneyNull(m, n);
    let cum = 0;
    let c = 1;
    for (let u = 0; u < p.length; u++) {
      if (cum + p[u] > alpha / 2) break;
      cum += p[u];
      c = u + 1;
    }
    return { c: Math.min(c, Math.floor((m * n + 1) / 2)), achieved: 1 - 2 * cum };
  }
  const z = normalQuantile(1 - alpha / 2);
  const c = Math.max(1, Math.round((m * n) / 2 - z * Math.sqrt((m * n * (m + n + 1)) / 12)));
  return { c, achieved: confidence };
}

/** #{(i, j): y_j − x_i ≤ d} for sorted x and y, in O(m + n). */
function countAtMost(x: Float64Array, y: Float64Array, d: number): number {
  let count = 0;
  let j = 0;
  // As x_i grows, the y_j with y_j − x_i ≤ d only grow: one pass with a pointer into y. The
  // difference is computed as the snap below computes it, so rounding cannot set them apart.
  for (let i = 0; i < x.length; i++) {
    while (j < y.length && y[j] - x[i] <= d) j++;
    count += j;
  }
  return count;
}

/**
 * The k-th smallest (1-based) of the m·n differences y_j − x_i, for sorted x and y, without
 * forming them: bisection on the value with an O(m + n) count, then the smallest actual difference
 * above the bracket's lower end (so the answer is one of the differences, exactly).
 */
export function kthPairwiseDifference(x: Float64Array, y: Float64Array, k: number): number {
  let lo = y[0] - x[x.length - 1]; // the smallest difference
  let hi = y[y.length - 1] - x[0]; // the largest
  if (k <= 1) return lo;
  if (k >= x.length * y.length) return hi;
  lo = lo - Math.max(1e-300, Math.abs(lo) * 1e-12) - 1e-12; // count(≤ lo) < k
  for (let it = 0; it < 200 && hi - lo > 0; it++) {
    const mid = lo + (hi - lo) / 2;
    if (mid === lo || mid === hi) break;
    if (countAtMost(x, y, mid) >= k) hi = mid;
    else lo = mid;
  }
  // The answer is the smallest difference > lo (every difference in (lo, hi] is the k-th).
  let best = Number.POSITIVE_INFINITY;
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    while (j < y.length && y[j] - x[i] <= lo) j++;
    if (j < y.length) best = Math.min(best, y[j] - x[i]);
  }
  return Number.isFinite(best) ? best : hi;
}

export interface ShiftEstimate {
  /** The Hodges-Lehmann estimate: the median of the differences candidate − baseline. */
  shift: number;
  lower: number;
  upper: number;
  /** The confidence the interval achieves (the exact one is discrete). */
  confidence: number;
}

/**
 * The Hodges-Lehmann estimate of the shift from x (baseline) to y (candidate), y − x, with the
 * distribution-free interval from the Mann-Whitney distribution at `confidence` (two-sided).
 */
export function hodgesLehmann(x: readonly number[], y: readonly number[], confidence: number): ShiftEstimate {
  const xs = sorted(x);
  const ys = sorted(y);
  const mn = xs.length * ys.length;
  const shift =
    mn % 2 === 1 ? kthPairwiseDifference(xs, ys, (mn + 1) / 2) : (kthPairwiseDifference(xs, ys, mn / 2) + kthPairwiseDifference(xs, ys, mn / 2 + 1)) / 2;
  const { c, achieved } = shiftIntervalRank(xs.length, ys.length, confidence);
  return { shift, lower: kthPairwiseDifference(xs, ys, c), upper: kthPairwiseDifference(xs, ys, mn + 1 - c), confidence: achieved };
}
