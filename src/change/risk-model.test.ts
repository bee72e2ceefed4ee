import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { blendedRisk, evaluateTimeOrdered, learnedWeight, riskFeatures, RISK_FEATURES, trainRiskModel, FULL_OUTCOMES, MIN_OUTCOMES } from './risk-model';
import { generateHistory } from './synthetic-history';
import { seededRandom } from '../core/seeded-random';

describe('risk model', () => {
  const history = generateHistory({ count: 1500, seed: 3 });

  test('the generator is reproducible and mixes outcomes', () => {
    const again = generateHistory({ count: 1500, seed: 3 });
    assert.deepEqual(again[1499], history[1499]);
    const rate = history.filter((s) => s.failed).length / history.length;
    assert.ok(rate > 0.08 && rate < 0.4, `failure rate ${rate}`);
    assert.ok(history.every((s, i) => i === 0 || s.closedAtMs > history[i - 1].closedAtMs));
    assert.notEqual(seededRandom(1)(), seededRandom(2)());
  });

  test('features have one value per name', () => {
    assert.equal(riskFeatures(history[0].input).length, RISK_FEATURES.length);
  });

  test('time-ordered holdout: learned model ranks better than chance and than the points alone', () => {
    const r = evaluateTimeOrdered(history)!;
    assert.equal(r.trainCount, 1200);
    assert.equal(r.holdoutCount, 300);
    assert.ok(r.learned.auc > 0.7, `learned AUC ${r.learned.auc}`);
    assert.ok(r.points.auc > 0.6, `points AUC ${r.points.auc}`);
    assert.ok(r.learned.brier < r.points.brier, `brier ${r.learned.brier} vs ${r.points.brier}`);
    assert.ok(r.learned.calibration.length > 2);
    // The generator's strongest effects should be among the top drivers.
    const top = r.drivers.slice(0, 8).map((d) => d.feature);
    assert.ok(top.includes('kind-config') || top.includes('standard') || top.includes('log-lines'), top.join(','));
    assert.ok(Math.abs(r.drivers[0].weight) >= Math.abs(r.drivers[r.drivers.length - 1].weight));
  });

  test('no model from one-sided history', () => {
    const allGood = history.slice(0, 100).map((s) => ({ ...s, failed: false }));
    assert.equal(trainRiskModel(allGood), undefined);
    assert.equal(evaluateTimeOrdered(allGood), undefined);
  });

  const weights: [number, number][] = [
    [0, 0],
    [MIN_OUTCOMES - 1, 0],
    [MIN_OUTCOMES, 0],
    [(MIN_OUTCOMES + FULL_OUTCOMES) / 2, 0.5],
    [FULL_OUTCOMES, 1],
    [10_000, 1],
  ];
  for (const [n, w] of weights) test(`learned weight with ${n} outcomes = ${w}`, () => assert.equal(learnedWeight(n), w));

  test('blend uses the points model alone without a model, and mixes with one', () => {
    const input = history[0].input;
    const alone = blendedRisk(input, undefined);
    assert.equal(alone.probability, alone.pointsProbability);
    assert.equal(alone.learnedWeight, 0);
    const small = trainRiskModel(history.slice(0, 525))!;
    const b = blendedRisk(input, small);
    assert.equal(b.learnedWeight, 0.5);
    assert.ok(Math.abs(b.probability - (b.learnedProbability! + b.pointsProbability) / 2) < 1e-12);
  });
});
