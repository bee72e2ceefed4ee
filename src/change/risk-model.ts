/**
 * The learned risk model: logistic regression on the project's own closed changes, trained on
 * recent history (older outcomes weigh less), judged on a time-ordered holdout, and blended with
 * the points model until enough outcomes exist. Pure: the caller passes the closed changes.
 */
import { fitLogistic, predictLogistic, type LogisticModel } from './logistic-regression';
import { auc, brier, calibrationBins, expectedCalibrationError, type CalibrationBin } from './model-metrics';
import { assessPoints, pointsProbability, type RiskInput } from './risk-points';

/** Names of the model's features, in vector order. */
export const RISK_FEATURES = [
  'tier-1',
  'tier-2',
  'production',
  'dependents',
  'spof',
  'budget-spent',
  'budget-remaining',
  'burn-rate',
  'kind-config',
  'kind-schema',
  'kind-data-migration',
  'irreversible',
  'log-lines',
  'peak-traffic',
  'outside-maintenance',
  'freeze',
  'recent-failures',
  'no-rollback-plan',
  'no-oncall',
  'log-lead-time-hours',
  'emergency',
  'standard',
] as const;

/** Turns the facts of a change into the model's feature vector. Unknowns take neutral values. */
export function riskFeatures(r: RiskInput): number[] {
  const b = r.budgetRemainingFraction ?? 1;
  return [
    r.tier === 1 ? 1 : 0,
    r.tier === 2 ? 1 : 0,
    r.environmentKind === 'production' ? 1 : 0,
    Math.log1p(r.dependentCount),
    r.spof ? 1 : 0,
    b <= 0 ? 1 : 0,
    Math.max(0, Math.min(1, b)),
    Math.min(20, r.burnRate ?? 1),
    r.kind === 'config' ? 1 : 0,
    r.kind === 'schema' ? 1 : 0,
    r.kind === 'data-migration' ? 1 : 0,
    r.irreversible ? 1 : 0,
    Math.log10(1 + (r.linesChanged ?? 100)),
    r.inPeakTraffic ? 1 : 0,
    r.outsideMaintenanceWindow ? 1 : 0,
    r.insideFreeze ? 1 : 0,
    Math.min(10, r.recentFailures),
    r.hasRollbackPlan ? 0 : 1,
    r.hasOncall ? 0 : 1,
    Math.log1p(Math.max(0, r.leadTimeHours ?? 72)),
    r.type === 'emergency' ? 1 : 0,
    r.type === 'standard' ? 1 : 0,
  ];
}

/** One closed change: its facts at the time, when it closed, and whether it failed. */
export interface RiskSample {
  input: RiskInput;
  closedAtMs: number;
  /** True for failed or rolled-back changes. */
  failed: boolean;
}

export interface TrainOptions {
  lambda?: number;
  /** Outcomes this old weigh half as much as today's, days. */
  halfLifeDays?: number;
  /** "Now" for the recency weights, ms; default the newest sample. */
  nowMs?: number;
}

export interface TrainedRiskModel extends LogisticModel {
  trainedOn: number;
  failures: number;
}

/** Fits the model; returns undefined when the history has no failure or no success (nothing to learn). */
export function trainRiskModel(samples: RiskSample[], opts: TrainOptions = {}): TrainedRiskModel | undefined {
  const failures = samples.filter((s) => s.failed).length;
  if (failures === 0 || failures === samples.length) return undefined;
  const now = opts.nowMs ?? Math.max(...samples.map((s) => s.closedAtMs));
  const halfLifeMs = (opts.halfLifeDays ?? 180) * 86_400_000;
  const weights = samples.map((s) => Math.pow(0.5, Math.max(0, now - s.closedAtMs) / halfLifeMs));
  const m = fitLogistic(
    [...RISK_FEATURES],
    samples.map((s) => riskFeatures(s.input)),
    samples.map((s) => (s.failed ? 1 : 0)),
    { lambda: opts.lambda ?? 1, sampleWeights: weights },
  );
  return { ...m, trainedOn: samples.length, failures };
}

