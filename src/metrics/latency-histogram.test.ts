import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketIndex, bucketUpperMs, merge, quantile, record, total, mean, HISTOGRAM_BUCKETS, type HistogramCounts } from './latency-histogram';

test('bucket bounds grow and every value lands in a bucket whose bound is within 10% above it', () => {
  for (let i = 1; i < HISTOGRAM_BUCKETS; i++) assert.ok(bucketUpperMs(i) > bucketUpperMs(i - 1), `bucket ${i}`);
  for (const v of [0.02, 0.5, 1, 1.05, 3.3, 9.99, 10, 47, 100, 250, 999, 1234.5, 60_000]) {
    const i = bucketIndex(v);
    const up = bucketUpperMs(i);
    assert.ok(up >= v * (1 - 1e-9), `${v} → bucket ${i} upper ${up}`);
    assert.ok(up <= v * 1.1 + 1e-9, `${v} → bucket ${i} upper ${up} too loose`);
  }
});

test('quantiles, totals and merging', () => {
  const a: HistogramCounts = {};
  const b: HistogramCounts = {};
  for (let v = 1; v <= 100; v++) record(v <= 50 ? a : b, v);
  const m = merge({ ...a }, b);
  assert.equal(total(m), 100);
  const cases: [number, number][] = [
    [0.5, 50],
    [0.9, 90],
    [0.99, 99],
    [1, 100],
  ];
  for (const [q, want] of cases) {
    const got = quantile(m, q);
    assert.ok(got >= want && got <= want * 1.1, `q${q}: ${got}`);
  }
  assert.ok(Math.abs(mean(m) - 50.5) / 50.5 < 0.05, `mean ${mean(m)}`);
  assert.ok(Number.isNaN(quantile({}, 0.5)));
});
