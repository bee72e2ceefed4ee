/**
 * Double-seasonal Holt-Winters (Taylor 2003, "Short-term electricity demand forecasting using
 * double seasonal exponential smoothing", J. Oper. Res. Soc. 54): a level, an optional linear
 * trend, a daily (24 h) and a weekly (168 h) seasonal component, additive or multiplicative, over
 * an hourly series. Smoothing parameters are fitted by Nelder-Mead on the one-step-ahead SSE
 * (src/core/stats/nelder-mead.ts): 3–4 continuous parameters, where a grid fine enough to matter
 * (10 steps each) costs 10⁴ passes against a few hundred for the simplex. Pure.
 *
 * Why our own: the npm Holt-Winters packages are single-seasonal, unmaintained, or both; a weekly
 * period alone would estimate each of 168 hour-of-week values from ~4 observations.
 */
import { nelderMead } from '../core/stats/nelder-mead';

/** Hours in a day and in a week: the two seasonal periods. */
export const DAY_H = 24;
export const WEEK_H = 168;

export type Seasonality = 'additive' | 'multiplicative';

/** One candidate model. */
export interface ModelSpec {
  seasonality: Seasonality;
  /** A linear trend (smoothed by `beta`), or none. */
  trend: boolean;
}

/** Smoothing parameters, each in (0, 1); `beta` 0 without a trend. */
export interface SmoothingParams {
  alpha: number;
  beta: number;
  gammaDay: number;
  gammaWeek: number;
}

/** The state after the last observation: what a forecast extrapolates. */
export interface ModelState {
  level: number;
  trend: number;
  /** Daily indices by (t mod 24), t counted from the series' first hour. */
  day: number[];
  /** Weekly indices by (t mod 168), on top of the daily ones. */
  week: number[];
  /** Observations consumed (the next hour is t = n). */
  n: number;
}

export interface FittedModel {
  spec: ModelSpec;
  params: SmoothingParams;
  /** One-step-ahead sum of squared errors over the fitted series. */
  sse: number;
  state: ModelState;
}

/** `additive`, `multiplicative+trend`, …: how reports name a candidate. */
export function modelName(spec: ModelSpec): string {
  return `${spec.seasonality}${spec.trend ? '+trend' : ''}`;
}

const mean = (xs: ArrayLike<number>, from = 0, to = xs.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i];
  return s / (to - from);
};

/**
 * The initial state, from every complete week of `y`: the level and trend of the weekly means,
 * the hour-of-week profile of the detrended values split into a daily profile and the weekly
 * remainder (centred on 0 additive, on 1 multiplicative).
 */
export function initialState(y: readonly number[], spec: ModelSpec): ModelState {
  const weeks = Math.floor(y.length / WEEK_H);
  if (weeks < 1) throw new Error(`need at least ${WEEK_H} hourly points to start a weekly model, got ${y.length}`);
  const weekMeans = Array.from({ length: weeks }, (_, k) => mean(y, k * WEEK_H, (k + 1) * WEEK_H));
  const trend = spec.trend && weeks > 1 ? (weekMeans[weeks - 1] - weekMeans[0]) / ((weeks - 1) * WEEK_H) : 0;
  const centre = (WEEK_H - 1) / 2;
  const line = (t: number) => weekMeans[0] + trend * (t - centre);
  const mult = spec.seasonality === 'multiplicative';
  const profile = new Array<number>(WEEK_H).fill(0);
  for (let t = 0; t < weeks * WEEK_H; t++) profile[t % WEEK_H] += (mult ? y[t] / line(t) : y[t] - line(t)) / weeks;
  const pm = mean(profile);
  for (let k = 0; k < WEEK_H; k++) profile[k] = mult ? profile[k] / pm : profile[k] - pm;
  const day = Array.from({ length: DAY_H }, (_, h) => {
    let s = 0;
    for (let k = h; k < WEEK_H; k += DAY_H) s += profile[k];
    return s / (WEEK_H / DAY_H);
  });
  const week = profile.map((p, k) => (mult ? p / day[k % DAY_H] : p - day[k % DAY_H]));
  return { level: line(-1), trend, day, week, n: 0 };
}

