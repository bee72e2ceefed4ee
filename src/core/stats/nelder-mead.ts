/**
 * Nelder-Mead simplex minimisation (no derivatives), with the standard coefficients (reflection 1,
 * expansion 2, contraction ½, shrink ½; Nelder & Mead 1965, as in Numerical Recipes `amoeba` and
 * SciPy `fmin`). For smooth, low-dimensional objectives such as smoothing parameters fitted on SSE.
 * Constraints are the caller's: map an unbounded point into the feasible set (e.g. a logistic).
 * Pure.
 */

export interface NelderMeadResult {
  /** The best point found. */
  x: number[];
  /** The objective there. */
  value: number;
  /** Objective evaluations spent. */
  evaluations: number;
}

export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate (default 0.5). */
  step?: number;
  /** Stop when the simplex's objective values span less than this, relative (default 1e-8). */
  tolerance?: number;
  /** Stop after this many evaluations (default 200 × dimensions); the last step may add up to `dimensions` + 1 more (a contraction and a shrink). */
  maxEvaluations?: number;
}

/** Minimises `f` from `x0`. */
export function nelderMead(f: (x: number[]) => number, x0: readonly number[], opts: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length;
  const step = opts.step ?? 0.5;
  const tol = opts.tolerance ?? 1e-8;
  const maxEval = opts.maxEvaluations ?? 200 * Math.max(1, n);
  let evaluations = 0;
  const fx = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const pts: number[][] = [Array.from(x0)];
  for (let i = 0; i < n; i++) {
    const p = Array.from(x0);
    p[i] += step;
    pts.push(p);
  }
  const vals = pts.map(fx);
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i] - ai));
  while (evaluations < maxEval) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const sp = order.map((i) => pts[i]);
    const sv = order.map((i) => vals[i]);
    pts.splice(0, pts.length, ...sp);
    vals.splice(0, vals.length, ...sv);
    const best = vals[0];
    const worst = vals[n];
    if (Math.abs(worst - best) <= tol * (Math.abs(best) + Math.abs(worst) + 1e-300)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += pts[i][j] / n;
    const reflected = combine(centroid, pts[n], -1);
    const fr = fx(reflected);
    if (fr < vals[0]) {
      const expanded = combine(centroid, pts[n], -2);
      const fe = fx(expanded);
      if (fe < fr) [pts[n], vals[n]] = [expanded, fe];
      else [pts[n], vals[n]] = [reflected, fr];
    } else if (fr < vals[n - 1]) {
      [pts[n], vals[n]] = [reflected, fr];
    } else {
      const outside = fr < vals[n];
      const contracted = combine(centroid, outside ? reflected : pts[n], 0.5);
      const fc = fx(contracted);
      if (fc < (outside ? fr : vals[n])) [pts[n], vals[n]] = [contracted, fc];
      else {
        for (let i = 1; i <= n; i++) {
          pts[i] = combine(pts[0], pts[i], 0.5);
          vals[i] = fx(pts[i]);
        }
      }
    }
  }
  let bi = 0;
  for (let i = 1; i <= n; i++) if (vals[i] < vals[bi]) bi = i;
  return { x: pts[bi], value: vals[bi], evaluations };
}
