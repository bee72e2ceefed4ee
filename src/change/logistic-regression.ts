/**
 * L2-regularised logistic regression fitted by iteratively reweighted least squares (Newton's
 * method), with per-sample weights so recent history can count more. Features are standardised
 * with the training means and standard deviations; the intercept is not penalised. Pure.
 */

export interface LogisticModel {
  featureNames: string[];
  means: number[];
  stds: number[];
  /** Coefficients on standardised features, same order as featureNames. */
  weights: number[];
  intercept: number;
}

export interface FitOptions {
  /** L2 penalty on the standardised coefficients. */
  lambda?: number;
  /** Newton iterations at most. */
  maxIterations?: number;
  /** Per-sample weights (e.g. recency); default 1. */
  sampleWeights?: number[];
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Fits y ∈ {0,1} on rows of x. Throws on empty or ragged input. */
export function fitLogistic(featureNames: string[], x: number[][], y: number[], opts: FitOptions = {}): LogisticModel {
  const n = x.length;
  const d = featureNames.length;
  if (n === 0) throw new Error('no training samples');
  if (y.length !== n) throw new Error('x and y differ in length');
  const lambda = opts.lambda ?? 1;
  const sw = opts.sampleWeights ?? new Array<number>(n).fill(1);
  const means = new Array<number>(d).fill(0);
  const stds = new Array<number>(d).fill(0);
  for (const row of x) {
    if (row.length !== d) throw new Error(`expected ${d} features per row, got ${row.length}`);
    for (let j = 0; j < d; j++) means[j] += row[j] / n;
  }
  for (const row of x) for (let j = 0; j < d; j++) stds[j] += (row[j] - means[j]) ** 2 / n;
  for (let j = 0; j < d; j++) stds[j] = Math.sqrt(stds[j]) || 1;
  const z = x.map((row) => [1, ...row.map((v, j) => (v - means[j]) / stds[j])]);

  const p = d + 1;
  let beta = new Array<number>(p).fill(0);
  const maxIt = opts.maxIterations ?? 25;
  for (let it = 0; it < maxIt; it++) {
    const h = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    const g = new Array<number>(p).fill(0);
    for (let i = 0; i < n; i++) {
      const zi = z[i];
      let eta = 0;
      for (let j = 0; j < p; j++) eta += beta[j] * zi[j];
      const mu = sigmoid(eta);
      const w = sw[i] * Math.max(mu * (1 - mu), 1e-9);
      const r = sw[i] * (y[i] - mu);
      for (let j = 0; j < p; j++) {
        g[j] += r * zi[j];
        const wz = w * zi[j];
        for (let k = j; k < p; k++) h[j][k] += wz * zi[k];
      }
    }
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) h[j][k] = h[k][j];
    for (let j = 1; j < p; j++) {
      g[j] -= lambda * beta[j];
      h[j][j] += lambda;
    }
    h[0][0] += 1e-9;
    const step = solve(h, g);
    beta = beta.map((b, j) => b + step[j]);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { featureNames: [...featureNames], means, stds, weights: beta.slice(1), intercept: beta[0] };
}

/** Probability of y = 1 for one row of raw (unstandardised) features. */
export function predictLogistic(model: LogisticModel, row: number[]): number {
  let eta = model.intercept;
  for (let j = 0; j < model.weights.length; j++) eta += model.weights[j] * ((row[j] - model.means[j]) / model.stds[j]);
  return sigmoid(eta);
}

/** Solves A x = b for a symmetric positive definite A (Gaussian elimination with partial pivoting). */
export function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    const d = m[c][c];
    if (Math.abs(d) < 1e-15) throw new Error('singular system');
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / d;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}