/**
 * Runs the recursions over `y` from `init` (copied); returns the final state and the one-step SSE.
 * Additive: l = α(y − d − w) + (1−α)(l + b); b = β(l − l₋₁) + (1−β)b; d = δ(y − l − w) + (1−δ)d;
 * w = ω(y − l − d) + (1−ω)w. Multiplicative divides where additive subtracts.
 */
export function runModel(y: readonly number[], spec: ModelSpec, p: SmoothingParams, init: ModelState): { state: ModelState; sse: number } {
  const mult = spec.seasonality === 'multiplicative';
  const day = init.day.slice();
  const week = init.week.slice();
  let level = init.level;
  let trend = init.trend;
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const di = t % DAY_H;
    const wi = t % WEEK_H;
    const d = day[di];
    const w = week[wi];
    const base = level + trend;
    const yhat = mult ? base * d * w : base + d + w;
    const e = y[t] - yhat;
    sse += e * e;
    const prev = level;
    if (mult) {
      if (!(d * w > 1e-12)) return { state: { level, trend, day, week, n: t }, sse: Number.POSITIVE_INFINITY };
      level = p.alpha * (y[t] / (d * w)) + (1 - p.alpha) * base;
      if (!(level > 1e-12)) return { state: { level, trend, day, week, n: t }, sse: Number.POSITIVE_INFINITY };
      if (spec.trend) trend = p.beta * (level - prev) + (1 - p.beta) * trend;
      day[di] = p.gammaDay * (y[t] / (level * w)) + (1 - p.gammaDay) * d;
      week[wi] = p.gammaWeek * (y[t] / (level * day[di])) + (1 - p.gammaWeek) * w;
    } else {
      level = p.alpha * (y[t] - d - w) + (1 - p.alpha) * base;
      if (spec.trend) trend = p.beta * (level - prev) + (1 - p.beta) * trend;
      day[di] = p.gammaDay * (y[t] - level - w) + (1 - p.gammaDay) * d;
      week[wi] = p.gammaWeek * (y[t] - level - day[di]) + (1 - p.gammaWeek) * w;
    }
  }
  return { state: { level, trend, day, week, n: init.n + y.length }, sse };
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
/** The trend's smoothing is kept under this: a hand-off between noise and growth, not a random walk. */
const MAX_BETA = 0.1;

function paramsOf(x: number[], trend: boolean): SmoothingParams {
  return { alpha: logistic(x[0]), gammaDay: logistic(x[1]), gammaWeek: logistic(x[2]), beta: trend ? MAX_BETA * logistic(x[3]) : 0 };
}

/** Fits `spec` to the hourly series `y` (at least one week; two or more for a trend). */
export function fitModel(y: readonly number[], spec: ModelSpec): FittedModel {
  const init = initialState(y, spec);
  const x0 = [logit(0.2), logit(0.1), logit(0.1), ...(spec.trend ? [logit(0.1)] : [])];
  const best = nelderMead((x) => runModel(y, spec, paramsOf(x, spec.trend), init).sse, x0, { step: 1, maxEvaluations: 150 * x0.length, tolerance: 1e-7 });
  const params = paramsOf(best.x, spec.trend);
  const { state, sse } = runModel(y, spec, params, init);
  return { spec, params, sse, state };
}

/** Point forecasts for the `h` hours after the fitted series (never below 0). */
export function forecastModel(m: FittedModel, h: number): number[] {
  const { level, trend, day, week, n } = m.state;
  const mult = m.spec.seasonality === 'multiplicative';
  return Array.from({ length: h }, (_, i) => {
    const k = i + 1;
    const t = n + i;
    const base = level + k * trend;
    const v = mult ? base * day[t % DAY_H] * week[t % WEEK_H] : base + day[t % DAY_H] + week[t % WEEK_H];
    return Math.max(0, v);
  });
}
