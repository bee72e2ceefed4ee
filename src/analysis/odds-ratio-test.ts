/**
 * Anytime-valid test on a sequence of 2×2 tables (canary vs baseline: events among requests or
 * samples), one table per interval. Pure, no I/O.
 *
 * Conditional on the interval's total number of events e, the canary's share x follows Fisher's
 * noncentral hypergeometric distribution with the odds ratio ψ (canary odds / baseline odds) as its
 * only parameter; the baseline's own rate drops out, and zero events on either side are no special
 * case (an interval with e = 0 carries no evidence and leaves every e-value unchanged). The product
 * over intervals of likelihood ratios P_ψ1(x)/P_ψ0(x) is a nonnegative supermartingale under any
 * ψ on the ψ0 side (monotone likelihood ratio), so by Ville's inequality it exceeds 1/α with
 * probability at most α however often it is looked at; averaging such products over several
 * alternatives keeps that property (a mixture, as in Lindon & Malek's anytime-valid count tests).
 */
import { logChoose } from './gamma';
import { logSumExp } from './log-sum-exp';

/** Events and totals of one interval. */
export interface Table {
  canaryEvents: number;
  canaryTotal: number;
  baselineEvents: number;
  baselineTotal: number;
}

/** Precomputed conditional support of one table: x from xMin, with ln C(nc,x)·C(nb,e−x). */
export interface ConditionalTable {
  x: number;
  xMin: number;
  logWeights: number[];
  /** ln Σ weights = ln C(N, e). */
  logTotal: number;
}

/** Support of the canary's share of the events, given the table's margins; null when e = 0 or a side is empty. */
export function conditionalTable(t: Table): ConditionalTable | null {
  const e = t.canaryEvents + t.baselineEvents;
  if (e === 0 || t.canaryTotal === 0 || t.baselineTotal === 0) return null;
  const nc = t.canaryTotal;
  const nb = t.baselineTotal;
  const xMin = Math.max(0, e - nb);
  const xMax = Math.min(nc, e);
  const logWeights = new Array<number>(xMax - xMin + 1);
  // ln C(nc, x) + ln C(nb, e − x), stepped in x with one ratio per step.
  let w = logChoose(nc, xMin) + logChoose(nb, e - xMin);
  logWeights[0] = w;
  for (let x = xMin; x < xMax; x++) {
    w += Math.log((nc - x) / (x + 1)) + Math.log((e - x) / (nb - e + x + 1));
    logWeights[x - xMin + 1] = w;
  }
  return { x: t.canaryEvents, xMin, logWeights, logTotal: logSumExp(logWeights) };
}

/** ln P_ψ(x) of Fisher's noncentral hypergeometric distribution. */
export function logProbability(c: ConditionalTable, psi: number): number {
  const lp = Math.log(psi);
  const ws = c.logWeights;
  let max = -Infinity;
  for (let i = 0; i < ws.length; i++) {
    const v = ws[i] + (c.xMin + i) * lp;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < ws.length; i++) sum += Math.exp(ws[i] + (c.xMin + i) * lp - max);
  return ws[c.x - c.xMin] + c.x * lp - (max + Math.log(sum));
}

/** ln of the likelihood ratio P_ψ1(x) / P_ψ0(x). */
export function logLikelihoodRatio(c: ConditionalTable, psi1: number, psi0: number): number {
  return logProbability(c, psi1) - logProbability(c, psi0);
}

/** Odds-ratio grid for the confidence sequence: 2^-5 … 2^5 in steps of √2 (21 points). */
export const ODDS_RATIO_GRID: readonly number[] = Array.from({ length: 21 }, (_, i) => 2 ** ((i - 10) / 2));

/** Multiples of the minimum effect that the "fail" mixture spreads half its weight over. */
export const FAIL_MULTIPLES: readonly number[] = [1, 1.5, 2, 3, 5, 10];
/**
 * Weight of the plug-in component of the "fail" mixture: its alternative is the odds ratio estimated
 * from earlier intervals (never below the minimum effect), so it adapts to the size of a regression.
 * Chosen before the interval is seen, it keeps the product a supermartingale under the null.
 */
