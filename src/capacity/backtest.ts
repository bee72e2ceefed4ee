/**
 * Model choice by backtest and the prediction interval. Every candidate (additive and
 * multiplicative, with and without trend; multiplicative only when every value is positive) is
 * fitted on all but the last week, scored by MAPE on that week, and the best is refitted on all.
 *
 * Interval: the empirical quantiles of the chosen model's relative backtest errors
 * (y − ŷ)/ŷ over the held-out week (leads 1–168 h), applied to the forecast as ŷ·(1 + q); beyond
 * 168 h the quantiles widen by √(lead/168), as a level random walk's spread grows. Pure.
 */
import { quantile } from '../core/stats/quantiles';
import { fitModel, forecastModel, modelName, WEEK_H, type FittedModel, type ModelSpec } from './forecast';

export const CANDIDATES: readonly ModelSpec[] = [
  { seasonality: 'additive', trend: false },
  { seasonality: 'additive', trend: true },
  { seasonality: 'multiplicative', trend: false },
  { seasonality: 'multiplicative', trend: true },
];

/** Hours held out for the backtest: one week. */
export const HOLDOUT_H = WEEK_H;
/** Shortest history a forecast needs: two weeks to fit the backtest candidates, one to score them. */
export const MIN_HISTORY_H = 3 * WEEK_H;

/** Mean absolute percentage error (0.05 = 5%) over the points whose actual value is not 0; NaN when none is. */
export function mape(actual: readonly number[], predicted: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) continue;
    s += Math.abs((actual[i] - predicted[i]) / actual[i]);
    n++;
  }
  return n ? s / n : Number.NaN;
}

export interface CandidateScore {
  name: string;
  spec: ModelSpec;
  /** MAPE on the held-out week. */
  mape: number;
}

export interface SeasonalForecast {
  model: FittedModel;
  name: string;
  /** The chosen candidate's backtest MAPE. */
  backtestMape: number;
  candidates: CandidateScore[];
  /** Central probability of the interval, e.g. 0.8. */
  level: number;
  /** Relative error quantiles of the backtest, lower and upper. */
  errorQuantiles: [number, number];
  /** Per forecast hour: point, lower, upper (requests in the hour, or whatever unit `y` has). */
  mean: number[];
  lower: number[];
  upper: number[];
  intervalMethod: string;
}

/** Chooses, refits and forecasts `horizon` hours after `y` with a `level` interval (default 0.8). */
export function seasonalForecast(y: readonly number[], horizon: number, level = 0.8): SeasonalForecast {
  if (y.length < MIN_HISTORY_H) throw new Error(`need at least ${MIN_HISTORY_H} hourly points (3 weeks), got ${y.length}`);
  if (!(level > 0 && level < 1)) throw new Error(`interval level must be in (0, 1), got ${level}`);
  const train = y.slice(0, y.length - HOLDOUT_H);
  const held = y.slice(y.length - HOLDOUT_H);
  const positive = y.every((v) => v > 0);
  const scored = CANDIDATES.filter((c) => positive || c.seasonality === 'additive').map((spec) => {
    const fc = forecastModel(fitModel(train, spec), HOLDOUT_H);
    return { name: modelName(spec), spec, mape: mape(held, fc), fc };
  });
  const finite = scored.filter((c) => Number.isFinite(c.mape));
  const best = (finite.length ? finite : scored).reduce((a, b) => (b.mape < a.mape ? b : a));
  const rel: number[] = [];
  held.forEach((v, i) => {
    if (best.fc[i] > 0) rel.push((v - best.fc[i]) / best.fc[i]);
  });
  const tail = (1 - level) / 2;
  const qlo = rel.length ? quantile(rel, tail) : 0;
  const qhi = rel.length ? quantile(rel, 1 - tail) : 0;
  const model = fitModel(y, best.spec);
  const mean = forecastModel(model, horizon);
  const widen = (i: number) => Math.max(1, Math.sqrt((i + 1) / HOLDOUT_H));
  return {
    model,
    name: best.name,
    backtestMape: best.mape,
    candidates: scored.map(({ name, spec, mape }) => ({ name, spec, mape })),
    level,
    errorQuantiles: [qlo, qhi],
    mean,
    lower: mean.map((m, i) => Math.max(0, m * (1 + qlo * widen(i)))),
    upper: mean.map((m, i) => m * (1 + qhi * widen(i))),
    intervalMethod: `empirical ${tail * 100}% and ${(1 - tail) * 100}% quantiles of the backtest week's relative errors, times the forecast; widened by sqrt(lead/168h) beyond a week`,
  };
}
