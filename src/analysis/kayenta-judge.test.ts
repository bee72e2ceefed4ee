import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyKayentaMetric,
  cles,
  iqrOutliers,
  kayentaJudge,
  meanRatio,
  scoreKayenta,
  type KayentaClassification,
  type KayentaMetricConfig,
  type KayentaMetricResult,
} from './kayenta-judge';

function result(name: string, classification: KayentaClassification, groups: string[], critical = false): KayentaMetricResult {
  const empty = { count: 0, mean: NaN, median: NaN, min: NaN, max: NaN };
  return {
    name,
    classification,
    groups,
    critical,
    muted: false,
    reason: `${name} ${classification}`,
    deviation: 1,
    effectSize: NaN,
    baseline: empty,
    canary: empty,
  };
}

describe('weighted group scoring (cases of Kayenta ScorerSuite)', () => {
  const rows: { name: string; weights: Record<string, number>; results: KayentaMetricResult[]; score: number }[] = [
    { name: 'single metric pass', weights: {}, results: [result('a', 'Pass', ['g'])], score: 100 },
    { name: 'single metric fail', weights: {}, results: [result('a', 'High', ['g'])], score: 0 },
    { name: 'single group nodata', weights: {}, results: [result('a', 'Nodata', ['g'])], score: 0 },
    {
      name: 'two groups, pass and nodata',
      weights: {},
      results: [result('a', 'Pass', ['p']), result('b', 'Pass', ['p']), result('c', 'Nodata', ['n'])],
      score: 100,
    },
    { name: 'one group, two metrics', weights: {}, results: [result('a', 'Pass', ['g']), result('b', 'High', ['g'])], score: 50 },
    {
      name: 'one group, three metrics',
      weights: {},
      results: [result('a', 'Pass', ['g']), result('b', 'High', ['g']), result('c', 'Low', ['g'])],
      score: 33.33,
    },
    {
      name: 'weights 75/25',
      weights: { g1: 75, g2: 25 },
      results: [result('a', 'Pass', ['g1']), result('b', 'Pass', ['g1']), result('c', 'High', ['g2'])],
      score: 75,
    },
    {
      name: 'weights 50/50',
      weights: { g1: 50, g2: 50 },
      results: [result('a', 'Pass', ['g1']), result('b', 'High', ['g1']), result('c', 'High', ['g2'])],
      score: 25,
    },
    {
      name: '50/50 with one nodata',
      weights: { g1: 50, g2: 50 },
      results: [result('a', 'Pass', ['g1']), result('b', 'Nodata', ['g1']), result('c', 'High', ['g2'])],
      score: 50,
    },
    { name: 'critical high', weights: {}, results: [result('a', 'Pass', ['g']), result('b', 'High', ['g'], true)], score: 0 },
    { name: 'critical pass, normal low', weights: {}, results: [result('a', 'Low', ['g']), result('b', 'Pass', ['g'], true)], score: 50 },
    { name: 'critical nodata', weights: {}, results: [result('a', 'Pass', ['g']), result('b', 'Nodata', ['g'], true)], score: 0 },
    {
      name: 'weights 15/85, four metrics',
      weights: { g1: 15, g2: 85 },
      results: [result('a', 'High', ['g1']), result('b', 'Low', ['g1']), result('c', 'Pass', ['g1']), result('d', 'High', ['g2'])],
      score: 5,
    },
    {
      name: 'unweighted group shares the rest',
      weights: { g1: 60 },
      results: [result('a', 'Pass', ['g1']), result('b', 'High', ['g2']), result('c', 'Pass', ['g3'])],
      score: 80,
    },
    { name: 'NodataFailMetric counts as not passing', weights: {}, results: [result('a', 'Pass', ['g']), result('b', 'NodataFailMetric', ['g'])], score: 50 },
    { name: '50% nodata scores 0', weights: {}, results: [result('a', 'Pass', ['g']), result('b', 'Nodata', ['h'])], score: 0 },
    {
      name: 'under 50% nodata scores',
      weights: {},
      results: [result('a', 'Pass', ['g']), result('b', 'Pass', ['g']), result('c', 'Nodata', ['h'])],
      score: 100,
    },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const s = scoreKayenta({ groupWeights: r.weights, thresholds: { pass: 95, marginal: 75 } }, r.results);
      assert.equal(s.score, r.score);
    });
  }
  test('thresholds classify pass / marginal / fail; muted metrics do not count', () => {
    const t = { pass: 90, marginal: 50 };
    assert.equal(scoreKayenta({ thresholds: t }, [result('a', 'Pass', ['g'])]).classification, 'Pass');
    assert.equal(scoreKayenta({ thresholds: t }, [result('a', 'Pass', ['g']), result('b', 'High', ['g'])]).classification, 'Marginal');
    assert.equal(scoreKayenta({ thresholds: t }, [result('a', 'High', ['g'])]).classification, 'Fail');
    const muted = { ...result('b', 'High', ['g']), muted: true };
    assert.equal(scoreKayenta({ thresholds: t }, [result('a', 'Pass', ['g']), muted]).score, 100);
  });
});

