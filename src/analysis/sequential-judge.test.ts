import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sequentialFinal, sequentialStep, sequentialTests, type SequentialState, type SequentialStepResult } from './sequential-judge';
import { conditionalMoments, conditionalTable } from './odds-ratio-test';
import { sequentialSettings, type SequentialSettingsInput } from './sequential-settings';
import type { IntervalInput } from './interval-input';

/** Deterministic traffic: latency samples spread evenly over a lognormal-like shape. */
function side(requests: number, errors: number, latencyFactor: number, phase = 0): IntervalInput['canary'] {
  const latencyMs = Array.from(
    { length: requests },
    (_, i) => Math.round(50 * Math.exp(0.6 * Math.tan(Math.PI * (((i * 0.618 + phase) % 1) * 0.9 - 0.45)) * 0.5) * latencyFactor * 100) / 100,
  );
  return { requests, errors, latencyMs };
}

function run(
  input: SequentialSettingsInput,
  intervals: (i: number) => IntervalInput,
  max: number,
): { results: SequentialStepResult[]; last: SequentialStepResult } {
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
  const rows: {
    name: string;
    settings?: SequentialSettingsInput;
    iv: (i: number) => IntervalInput;
    max: number;
    verdict: string;
    within?: number;
    reason?: RegExp;
  }[] = [
    {
      name: 'catastrophic errors fail at once',
      iv: () => ({ baseline: side(1000, 10, 1), canary: side(100, 40, 1) }),
      max: 5,
      verdict: 'fail',
      within: 1,
      reason: /error-rate/,
    },
    {
      name: 'zero-error baseline, canary errors fail',
      iv: () => ({ baseline: side(1000, 0, 1), canary: side(100, 5, 1) }),
      max: 10,
      verdict: 'fail',
      within: 3,
    },
    {
      name: 'latency doubled fails',
      iv: (i) => ({ baseline: side(1000, 10, 1, i / 7), canary: side(100, 1, 2, i / 3) }),
      max: 5,
      verdict: 'fail',
      within: 1,
      reason: /latency/,
    },
    {
      name: 'below minimum sample: need more data',
      settings: { minCanaryRequests: 500 },
      iv: () => ({ baseline: side(1000, 10, 1), canary: side(100, 40, 1) }),
      max: 3,
      verdict: 'continue',
      reason: /need more data: canary 300 of 500/,
    },
    {
      name: 'zero errors anywhere, same latency: no failure',
      iv: (i) => ({ baseline: side(1000, 0, 1, i / 7), canary: side(100, 0, 1, i / 3) }),
      max: 15,
      verdict: 'continue',
    },
    {
      name: 'zero errors, lots of traffic: pass',
      iv: (i) => ({ baseline: side(5000, 0, 1, i / 7), canary: side(2000, 0, 1, i / 3) }),
      max: 15,
      verdict: 'pass',
    },
    {
      name: 'canary better on errors never fails',
      iv: (i) => ({ baseline: side(1000, 20, 1, i / 7), canary: side(100, 0, 1, i / 3) }),
      max: 20,
      verdict: 'continue',
    },
    {
      name: 'faster canary fails when decrease is the regression',
      settings: { errorRate: { enabled: false }, latency: { direction: 'decrease' } },
      iv: (i) => ({ baseline: side(1000, 0, 1, i / 7), canary: side(100, 0, 0.5, i / 3) }),
      max: 5,
      verdict: 'fail',
      within: 1,
    },
    {
      name: 'faster canary is no regression by default',
      settings: { errorRate: { enabled: false } },
      iv: (i) => ({ baseline: side(1000, 0, 1, i / 7), canary: side(100, 0, 0.5, i / 3) }),
      max: 5,
      verdict: 'pass',
    },
    {
      name: 'no latency samples: errors alone decide',
      settings: {},
      iv: () => ({ baseline: { requests: 1000, errors: 10, latencyMs: [] }, canary: { requests: 100, errors: 30, latencyMs: [] } }),
      max: 10,
      verdict: 'fail',
    },
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
  assert.deepEqual(
    a.tests.map((t) => t.metric),
    ['error-rate', 'latency-p50', 'latency-p90'],
  );
  const e = b1.tests[0];
  assert.equal(e.cumulative.canaryEvents, 4);
  assert.equal(e.cumulative.baselineTotal, 2000);
  assert.equal(e.cumulative.canaryRate, 0.02);
  for (const k of ['failEValue', 'failThreshold', 'passEValue', 'passThreshold', 'minEffectOddsRatio', 'harmlessOddsRatio'] as const)
    assert.ok(Number.isFinite(e[k]), k);
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
  assert.deepEqual(
    specs.map((x) => x.id),
    ['error-rate:increase', 'error-rate:decrease', 'latency-p99:increase'],
  );
});

