import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, brentRoot, logChoose, logGamma, logSumExp, normalCdf, normalQuantile, normalSf, percentile } from './special';

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('logGamma and logChoose', () => {
  for (const [x, want] of [[1, 0], [2, 0], [5, Math.log(24)], [0.5, Math.log(Math.sqrt(Math.PI))], [101, 363.73937555556347]] as const) close(logGamma(x), want, 1e-12);
  close(logChoose(10, 3), Math.log(120), 1e-12);
  assert.equal(logChoose(3, 4), -Infinity);
});

test('normal CDF, tail and quantile (SciPy values)', () => {
  const rows: [number, number][] = [[0, 0.5], [1.96, 0.9750021048517795], [-2.326347874040841, 0.01], [3.5, 0.9997673709209645], [-5, 2.866515718791939e-7]];
  for (const [x, p] of rows) close(normalCdf(x), p, 1e-6);
  close(normalSf(6), 9.865876450377018e-10, 1e-5);
  for (const p of [0.001, 0.01, 0.3, 0.5, 0.99, 0.999999]) close(normalCdf(normalQuantile(p)), p, 1e-9);
  close(normalQuantile(0.01), -2.3263478740408408, 1e-9);
});

test('average ranks, percentile, logSumExp, brent', () => {
  assert.deepEqual(averageRanks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([1, 2, 3, 4], 25), 1.75);
  assert.ok(Number.isNaN(percentile([], 50)));
  close(logSumExp([1000, 1000]), 1000 + Math.log(2), 1e-12);
  assert.equal(logSumExp([]), -Infinity);
  close(brentRoot((x) => x * x - 2, 0, 2), Math.SQRT2, 1e-10);
  close(brentRoot((x) => Math.cos(x) - x, 0, 1), 0.7390851332151607, 1e-10);
});