export const PLUG_IN_WEIGHT = 0.5;
/** Fractions of the "no regression beyond the minimum effect" boundary that the "pass" mixture weighs equally. */
export const PASS_DIVISORS: readonly number[] = [1.25, 1.5, 2, 3];

/** Serialisable state of one test. */
export interface OddsRatioTestState {
  /** ln e-value of each "fail" mixture component (null: ψ ≤ the harmless odds ratio); the last is the plug-in. */
  failLog: number[];
  /** ln e-value of each "pass" mixture component (null: ψ ≥ the minimum effect). */
  passLog: number[];
  /** ln likelihood of each ODDS_RATIO_GRID point, for the confidence sequence. */
  gridLog: number[];
  /** Cumulative counts. */
  totals: Table;
  /**
   * The planned end's fixed-sample test of the "pass" null (ψ = passBoundary), stratified by
   * interval: Σ (x − E[x]) and Σ Var[x] under that null, each interval conditional on its events.
   * Absent in states stored before it existed (the end test then does not apply).
   */
  end?: { score: number; variance: number };
}

export function emptyOddsRatioTest(): OddsRatioTestState {
  return {
    failLog: [...FAIL_MULTIPLES.map(() => 0), 0],
    passLog: PASS_DIVISORS.map(() => 0),
    gridLog: ODDS_RATIO_GRID.map(() => 0),
    totals: { canaryEvents: 0, canaryTotal: 0, baselineEvents: 0, baselineTotal: 0 },
    end: { score: 0, variance: 0 },
  };
}

/** Mean and variance of the canary's share x under odds ratio ψ (Fisher's noncentral hypergeometric). */
export function conditionalMoments(c: ConditionalTable, psi: number): { mean: number; variance: number } {
  const lp = Math.log(psi);
  const ws = c.logWeights;
  let max = -Infinity;
  for (let i = 0; i < ws.length; i++) max = Math.max(max, ws[i] + (c.xMin + i) * lp);
  let sum = 0;
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < ws.length; i++) {
    const x = c.xMin + i;
    const w = Math.exp(ws[i] + x * lp - max);
    sum += w;
    m1 += w * x;
    m2 += w * x * x;
  }
  const mean = m1 / sum;
  return { mean, variance: Math.max(0, m2 / sum - mean * mean) };
}

/**
 * z statistic of the end test: (observed − expected) / sd of the canary's events under the "pass"
 * null, summed over intervals; strongly negative when the canary is clearly better than a
 * regression of the minimum effect. NaN when no interval carried events.
 */
export function endTestZ(s: OddsRatioTestState): number {
  if (!s.end || !(s.end.variance > 0)) return NaN;
  return s.end.score / Math.sqrt(s.end.variance);
}

/** Grid point of highest likelihood so far (the smallest grid point before any data). */
export function gridEstimate(gridLog: readonly number[]): number {
  let best = 0;
  gridLog.forEach((v, k) => {
    if (v > gridLog[best]) best = k;
  });
  return ODDS_RATIO_GRID[best];
}

/** ln of the "fail" e-value: PLUG_IN_WEIGHT on the plug-in component, the rest spread over FAIL_MULTIPLES. */
export function failLogEValue(s: OddsRatioTestState): number {
  const k = FAIL_MULTIPLES.length;
  return logSumExp([Math.log(PLUG_IN_WEIGHT) + s.failLog[k], Math.log(1 - PLUG_IN_WEIGHT) + logMean(s.failLog.slice(0, k))]);
}

/** Mean of exp(ln values) in log space: ln of the mixture e-value. */
export function logMean(logs: readonly number[]): number {
  return logSumExp(logs) - Math.log(logs.length);
}

const MAX_ODDS_RATIO = 1e4;

