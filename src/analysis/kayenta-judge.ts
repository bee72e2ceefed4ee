/**
 * The `kayenta` judge: Spinnaker Kayenta's NetflixACAJudge (v1.0) for teams migrating from it.
 * Each metric is classified by a Mann-Whitney test (confidence 0.98, tolerance 0.25 of the
 * Hodges-Lehmann estimate) plus an effect-size check; classifications are scored per group and
 * weighted into a 0..100 score compared with pass and marginal thresholds. Pure, no I/O.
 */
import { kayentaMannWhitneyShift } from '../core/stats/mann-whitney';
import { mean, quantile } from '../core/stats/quantiles';
import { averageRanks } from '../core/stats/ranks';
import { seededRandom } from '../core/seeded-random';

/** Hard-coded in Kayenta's NetflixACAJudge. */
export const KAYENTA_CONFIDENCE_LEVEL = 0.98;
/** Fraction of |Hodges-Lehmann estimate| that the confidence interval must clear. */
export const KAYENTA_TOLERANCE = 0.25;
/** Share of Nodata metrics (percent) at which the whole canary scores 0. */
export const KAYENTA_NODATA_THRESHOLD_PERCENT = 50;

export type KayentaDirection = 'increase' | 'decrease' | 'either';
export type KayentaClassification = 'Pass' | 'High' | 'Low' | 'Nodata' | 'NodataFailMetric' | 'Error';

/** One metric's canary settings, as in a Kayenta canary config's `analysisConfigurations.canary`. */
export interface KayentaMetricConfig {
  name: string;
  /** Groups the metric scores in; a metric may belong to several. */
  groups: string[];
  /** Default `either`. */
  direction?: KayentaDirection;
  /** Default `remove`; `replace` turns NaN into 0. */
  nanStrategy?: 'remove' | 'replace';
  /** IQR outlier removal (fences at Q1/Q3 ∓ factor × IQR, widened to the 1st/99th percentile). Default keep, factor 3. */
  outliers?: { strategy?: 'remove' | 'keep'; outlierFactor?: number };
  critical?: boolean;
  mustHaveData?: boolean;
  muted?: boolean;
  effectSize?: {
    /** Default `meanRatio` (canary mean / baseline mean); `cles` = P(canary > baseline). */
    measure?: 'meanRatio' | 'cles';
    allowedIncrease?: number;
    allowedDecrease?: number;
    criticalIncrease?: number;
    criticalDecrease?: number;
  };
}

export interface KayentaConfig {
  metrics: KayentaMetricConfig[];
  /** Weight (percent) per group; groups without one share what is left of 100 equally. */
  groupWeights?: Record<string, number>;
  /** Score thresholds (0..100): ≥ pass passes, ≥ marginal is marginal, below fails. */
  thresholds: { pass: number; marginal: number };
}

export interface KayentaMetricResult {
  name: string;
  groups: string[];
  classification: KayentaClassification;
  reason: string | null;
  /** Canary mean / baseline mean (NaN when either mean is 0). */
  deviation: number;
  effectSize: number;
  critical: boolean;
  muted: boolean;
  baseline: SampleStats;
  canary: SampleStats;
  /** Mann-Whitney interval for the shift canary − baseline and the bounds it had to clear. */
  mannWhitney?: { lower: number; upper: number; estimate: number; lowerBound: number; upperBound: number };
}

export interface SampleStats {
  count: number;
  mean: number;
  median: number;
  min: number;
  max: number;
}

export interface KayentaGroupScore {
  name: string;
  score: number;
  noData: boolean;
  labelCounts: Partial<Record<KayentaClassification, number>>;
}

export interface KayentaResult {
  score: number;
  classification: 'Pass' | 'Marginal' | 'Fail';
  reason: string | null;
  groupScores: KayentaGroupScore[];
  metrics: KayentaMetricResult[];
}

/** Source of standard normal draws, for the noise Kayenta adds to two constant samples. */
export type NormalSource = () => number;

