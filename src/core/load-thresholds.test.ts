import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateThresholds, parseThresholds, type ThresholdStats } from './load-thresholds';
import { quantile } from './stats/quantiles';

describe('loadtest thresholds', () => {
  test('parses the k6 forms, with units and aliases', () => {
    const t = parseThresholds('p(95)<300, p(99.9)<=1s ,avg<100,med<50ms,max<2s,min>=0,errors<0.01,error_rate<1%,rps>900');
    assert.deepEqual(
      t.map((x) => [x.metric.kind === 'percentile' ? `p${x.metric.p}` : x.metric.kind, x.op, x.limit]),
      [
        ['p95', '<', 300],
        ['p99.9', '<=', 1000],
        ['avg', '<', 100],
        ['med', '<', 50],
        ['max', '<', 2000],
        ['min', '>=', 0],
        ['errors', '<', 0.01],
        ['errors', '<', 0.01],
        ['rps', '>', 900],
      ],
    );
  });
  test('bad syntax is refused, naming the threshold', () => {
    for (const bad of ['p(95)<<300', 'p95<300', 'p(0)<3', 'p(101)<3', 'latency<3', 'errors<2', 'errors<5ms', 'rps>10%', 'avg<3%', 'avg=3', '']) {
      assert.throws(
        () => parseThresholds(bad),
        (e: Error) => (bad ? e.message.includes(`"${bad}"`) : /no threshold/.test(e.message)),
        bad,
      );
    }
  });
  const stats = (latencies: number[], requests: number, errors: number, rps: number): ThresholdStats => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      latencyCount: sorted.length,
      latencyAt: (p) => quantile(sorted, p / 100),
      meanMs: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length),
      minMs: sorted[0] ?? 0,
      maxMs: sorted[sorted.length - 1] ?? 0,
      requests,
      errors,
      achievedRps: rps,
    };
  };
  test('evaluation: each comparator on each metric', () => {
    const s = stats(
      Array.from({ length: 100 }, (_, i) => i + 1),
      100,
      2,
      950,
    );
    const r = evaluateThresholds(
      parseThresholds('p(95)<100,p(95)<90,avg<=50.5,avg<50.5,med<60,max<100,max<=100,min>0,errors<0.03,errors<0.02,rps>900,rps>=1000'),
      s,
    );
    assert.deepEqual(
      r.map((x) => [x.threshold, x.ok]),
      [
        ['p(95)<100', true],
        ['p(95)<90', false],
        ['avg<=50.5', true],
        ['avg<50.5', false],
        ['med<60', true],
        ['max<100', false],
        ['max<=100', true],
        ['min>0', true],
        ['errors<0.03', true],
        ['errors<0.02', false],
        ['rps>900', true],
        ['rps>=1000', false],
      ],
    );
    assert.equal(r[0]!.actual, s.latencyAt(95));
    assert.equal(r[8]!.actual, 0.02);
  });
  test('a threshold with zero samples fails, never passes silently', () => {
    // Every request failed: no latency to judge, but errors can be judged.
    const noAnswers = evaluateThresholds(parseThresholds('p(99)<1000000,avg<1000000000,errors<=1'), stats([], 10, 10, 10));
    assert.deepEqual(
      noAnswers.map((x) => [x.ok, x.actual, x.reason]),
      [
        [false, null, 'no samples'],
        [false, null, 'no samples'],
        [true, 1, undefined],
      ],
    );
    const nothing = evaluateThresholds(parseThresholds('errors<1,rps>=0'), stats([], 0, 0, 0));
    assert.deepEqual(
      nothing.map((x) => [x.ok, x.reason]),
      [
        [false, 'no samples'],
        [false, 'no samples'],
      ],
    );
  });
});
