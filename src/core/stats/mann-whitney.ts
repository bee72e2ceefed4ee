/**
 * The Mann-Whitney U test (Wilcoxon rank-sum) and the Hodges-Lehmann location shift, pure.
 *
 * - `mannWhitney`: U, exact p-values from the null distribution for small untied samples (m·n ≤
 *   2,500), otherwise the normal approximation with tie and continuity corrections (SciPy
 *   `mannwhitneyu(method='auto' | 'exact' | 'asymptotic')`, R `wilcox.test(correct = TRUE)`).
 * - `hodgesLehmann`: THE shift estimate (the median of the m·n pairwise differences, found without
 *   forming them) and its distribution-free interval (Hollander & Wolfe, ch. 4): exact order
 *   statistics of the differences, exact C_α for m·n ≤ 2,500.
 * - `kayentaMannWhitneyShift`: the canary judge's variant, kept because Kayenta-compatible verdicts
 *   need Kayenta's numbers: Kayenta (like R's `wilcox.test(exact = FALSE, correct = TRUE)`) finds the
 *   interval ends and the estimate as roots of the continuity-corrected normal approximation of the
 *   rank sum, which are not order statistics of the differences. The exact method would move
 *   Kayenta's verdicts: canary 1..5 against baseline 6..10 at 0.98 is Kayenta [−9, −1], estimate
 *   −5, so Pass (−1 is inside the ±1.25 tolerance); the exact interval is [−8, −2], so Low. On the
 *   SciPy vectors (fixtures/) the exact interval is up to 25 % narrower and one estimate differs
 *   (1 against 1.5), though the judge's own classification tests pass with either.
 *
 * Written here rather than taken from a library: no maintained JavaScript statistics package gives
 * the Mann-Whitney-based interval for the shift or the pairwise-difference order statistics
 * without forming all m·n pairs.
 */
import { brentRoot } from './brent-root';
import { normalQuantile, normalSf } from './normal';
import { sorted } from './quantiles';
import { averageRanks, tieGroupSizes } from './ranks';

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

/**
 * How p-values are computed: `auto` is exact without ties when m·n ≤ EXACT_MAX_PAIRS, else
 * asymptotic; `asymptotic` always uses the normal approximation (SciPy `method='asymptotic'`).
 */
export type MannWhitneyMethod = 'auto' | 'asymptotic';

/** The Mann-Whitney test of x against y; NaN throughout when either sample is empty. */
export function mannWhitney(x: readonly number[], y: readonly number[], method: MannWhitneyMethod = 'auto'): MannWhitneyResult {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) return { u: Number.NaN, z: Number.NaN, pTwoSided: Number.NaN, pGreater: Number.NaN, exact: false };
  const all = [...x, ...y];
  const ranks = averageRanks(all);
  let rankSumX = 0;
  for (let i = 0; i < m; i++) rankSumX += ranks[i];
  let tieTerm = 0;
  for (const t of tieGroupSizes(all)) tieTerm += t * t * t - t;
  const N = m + n;
  const u = rankSumX - (m * (m + 1)) / 2;
  const mu = (m * n) / 2;
  const variance = ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  const sd = Math.sqrt(variance);
  const z = sd > 0 ? (u - mu - Math.sign(u - mu) * 0.5) / sd : 0;
  if (method === 'auto' && tieTerm === 0 && m * n <= EXACT_MAX_PAIRS) {
    const p = mannWhitneyNull(m, n);
    let ge = 0;
    for (let k = Math.ceil(u); k < p.length; k++) ge += p[k];
    let le = 0;
    for (let k = 0; k <= Math.floor(u); k++) le += p[k];
    return { u, z, pTwoSided: Math.min(1, 2 * Math.min(ge, le)), pGreater: ge, exact: true };
  }
  if (!(sd > 0)) return { u, z, pTwoSided: 1, pGreater: 1, exact: false };
  // Upper tails through normalSf, which keeps relative precision where 1 − Φ would round to 0.
  return { u, z, pTwoSided: Math.min(1, 2 * normalSf(Math.abs(z))), pGreater: normalSf((u - mu - 0.5) / sd), exact: false };
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

/**
 * Kayenta's `wilcoxonDiff`: the standardised, continuity-corrected rank sum of `x − mu` against
 * `y`, minus `quantile`, on ascending arrays by one merge (ranks averaged over ties; values compared
 * after subtracting mu from x, as Kayenta does). Decreasing in `mu`; its root at quantile 0 is
 * Kayenta's shift estimate.
 */
function kayentaWilcoxonDiff(mu: number, quantile: number, xs: readonly number[], ys: readonly number[]): number {
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

/** Kayenta's estimate of the shift x − y and its confidence interval. */
export interface KayentaShiftInterval {
  lower: number;
  upper: number;
  estimate: number;
}

/**
 * The canary judge's shift: confidence interval for `x − y` at `confidenceLevel` (e.g. 0.98) and
 * the estimate, computed as Kayenta's `MannWhitney` (and R's `wilcox.test(conf.int = TRUE,
 * exact = FALSE, correct = TRUE)`) do, by Brent root finding on `kayentaWilcoxonDiff` over
 * [min x − max y, max x − min y]. Use `hodgesLehmann` everywhere else (see the header).
 */
export function kayentaMannWhitneyShift(x: readonly number[], y: readonly number[], confidenceLevel: number): KayentaShiftInterval {
  if (x.length === 0 || y.length === 0) throw new RangeError('both samples need at least one value');
  const alpha = 1 - confidenceLevel;
  const xs = [...x].sort((a, b) => a - b);
  const ys = [...y].sort((a, b) => a - b);
  const muMin = xs[0] - ys[ys.length - 1];
  const muMax = xs[xs.length - 1] - ys[0];
  const diff = (m: number, zq: number) => kayentaWilcoxonDiff(m, zq, xs, ys);
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