test('the end-of-analysis rule passes a healthy canary the looks left undecided, and only a healthy one', () => {
  // 18 one-minute intervals, 1,000 baseline and 100 canary requests, 1% errors on both: one error
  // per canary interval is too little for the anytime-valid looks, enough for one planned look.
  const healthy = (i: number): IntervalInput => ({ baseline: side(1000, 10, 1, i / 7), canary: side(100, 1, 1, i / 3) });
  const s = sequentialSettings({ latency: { enabled: false } });
  let state: SequentialState | null = null;
  for (let i = 0; i < 18; i++) {
    const r = sequentialStep(s, state, healthy(i));
    state = r.state;
    assert.equal(r.verdict, 'continue', `interval ${i + 1}: ${r.reason}`);
  }
  const end = sequentialFinal(s, state);
  assert.equal(end.verdict, 'pass', end.reason);
  assert.match(end.reason, /at the planned end, a regression of the minimum effect is ruled out in error-rate \(z -\d/);
  // The same run with the rule off stays inconclusive.
  assert.equal(sequentialFinal(sequentialSettings({ latency: { enabled: false }, endShare: 0 }), state).verdict, 'inconclusive');

  // A canary at 2.5× the baseline's error rate never passes at the end.
  const bad = (i: number): IntervalInput => ({ baseline: side(1000, 10, 1, i / 7), canary: side(100, i % 2 === 0 ? 3 : 2, 1, i / 3) });
  let badState: SequentialState | null = null;
  for (let i = 0; i < 20; i++) badState = sequentialStep(s, badState, bad(i)).state;
  assert.notEqual(sequentialFinal(s, badState).verdict, 'pass');
});

test('a low-traffic canary stays inconclusive and the reason says how many more requests a decision needs', () => {
  const s = sequentialSettings({ latency: { enabled: false }, minCanaryRequests: 50 });
  let state: SequentialState | null = null;
  for (let i = 0; i < 20; i++) state = sequentialStep(s, state, { baseline: side(1000, 10, 1, i / 7), canary: side(5, 0, 1, i / 3) }).state;
  const end = sequentialFinal(s, state);
  assert.equal(end.verdict, 'inconclusive');
  const more = end.tests[0]!.moreNeeded!;
  assert.ok(more > 0, `needs ${more} more`);
  assert.match(end.reason, new RegExp(`error-rate: about ${more} more canary requests needed`));
  // Feeding roughly that many more at the same effect decides it.
  for (let i = 20; state!.canaryRequests < 100 + more * 1.3; i++)
    state = sequentialStep(s, state, { baseline: side(1000, 10, 1, i / 7), canary: side(5, 0, 1, i / 3) }).state;
  assert.equal(sequentialFinal(s, state).verdict, 'pass');
});

test('conditionalMoments: the central hypergeometric mean and variance at odds ratio 1', () => {
  const c = conditionalTable({ canaryEvents: 3, canaryTotal: 100, baselineEvents: 17, baselineTotal: 900 })!;
  const m = conditionalMoments(c, 1);
  // e·nc/N and e·(nc/N)(nb/N)(N−e)/(N−1)
  assert.ok(Math.abs(m.mean - 2) < 1e-9, String(m.mean));
  assert.ok(Math.abs(m.variance - (20 * 0.1 * 0.9 * 980) / 999) < 1e-9, String(m.variance));
  assert.ok(conditionalMoments(c, 3).mean > 4.5, 'a larger odds ratio moves the mean up');
});