/** Outcomes below which the learned model is not used at all. */
export const MIN_OUTCOMES = 50;
/** Outcomes from which the learned model is used alone. */
export const FULL_OUTCOMES = 1000;

/** Weight of the learned model in the blend, from the number of outcomes it learned from (0..1). */
export function learnedWeight(outcomes: number): number {
  if (outcomes < MIN_OUTCOMES) return 0;
  return Math.min(1, (outcomes - MIN_OUTCOMES) / (FULL_OUTCOMES - MIN_OUTCOMES));
}

export interface BlendedRisk {
  pointsProbability: number;
  learnedProbability?: number;
  /** Weight given to the learned model, 0..1. */
  learnedWeight: number;
  probability: number;
}

/** The failure probability the control plane reports: points model, learned model, or a mix. */
export function blendedRisk(input: RiskInput, model: TrainedRiskModel | undefined): BlendedRisk {
  const pp = pointsProbability(assessPoints(input).points);
  if (!model) return { pointsProbability: pp, learnedWeight: 0, probability: pp };
  const lp = predictLogistic(model, riskFeatures(input));
  const w = learnedWeight(model.trainedOn);
  return { pointsProbability: pp, learnedProbability: lp, learnedWeight: w, probability: w * lp + (1 - w) * pp };
}

export interface ForecastScore {
  auc: number;
  brier: number;
  /** Expected calibration error over the bins. */
  ece: number;
  calibration: CalibrationBin[];
}

export function scoreForecast(p: number[], y: number[]): ForecastScore {
  const calibration = calibrationBins(p, y);
  return { auc: auc(p, y), brier: brier(p, y), ece: expectedCalibrationError(calibration), calibration };
}

export interface HoldoutReport {
  trainCount: number;
  holdoutCount: number;
  holdoutFailureRate: number;
  /** First close time in the holdout, ms: every training sample closed before it. */
  holdoutFromMs: number;
  learned: ForecastScore;
  points: ForecastScore;
  blended: ForecastScore;
  /** Standardised coefficients, largest magnitude first: what drives the model. */
  drivers: { feature: string; weight: number }[];
  model: TrainedRiskModel;
}

/**
 * Trains on the oldest (1 − holdoutFraction) of the closed changes and scores the newest ones:
 * no sample from the future leaks into training. Undefined when either part lacks an outcome class.
 */
export function evaluateTimeOrdered(samples: RiskSample[], opts: TrainOptions & { holdoutFraction?: number } = {}): HoldoutReport | undefined {
  const sorted = [...samples].sort((a, b) => a.closedAtMs - b.closedAtMs);
  const cut = Math.floor(sorted.length * (1 - (opts.holdoutFraction ?? 0.2)));
  const train = sorted.slice(0, cut);
  const hold = sorted.slice(cut);
  if (hold.length === 0) return undefined;
  const model = trainRiskModel(train, { ...opts, nowMs: train.length ? train[train.length - 1].closedAtMs : undefined });
  if (!model) return undefined;
  const y: number[] = hold.map((s) => (s.failed ? 1 : 0));
  if (y.every((v) => v === y[0])) return undefined;
  const learned = hold.map((s) => predictLogistic(model, riskFeatures(s.input)));
  const points = hold.map((s) => pointsProbability(assessPoints(s.input).points));
  const blended = hold.map((s) => blendedRisk(s.input, model).probability);
  return {
    trainCount: train.length,
    holdoutCount: hold.length,
    holdoutFailureRate: y.reduce((a, b) => a + b, 0) / y.length,
    holdoutFromMs: hold[0].closedAtMs,
    learned: scoreForecast(learned, y),
    points: scoreForecast(points, y),
    blended: scoreForecast(blended, y),
    drivers: modelDrivers(model),
    model,
  };
}

/** The model's standardised coefficients, largest magnitude first. */
export function modelDrivers(model: LogisticModel): { feature: string; weight: number }[] {
  return model.featureNames.map((feature, j) => ({ feature, weight: model.weights[j] })).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
}