describe('effect sizes and outliers', () => {
  test('mean ratio and CLES', () => {
    assert.equal(meanRatio([1, 2, 3], [2, 4, 6]), 2);
    assert.ok(Number.isNaN(meanRatio([0, 0], [1])));
    assert.equal(cles([1, 2, 3], [4, 5, 6]), 1);
    assert.equal(cles([4, 5, 6], [1, 2, 3]), 0);
    assert.equal(cles([1, 2], [1, 2]), 0.5);
  });
  test('IQR detector keeps the 1st-99th percentile range and removes far values', () => {
    const data = [...Array.from({ length: 99 }, (_, i) => 10 + (i % 10)), 1000];
    const flags = iqrOutliers(data, 3);
    assert.equal(flags.filter(Boolean).length, 1);
    assert.equal(flags[99], true);
    assert.throws(() => iqrOutliers(data, 0));
  });
});

describe('Mann-Whitney classifier', () => {
  const m = (over: Partial<KayentaMetricConfig> = {}): KayentaMetricConfig => ({ name: 'latency', groups: ['g'], ...over });
  const base = Array.from({ length: 40 }, (_, i) => 100 + ((i * 37) % 23));
  const high = base.map((v) => v * 1.5);
  const low = base.map((v) => v * 0.6);
  const slightlyHigh = base.map((v) => v + 1);
  const rows: { name: string; cfg: KayentaMetricConfig; b: number[]; c: number[]; want: KayentaClassification; critical?: boolean }[] = [
    { name: 'high', cfg: m(), b: base, c: high, want: 'High' },
    { name: 'low', cfg: m(), b: base, c: low, want: 'Low' },
    { name: 'high but direction decrease', cfg: m({ direction: 'decrease' }), b: base, c: high, want: 'Pass' },
    { name: 'low but direction increase', cfg: m({ direction: 'increase' }), b: base, c: low, want: 'Pass' },
    { name: 'small shift within tolerance', cfg: m(), b: base, c: slightlyHigh, want: 'Pass' },
    { name: 'high but below allowed increase', cfg: m({ effectSize: { allowedIncrease: 1.6 } }), b: base, c: high, want: 'Pass' },
    { name: 'high above allowed increase', cfg: m({ effectSize: { allowedIncrease: 1.4 } }), b: base, c: high, want: 'High' },
    { name: 'cles measure allowed increase', cfg: m({ effectSize: { measure: 'cles', allowedIncrease: 0.99 } }), b: base, c: high, want: 'High' },
    { name: 'critical high', cfg: m({ critical: true }), b: base, c: high, want: 'High', critical: true },
    {
      name: 'critical high below critical increase',
      cfg: m({ critical: true, effectSize: { criticalIncrease: 2 } }),
      b: base,
      c: high,
      want: 'High',
      critical: false,
    },
    { name: 'identical data', cfg: m(), b: base, c: [...base].reverse(), want: 'Pass' },
    { name: 'all values equal', cfg: m(), b: [5, 5, 5], c: [5, 5], want: 'Pass' },
    { name: 'two constants differ (noise added)', cfg: m(), b: [10, 10, 10, 10, 10], c: [20, 20, 20, 20, 20], want: 'High' },
    { name: 'no canary data', cfg: m(), b: base, c: [], want: 'Nodata' },
    { name: 'no data, critical', cfg: m({ critical: true }), b: base, c: [], want: 'Nodata', critical: true },
    { name: 'no data, mustHaveData', cfg: m({ mustHaveData: true }), b: base, c: [], want: 'NodataFailMetric' },
    { name: 'only NaN, removed', cfg: m(), b: base, c: [NaN, NaN], want: 'Nodata' },
    { name: 'NaN replaced by 0', cfg: m({ nanStrategy: 'replace' }), b: base, c: [NaN, NaN, NaN, NaN, NaN, NaN], want: 'Low' },
    { name: 'outlier removal rescues one spike', cfg: m({ outliers: { strategy: 'remove' } }), b: base, c: [...base.slice(0, 39), 1e6], want: 'Pass' },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const out = classifyKayentaMetric(r.cfg, r.b, r.c);
      assert.equal(out.classification, r.want, out.reason ?? '');
      if (r.critical !== undefined) assert.equal(out.critical, r.critical);
    });
  }
  test('exposes interval, bounds and deviation', () => {
    const out = classifyKayentaMetric(m(), base, high);
    assert.ok(out.mannWhitney && out.mannWhitney.lower > out.mannWhitney.upperBound);
    assert.ok(Math.abs(out.deviation - 1.5) < 1e-9);
  });
});

test('kayentaJudge classifies, groups and scores', () => {
  const base = Array.from({ length: 30 }, (_, i) => 50 + (i % 7));
  const r = kayentaJudge(
    {
      metrics: [
        { name: 'errors', groups: ['errors'] },
        { name: 'latency', groups: ['latency'] },
      ],
      groupWeights: { errors: 50, latency: 50 },
      thresholds: { pass: 95, marginal: 75 },
    },
    { errors: { baseline: base, canary: base }, latency: { baseline: base, canary: base.map((v) => v * 2) } },
  );
  assert.equal(r.score, 50);
  assert.equal(r.classification, 'Fail');
  assert.deepEqual(
    r.metrics.map((x) => x.classification),
    ['Pass', 'High'],
  );
});
