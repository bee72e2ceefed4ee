import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sequentialStep, sequentialTests, type SequentialState, type SequentialStepResult } from './sequential-judge';
import { sequentialSettings, type SequentialSettingsInput } from './sequential-settings';
import type { IntervalInput } from './interval-input';

/** Deterministic traffic: latency samples spread evenly over a lognormal-like shape. */
function side(requests: number, errors: number, latencyFactor: number, phase = 0): IntervalInput['canary'] {
  const latencyMs = Array.from({ length: requests }, (_, i) => Math.round(50 * Math.exp(0.6 * Math.tan(Math.PI * (((i * 0.618 + phase) % 1) * 0.9 - 0.45)) * 0.5) * latencyFactor * 100) / 100);
  return { requests, errors, latencyMs };
}

function run(input: SequentialSettingsInput, intervals: (i: number) => IntervalInput, max: number): { results: SequentialStepResult[]; last: SequentialStepResult } {
  const s = sequentialSettings(input);
  let state: SequentialState | null = null;
  const results: SequentialStepResult[] = [];
  for (let i = 0; i < max; i++) {
    const r = sequentialStep(s, state, intervals(i));
    results.push(r);
    state = r.state;
    if (r.verdict !== 'continue') break;
  }
  return { results, last: results.at(-1)! };
}

test('table of scenarios', () => {
  const rows: { name: string; settings?: SequentialSettingsInput; iv: (i: number) => IntervalInput; max: number; verdict: string; within?: number; reason?: RegExp }[] = [
    { name: 'catastrophic errors fail at once', iv: () => ({ baseline: side(1000, 10, 1), canary: side(100, 40, 1) }), max: 5, verdict: 'fail', within: 1, reason: /error-rate/ },
    { name: 'zero-error baseline, canary errors fail', iv: () => ({ baseline: side(1000, 0, 1), canary: side(100, 5, 1) }), max: 10, verdict: 'fail', within: 3 },
    { name: 'latency doubled fails', iv: (i) => ({ baseline: side(1000, 10, 1, i / 7), canary: side(100, 1, 2, i / 3) }), max: 5, verdict: 'fail', within: 1, reason: /latency/ },
    { name: 'below minimum sample: need more data', settings: { minCanaryRequests: 500 }, iv: () => ({ baseline: side(1000, 10, 1), canary: side(100, 40, 1) }), max: 3, verdict: 'continue', reason: /need more data: canary 300 of 500/ },
    { name: 'zero errors anywhere, same latency: no failure', iv: (i) => ({ baseline: side(1000, 0, 1, i / 7), canary: side(100, 0, 1, i / 3) }), max: 15, verdict: 'continue' },
    { name: 'zero errors, lots of traffic: pass', iv: (i) => ({ baseline: side(5000, 0, 1, i / 7), canary: side(2000, 0, 1, i / 3) }), max: 15, verdict: 'pass' },
    { name: 'canary better on errors never fails', iv: (i) => ({ baseline: side(1000, 20, 1, i / 7), canary: side(100, 0, 1, i / 3) }), max: 20, verdict: 'continue' },
    { name: 'faster canary fails when decrease is the regression', settings: { errorRate: { enabled: false }, latency: { direction: 'decrease' } }, iv: (i) => ({ baseline: side(1000, 0, 1, i / 7), canary: side(100, 0, 0.5, i / 3) }), max: 5, verdict: 'fail', within: 1 },
    { name: 'faster canary is no regression by default', settings: { errorRate: { enabled: false } }, iv: (i) => ({ baseline: side(1000, 0, 1, i / 7), canary: side(100, 0, 0.5, i / 3) }), max: 5, verdict: 'pass' },
    { name: 'no latency samples: errors alone decide', settings: {}, iv: () => ({ baseline: { requests: 1000, errors: 10, latencyMs: [] }, canary: { requests: 100, errors: 30, latencyMs: [] } }), max: 10, verdict: 'fail' },
  ];
  for (const r of rows) {
    const { results, last } = run(r.settings ?? {}, r.iv, r.max);
    assert.equal(last.verdict, r.verdict, `${r.name}: ${last.reason}`);
    if (r.within) assert.ok(results.length <= r.within, `${r.name}: took ${results.length} intervals`);
    if (r.reason) assert.match(last.reason, r.reason, r.name);
  }
});

test('every statistic is exposed and the state survives JSON', () => {
  const s = sequentialSettings({});
  const iv: IntervalInput = { baseline: side(1000, 10, 1), canary: side(100, 2, 1.02) };
  const a = sequentialStep(s, null, iv);
  const b1 = sequentialStep(s, a.state, iv);
  const b2 = sequentialStep(s, JSON.parse(JSON.stringify(a.state)) as SequentialState, iv);
  assert.deepEqual(b1.tests, b2.tests);
  assert.deepEqual(a.tests.map((t) => t.metric), ['error-rate', 'latency-p50', 'latency-p90']);
  const e = b1.tests[0];
  assert.equal(e.cumulative.canaryEvents, 4);
  assert.equal(e.cumulative.baselineTotal, 2000);
  assert.equal(e.cumulative.canaryRate, 0.02);
  for (const k of ['failEValue', 'failThreshold', 'passEValue', 'passThreshold', 'minEffectOddsRatio', 'harmlessOddsRatio'] as const) assert.ok(Number.isFinite(e[k]), k);
  assert.ok(e.oddsRatio.lower <= e.oddsRatio.estimate && e.oddsRatio.estimate <= e.oddsRatio.upper);
  assert.ok(e.rateDifferenceUpper! > 0);
  const l = b1.tests[1];
  assert.ok(l.interval.thresholdMs! > 0 && l.interval.canaryQuantileMs! > 0 && l.interval.baselineQuantileMs! > 0);
  // Budget split: error rate 0.8 × 0.05, latency tests 0.2 × 0.05 / 2.
  assert.equal(Math.round(e.failThreshold), 25);
  assert.equal(Math.round(l.failThreshold), 200);
});

test('directions: either runs both sides', () => {
  const specs = sequentialTests(sequentialSettings({ errorRate: { direction: 'either' }, latency: { quantiles: [0.99] } }));
  assert.deepEqual(specs.map((x) => x.id), ['error-rate:increase', 'error-rate:decrease', 'latency-p99:increase']);
});
