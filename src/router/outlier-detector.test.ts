import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OutlierDetector } from './outlier-detector';

const settings = { consecutiveFailures: 3, baseEjectionMs: 1_000, maxEjectionMs: 3_000 };

describe('OutlierDetector', () => {
  test('ejects after N consecutive failures', () => {
    const d = new OutlierDetector(settings);
    assert.equal(d.failure(0, true), false);
    assert.equal(d.failure(0, true), false);
    assert.equal(d.failure(0, true), true);
    assert.equal(d.isEjected(999), true);
    assert.equal(d.isEjected(1_000), false);
  });
  test('a success resets the count', () => {
    const d = new OutlierDetector(settings);
    d.failure(0, true);
    d.failure(0, true);
    d.success();
    assert.equal(d.failure(0, true), false);
    assert.equal(d.isEjected(1), false);
  });
  test('never ejects when not allowed (last healthy instance)', () => {
    const d = new OutlierDetector(settings);
    for (let i = 0; i < 10; i++) assert.equal(d.failure(0, false), false);
    assert.equal(d.isEjected(0), false);
  });
  test('back-off doubles up to the maximum, and a success resets it', () => {
    const d = new OutlierDetector(settings);
    const lengths: number[] = [];
    let t = 0;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) d.failure(t, true);
      lengths.push(d.ejectedUntilMs - t);
      t = d.ejectedUntilMs;
    }
    assert.deepEqual(lengths, [1_000, 2_000, 3_000, 3_000]);
    d.success();
    for (let i = 0; i < 3; i++) d.failure(t, true);
    assert.equal(d.ejectedUntilMs - t, 1_000);
  });
  test('failures while ejected do not extend the ejection', () => {
    const d = new OutlierDetector(settings);
    for (let i = 0; i < 3; i++) d.failure(0, true);
    for (let i = 0; i < 5; i++) assert.equal(d.failure(500, true), false);
    assert.equal(d.ejectedUntilMs, 1_000);
  });
});