/** One interval's input to a test. */
export interface OddsRatioUpdate {
  /** The plain table, for the confidence sequence and the cumulative counts. */
  raw: Table;
  /** Table of the "fail" test (for latency: canary shrunk by the harmless change). */
  fail: Table;
  /** Null of the "fail" test: odds ratio ≤ failNull (1 = no change). */
  failNull: number;
  /** Smallest odds ratio that counts as a regression, > failNull. */
  failMin: number;
  /** Table of the "pass" test (for latency: canary shrunk by the minimum effect). */
  pass: Table;
  /** Null of the "pass" test: odds ratio ≥ passBoundary. */
  passBoundary: number;
}

/** Adds one interval; returns a new state. */
export function updateOddsRatioTest(s: OddsRatioTestState, u: OddsRatioUpdate): OddsRatioTestState {
  const next: OddsRatioTestState = {
    failLog: [...s.failLog],
    passLog: [...s.passLog],
    gridLog: [...s.gridLog],
    totals: {
      canaryEvents: s.totals.canaryEvents + u.raw.canaryEvents,
      canaryTotal: s.totals.canaryTotal + u.raw.canaryTotal,
      baselineEvents: s.totals.baselineEvents + u.raw.baselineEvents,
      baselineTotal: s.totals.baselineTotal + u.raw.baselineTotal,
    },
  };
  const raw = conditionalTable(u.raw);
  if (raw) ODDS_RATIO_GRID.forEach((g, k) => (next.gridLog[k] += logProbability(raw, g)));
  const f = u.fail === u.raw ? raw : conditionalTable(u.fail);
  if (f) {
    const l0 = logProbability(f, u.failNull);
    FAIL_MULTIPLES.forEach((m, k) => (next.failLog[k] += logProbability(f, Math.min(MAX_ODDS_RATIO, u.failMin * m)) - l0));
    const plugIn = Math.min(MAX_ODDS_RATIO, Math.max(u.failMin, gridEstimate(s.gridLog)));
    next.failLog[FAIL_MULTIPLES.length] += logProbability(f, plugIn) - l0;
  }
  const p = u.pass === u.raw ? raw : conditionalTable(u.pass);
  if (p) {
    const l0 = logProbability(p, u.passBoundary);
    PASS_DIVISORS.forEach((d, k) => (next.passLog[k] += logProbability(p, u.passBoundary / d) - l0));
    if (s.end) {
      const m = conditionalMoments(p, u.passBoundary);
      next.end = { score: s.end.score + (p.x - m.mean), variance: s.end.variance + m.variance };
    }
  } else if (s.end) {
    next.end = { ...s.end };
  }
  return next;
}

/**
 * Anytime-valid confidence set for a common odds ratio at level 1 − alpha, on ODDS_RATIO_GRID:
 * the grid points ψ0 whose mixture e-value (equal weights on the grid) stays below 1/alpha.
 * Returns its smallest and largest points and the grid point of highest likelihood.
 */
export function oddsRatioInterval(s: OddsRatioTestState, alpha: number): { lower: number; upper: number; estimate: number } {
  const mix = logMean(s.gridLog);
  const limit = Math.log(1 / alpha);
  const inside = ODDS_RATIO_GRID.map((_, k) => k).filter((k) => mix - s.gridLog[k] < limit);
  let best = 0;
  s.gridLog.forEach((v, k) => {
    if (v > s.gridLog[best]) best = k;
  });
  if (inside.length === 0) return { lower: NaN, upper: NaN, estimate: ODDS_RATIO_GRID[best] };
  // The set's true edges lie between an included and an excluded grid point: report the excluded ones.
  const first = inside[0];
  const last = inside[inside.length - 1];
  const lower = first === 0 ? 0 : ODDS_RATIO_GRID[first - 1];
  const upper = last === ODDS_RATIO_GRID.length - 1 ? Infinity : ODDS_RATIO_GRID[last + 1];
  return { lower, upper, estimate: ODDS_RATIO_GRID[best] };
}

/** Converts a rate ratio at baseline rate p into the odds ratio it implies (≥ the rate ratio above 1). */
export function rateRatioToOddsRatio(ratio: number, p: number): number {
  const pc = Math.min(ratio * p, 0.999999);
  if (!(p > 0)) return ratio;
  return pc / (1 - pc) / (p / (1 - p));
}
