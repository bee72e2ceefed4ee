/**
 * Two-sample Kolmogorov–Smirnov test: the largest gap D between two empirical distribution
 * functions and its asymptotic p-value (Kolmogorov distribution with Stephens' small-sample
 * correction, as in Numerical Recipes' `kstwo`). Used to say whether two latency distributions
 * differ. Pure. Written here (a dozen lines) because no maintained npm package is smaller than this.
 */

export interface KsResult {
  /** Largest distance between the two empirical CDFs, 0..1. */
  d: number;
  /** Probability of a gap this large if both samples came from one distribution. */
  pValue: number;
}

/** Survival function of the Kolmogorov distribution, Q(λ) = 2 Σ (-1)^(k-1) e^(-2k²λ²). */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12 * Math.abs(sum) || Math.abs(term) < 1e-300) return Math.min(1, Math.max(0, 2 * sum));
    sign = -sign;
  }
  return 1;
}

/** KS test of samples `a` against `b` (neither needs to be sorted; both are copied). */
export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { d: 0, pValue: 1 };
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { d, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}