/** A seeded standard normal source (mulberry32 + Box-Muller), so verdicts are reproducible. */
export function seededNormal(seed = 1): NormalSource {
  const uniform = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Mean ratio canary/baseline; NaN when either mean is 0 (Kayenta's EffectSizes.meanRatio). */
export function meanRatio(baseline: readonly number[], canary: readonly number[]): number {
  const b = mean(baseline);
  const c = mean(canary);
  return b === 0 || c === 0 ? NaN : c / b;
}

/** Common-language effect size: share of (canary, baseline) pairs where canary is higher (Vargha-Delaney A). */
export function cles(baseline: readonly number[], canary: readonly number[]): number {
  const m = canary.length;
  const n = baseline.length;
  const ranks = averageRanks([...canary, ...baseline]);
  let r1 = 0;
  for (let i = 0; i < m; i++) r1 += ranks[i];
  return (2 * r1 - m * (m + 1)) / (2 * n * m);
}

/** Kayenta's IQRDetector with reduced sensitivity: true for each value that is an outlier. */
export function iqrOutliers(values: readonly number[], factor: number): boolean[] {
  if (!(factor > 0)) throw new RangeError('outlier factor must be greater than zero');
  const p25 = quantile(values, 0.25);
  const p75 = quantile(values, 0.75);
  const iqr = p75 - p25;
  const lower = Math.min(quantile(values, 0.01), p25 - factor * iqr);
  const upper = Math.max(quantile(values, 0.99), p75 + factor * iqr);
  return values.map((v) => v > upper || v < lower);
}

function stats(values: readonly number[]): SampleStats {
  return {
    count: values.length,
    mean: mean(values),
    median: quantile(values, 0.5),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
  };
}

function transform(values: readonly number[], cfg: KayentaMetricConfig): number[] {
  const nan = cfg.nanStrategy ?? 'remove';
  const clean = nan === 'remove' ? values.filter((v) => !Number.isNaN(v)) : values.map((v) => (Number.isNaN(v) ? 0 : v));
  if ((cfg.outliers?.strategy ?? 'keep') !== 'remove') return clean;
  const flags = iqrOutliers(clean, cfg.outliers?.outlierFactor ?? 3);
  return clean.filter((_, i) => !flags[i]);
}

/** Classifies one metric from its baseline (control) and canary (experiment) values. */
export function classifyKayentaMetric(
  cfg: KayentaMetricConfig,
  baselineValues: readonly number[],
  canaryValues: readonly number[],
  normal: NormalSource = seededNormal(),
): KayentaMetricResult {
  const base = {
    name: cfg.name,
    groups: cfg.groups,
    muted: cfg.muted ?? false,
  };
  let control: number[];
  let experiment: number[];
  try {
    control = transform(baselineValues, cfg);
    experiment = transform(canaryValues, cfg);
  } catch (e) {
    return {
      ...base,
      classification: 'Error',
      reason: `metric classification failed: ${(e as Error).message}`,
      deviation: NaN,
      effectSize: NaN,
      critical: false,
      baseline: stats([]),
      canary: stats([]),
    };
  }
  const measure = cfg.effectSize?.measure ?? 'meanRatio';
  const def = measure === 'cles' ? 0.5 : 1;
  const allowed = { dec: cfg.effectSize?.allowedDecrease ?? def, inc: cfg.effectSize?.allowedIncrease ?? def };
  const criticalT = { dec: cfg.effectSize?.criticalDecrease ?? def, inc: cfg.effectSize?.criticalIncrease ?? def };
  const direction = cfg.direction ?? 'either';
  const isCritical = cfg.critical ?? false;
  const out = (
    classification: KayentaClassification,
    reason: string | null,
    deviation: number,
    critical: boolean,
    extra: Partial<KayentaMetricResult> = {},
  ): KayentaMetricResult => ({
    ...base,
    classification,
    reason,
    deviation,
    effectSize: extra.effectSize ?? NaN,
    critical,
    baseline: stats(control),
    canary: stats(experiment),
    ...extra,
  });

  if (experiment.length === 0 || control.length === 0) {
    if ((cfg.nanStrategy ?? 'remove') === 'remove') {
      const reason = `Missing data for ${cfg.name}`;
      if (cfg.mustHaveData && !isCritical) return out('NodataFailMetric', reason, 1, false);
      return out('Nodata', reason, 1, isCritical);
    }
    return out('Pass', null, 1, false);
  }
  const sortedE = [...experiment].sort((a, b) => a - b);
  const sortedC = [...control].sort((a, b) => a - b);
  if (sortedE.length === sortedC.length && sortedE.every((v, i) => v === sortedC[i])) {
    return out('Pass', 'The Canary and Baseline data are identical', 1, false);
  }
  if (new Set([...experiment, ...control]).size === 1) return out('Pass', null, 1, false);

  try {
    // Two constant samples: Kayenta adds Gaussian noise scaled to the value so ranks are defined.
    const addNoise = new Set(experiment).size === 1 && new Set(control).size === 1;
    const noisy = (vs: number[]) => vs.map((v) => v + normal() * vs[0] * 1e-5);
    const x = addNoise ? noisy(experiment) : experiment;
    const y = addNoise ? noisy(control) : control;
    const mw = kayentaMannWhitneyShift(x, y, KAYENTA_CONFIDENCE_LEVEL);
    const deviation = meanRatio(y, x);
    const effectSize = measure === 'cles' ? cles(y, x) : meanRatio(y, x);
    const critical = KAYENTA_TOLERANCE * Math.abs(mw.estimate);
    const lowerBound = -critical;
    const upperBound = critical;
    const isHigh = (direction === 'increase' || direction === 'either') && mw.lower > upperBound && (Number.isNaN(effectSize) || effectSize >= allowed.inc);
    const isLow = (direction === 'decrease' || direction === 'either') && mw.upper < lowerBound && (Number.isNaN(effectSize) || effectSize <= allowed.dec);
    const label: KayentaClassification = isHigh ? 'High' : isLow ? 'Low' : 'Pass';
    const extra = { effectSize, mannWhitney: { ...mw, lowerBound, upperBound } };
    const criticalHigh = isCritical && label === 'High' && (Number.isNaN(effectSize) || effectSize >= criticalT.inc);
    const criticalLow = isCritical && label === 'Low' && (Number.isNaN(effectSize) || effectSize <= criticalT.dec);
    if (criticalHigh) return out('High', `The metric ${cfg.name} was classified as High (Critical)`, deviation, true, extra);
    if (criticalLow) return out('Low', `The metric ${cfg.name} was classified as Low (Critical)`, deviation, true, extra);
    return out(label, label === 'Pass' ? null : `${cfg.name} was classified as ${label}`, deviation, false, extra);
  } catch (e) {
    return out('Error', `metric classification failed: ${(e as Error).message}`, NaN, false);
  }
}

/** Group scores, Nodata rules and the weighted summary score (Kayenta's WeightedSumScorer and ScoringHelper). */
export function scoreKayenta(
  config: Pick<KayentaConfig, 'groupWeights' | 'thresholds'>,
  results: readonly KayentaMetricResult[],
): Omit<KayentaResult, 'metrics'> {
  const scored = results.filter((r) => !r.muted);
  const byGroup = new Map<string, KayentaClassification[]>();
  for (const r of scored) for (const g of r.groups) byGroup.set(g, [...(byGroup.get(g) ?? []), r.classification]);
  const groupScores: KayentaGroupScore[] = [...byGroup].map(([name, labels]) => {
    const labelCounts: Partial<Record<KayentaClassification, number>> = {};
    for (const l of labels) labelCounts[l] = (labelCounts[l] ?? 0) + 1;
    const pass = labelCounts.Pass ?? 0;
    const total = pass + (labelCounts.High ?? 0) + (labelCounts.Low ?? 0) + (labelCounts.NodataFailMetric ?? 0);
    return { name, score: total === 0 ? 0 : (pass / total) * 100, noData: total === 0, labelCounts };
  });
  const classify = (score: number, reason: string | null) => ({
    score,
    classification: score >= config.thresholds.pass ? ('Pass' as const) : score >= config.thresholds.marginal ? ('Marginal' as const) : ('Fail' as const),
    reason,
    groupScores,
  });
  const criticalFailure = scored.find((r) => r.critical && r.classification !== 'Pass');
  if (criticalFailure) return classify(0, `Canary Failed: ${criticalFailure.reason}`);
  const nodata = scored.filter((r) => r.classification === 'Nodata').length;
  if ((nodata / scored.length) * 100 >= KAYENTA_NODATA_THRESHOLD_PERCENT) {
    return classify(0, `Canary Failed: ${KAYENTA_NODATA_THRESHOLD_PERCENT}% or more metrics returned NODATA`);
  }
  const weights = config.groupWeights ?? {};
  const weightSum = Object.values(weights).reduce((s, w) => s + w, 0);
  const unweighted = groupScores.filter((g) => !(g.name in weights)).length;
  const shared = unweighted > 0 ? (100 - weightSum) / unweighted : 0;
  let summary = 0;
  for (const g of groupScores) summary += (g.noData ? 100 : g.score) * ((weights[g.name] ?? shared) / 100);
  return classify(Math.round(summary * 100) / 100, null);
}

/** Judges one comparison: values per metric name for baseline and canary. */
export function kayentaJudge(
  config: KayentaConfig,
  values: Record<string, { baseline: readonly number[]; canary: readonly number[] }>,
  normal: NormalSource = seededNormal(),
): KayentaResult {
  const metrics = config.metrics.map((m) => classifyKayentaMetric(m, values[m.name]?.baseline ?? [], values[m.name]?.canary ?? [], normal));
  return { ...scoreKayenta(config, metrics), metrics };
}
