import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auc, brier, calibrationBins, expectedCalibrationError } from './model-metrics';
import { fitLogistic, predictLogistic, solve, sigmoid } from './logistic-regression';

describe('auc', () => {
  const cases: [string, number[], number[], number][] = [
    ['perfect', [0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1],
    ['inverted', [0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0],
    ['all tied', [0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5],
    ['one swap', [0.1, 0.6, 0.5, 0.9], [0, 0, 1, 1], 0.75],
    ['tie across classes', [0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1], 0.875],
  ];
  for (const [name, p, y, expected] of cases) test(name, () => assert.equal(auc(p, y), expected));
  test('one class only is NaN', () => assert.ok(Number.isNaN(auc([0.1, 0.2], [1, 1]))));
});

describe('brier and calibration', () => {
  test('brier', () => {
    assert.equal(brier([1, 0], [1, 0]), 0);
    assert.equal(brier([0.5, 0.5], [1, 0]), 0.25);
    assert.ok(Math.abs(brier([0.8, 0.3], [1, 0]) - (0.04 + 0.09) / 2) < 1e-12);
  });
  test('bins', () => {
    const bins = calibrationBins([0.05, 0.07, 0.95, 0.99, 0.5], [0, 1, 1, 1, 0], 10);
    assert.deepEqual(
      bins.map((b) => [b.from, b.count, b.observedRate]),
      [
        [0, 2, 0.5],
        [0.5, 1, 0],
        [0.9, 2, 1],
      ],
    );
    const ece = expectedCalibrationError(bins);
    assert.ok(Math.abs(ece - (2 / 5) * 0.44 - (1 / 5) * 0.5 - (2 / 5) * 0.03) < 1e-9);
  });
});

describe('logistic regression', () => {
  test('solve', () => {
    const x = solve(
      [
        [4, 1],
        [1, 3],
      ],
      [1, 2],
    );
    assert.ok(Math.abs(x[0] - 1 / 11) < 1e-12 && Math.abs(x[1] - 7 / 11) < 1e-12);
  });
  test('sigmoid is stable at the extremes', () => {
    assert.equal(sigmoid(-1000), 0);
    assert.equal(sigmoid(1000), 1);
    assert.equal(sigmoid(0), 0.5);
  });

  // Deterministic pseudo-random data: y = 1 with probability sigmoid(2·a − 1·b).
  function lcg(seed: number) {
    let s = seed >>> 0;
    return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  }
  const rnd = lcg(7);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const a = rnd() * 4 - 2;
    const b = rnd() * 4 - 2;
    const noise = rnd() * 10; // an irrelevant feature
    x.push([a, b, noise]);
    y.push(rnd() < sigmoid(2 * a - b) ? 1 : 0);
  }

  test('recovers the generating coefficients', () => {
    const m = fitLogistic(['a', 'b', 'noise'], x, y, { lambda: 0.01 });
    const raw = m.weights.map((w, j) => w / m.stds[j]);
    assert.ok(Math.abs(raw[0] - 2) < 0.25, `a: ${raw[0]}`);
    assert.ok(Math.abs(raw[1] + 1) < 0.2, `b: ${raw[1]}`);
    assert.ok(Math.abs(raw[2]) < 0.05, `noise: ${raw[2]}`);
    assert.ok(predictLogistic(m, [2, -2, 5]) > 0.95);
    assert.ok(predictLogistic(m, [-2, 2, 5]) < 0.05);
  });

  test('a stronger penalty shrinks the coefficients', () => {
    const loose = fitLogistic(['a', 'b', 'noise'], x, y, { lambda: 0.01 });
    const tight = fitLogistic(['a', 'b', 'noise'], x, y, { lambda: 5000 });
    assert.ok(Math.abs(tight.weights[0]) < Math.abs(loose.weights[0]) / 2);
  });

  test('separable data stays finite thanks to the penalty', () => {
    const m = fitLogistic(['a'], [[0], [1], [2], [3]], [0, 0, 1, 1], { lambda: 1 });
    assert.ok(Number.isFinite(m.weights[0]) && m.weights[0] > 0);
  });

  test('a constant feature does not break the fit', () => {
    const m = fitLogistic(
      ['c', 'a'],
      [
        [1, 0],
        [1, 1],
        [1, 2],
        [1, 3],
      ],
      [0, 1, 0, 1],
    );
    assert.ok(Number.isFinite(m.intercept));
  });

  test('refuses ragged input', () => {
    assert.throws(() => fitLogistic(['a', 'b'], [[1]], [1]), /expected 2 features/);
    assert.throws(() => fitLogistic(['a'], [], []), /no training samples/);
  });
});
