import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InlineAnalysis } from '../core/hooks';
import { record, type HistogramCounts } from '../metrics/latency-histogram';
import { judgeInterval, newRunState, recordError, type RunState } from './analysis-run';
import { histogramSamples, measurementOf } from './analysis-service';
import { inlineTemplateSpec } from './inline-template';
import type { IntervalInput, VersionSample } from './interval-input';
import { runLimitsSchema, type MeasurementPhase } from './run-limits';
import { thresholdJudge } from './threshold-judge';
import { worstPhase } from './run-limits';

/** A version's window as the router's histogram gives it: `requests` requests at `latencyMs`. */
function win(requests: number, errors: number, latencyMs: number): VersionSample {
  const h: HistogramCounts = {};
  record(h, latencyMs, requests);
  return { requests, errors, latencyMs: histogramSamples(h) };
}
const none: VersionSample = { requests: 0, errors: 0, latencyMs: [] };
const iv = (canary: VersionSample, baseline: VersionSample = none, durationMs = 10_000): IntervalInput => ({ durationMs, canary, baseline });
const inline = (over: Partial<InlineAnalysis> = {}): InlineAnalysis => ({
  thresholds: [
    { name: 'error-rate', max: 0.02 },
    { name: 'p99-latency-ms', max: 400 },
  ],
  intervalMs: 10_000,
  count: 3,
  minRequests: 20,
  failureLimit: 0,
  inconclusiveLimit: 30,
  consecutiveErrorLimit: 4,
  ...over,
});
/** One interval of an inline analysis: its phase and reasons, as the rollout step records them. */
function judge(a: InlineAnalysis, input: IntervalInput): { phase: MeasurementPhase; reasons: string[]; values: Record<string, number> } {
  const spec = inlineTemplateSpec(a);
  const ms = thresholdJudge(spec.threshold, input);
  const { record: r } = judgeInterval(spec, newRunState('threshold'), input, 10_000);
  const m = measurementOf(r, 0)!;
  assert.equal(m.phase, worstPhase(ms.map((x) => x.phase)));
  return { phase: m.phase, reasons: m.reasons, values: m.values };
}

test('inline thresholds judge a window (ported from the rollout threshold judge)', () => {
  const cases: [string, VersionSample, MeasurementPhase, RegExp | null][] = [
    ['healthy', win(100, 1, 20), 'Successful', null],
    ['too many errors', win(100, 5, 20), 'Failed', /error-rate 0.05 > max 0.02/],
    ['too slow', win(100, 0, 500), 'Failed', /p99-latency-ms .* > max 400/],
    ['too little traffic', win(10, 5, 20), 'Inconclusive', /^need more data: 10 of 20 requests$/],
  ];
  for (const [name, w, phase, reason] of cases) {
    const m = judge(inline(), iv(w));
    assert.equal(m.phase, phase, name);
    if (reason) assert.match(m.reasons.join('; '), reason, name);
    else assert.deepEqual(m.reasons, [], name);
  }
});

test('min thresholds, request rate and the other inline metrics', () => {
  const m = judge(inline({ thresholds: [{ name: 'request-rate', min: 10 }], minRequests: 1 }), iv(win(50, 0, 10)));
  assert.equal(m.values['request-rate'], 5);
  assert.equal(m.phase, 'Failed');
  assert.match(m.reasons[0], /request-rate 5 < min 10/);
  const rows: [InlineAnalysis['thresholds'][number], MeasurementPhase][] = [
    [{ name: 'request-rate', min: 4 }, 'Successful'],
    [{ name: 'p50-latency-ms', max: 5 }, 'Failed'],
    [{ name: 'p95-latency-ms', max: 100 }, 'Successful'],
    [{ name: 'mean-latency-ms', max: 100 }, 'Successful'],
    [{ name: 'mean-latency-ms', max: 5 }, 'Failed'],
  ];
  for (const [t, want] of rows) assert.equal(judge(inline({ thresholds: [t], minRequests: 1 }), iv(win(50, 0, 10))).phase, want, JSON.stringify(t));
  // Without the window's length there is no request rate: a bound on it fails ("no value").
  const noLength = judge(inline({ thresholds: [{ name: 'request-rate', min: 1 }], minRequests: 1 }), { canary: win(50, 0, 10), baseline: none });
  assert.deepEqual(noLength.reasons, ['request-rate: no value']);
});

test('latency quantiles of inline thresholds are the router histogram quantile (nearest rank)', () => {
  // 99 fast requests and one slow one: p99 is the fast bucket's upper bound, as `rollout status` shows.
  const h: HistogramCounts = {};
  record(h, 10, 99);
  record(h, 900, 1);
  const m = judge(inline({ thresholds: [{ name: 'p99-latency-ms', max: 400 }] }), iv({ requests: 100, errors: 0, latencyMs: histogramSamples(h) }));
  assert.equal(m.phase, 'Successful');
  assert.ok(m.values['p99-latency-ms'] < 400, String(m.values['p99-latency-ms']));
});

/** Runs an inline analysis over a sequence of interval phases: p pass, f fail, i inconclusive, e error. */
function outcome(seq: string, a: InlineAnalysis): { verdict: string | null; state: RunState } {
  const spec = inlineTemplateSpec(a);
  let state = newRunState('threshold');
  const input: Record<string, IntervalInput> = { p: iv(win(100, 0, 20)), f: iv(win(100, 50, 20)), i: iv(win(1, 0, 20)) };
  for (const c of seq) {
    state = c === 'e' ? recordError(spec, state, 'metric source down', 0).state : judgeInterval(spec, state, input[c], 10_000).state;
    if (state.verdict) break;
  }
  return { verdict: state.verdict, state };
}

test('inline analysis outcome from measurements: count, failureLimit, inconclusiveLimit (ported)', () => {
  const a = inline({ count: 3, failureLimit: 1, inconclusiveLimit: 2 });
  const cases: [string, string | null][] = [
    ['', null],
    ['pp', null],
    ['ppp', 'pass'],
    ['pfp', null],
    ['pfpp', 'pass'],
    ['ff', 'fail'],
    ['iii', 'inconclusive'],
    ['iip', null],
  ];
  for (const [seq, want] of cases) assert.equal(outcome(seq, a).verdict, want, seq);
});

test('an Error is never counted as Failed: a broken source ends the run Error at the consecutive limit', () => {
  const a = inline({ count: 3, failureLimit: 0, consecutiveErrorLimit: 4 });
  const cases: [string, string | null][] = [
    ['eeee', null],
    ['eeeee', 'error'],
    ['eeeepeeee', null],
    ['eeeepeeeee', 'error'],
    ['epepep', 'pass'],
    ['eef', 'fail'],
  ];
  for (const [seq, want] of cases) assert.equal(outcome(seq, a).verdict, want, seq);
  assert.equal(outcome('ee', inline({ consecutiveErrorLimit: 1 })).verdict, 'error');
  assert.match(outcome('eeeee', a).state.reason, /5 errors in a row > consecutiveErrorLimit 4: metric source down/);
});

test('maxOverStable compares with the baseline (stable) over the same window (ported)', () => {
  const rel = inline({ thresholds: [{ name: 'p50-latency-ms', maxOverBaseline: 100 }] });
  const cases: [string, VersionSample, VersionSample, MeasurementPhase][] = [
    ['both slow alike: pass', win(50, 0, 300), win(200, 0, 280), 'Successful'],
    ['150 ms slower than stable: fail', win(50, 0, 170), win(200, 0, 15), 'Failed'],
    ['stable without data: the comparison is skipped', win(50, 0, 170), win(5, 0, 15), 'Successful'],
    ['no stable (first release, the canary is its own baseline): skipped', win(50, 0, 170), win(50, 0, 170), 'Successful'],
  ];
  for (const [name, w, stable, phase] of cases) assert.equal(judge(rel, iv(w, stable)).phase, phase, name);
  assert.match(judge(rel, iv(win(50, 0, 170), win(200, 0, 15))).reasons[0], /over baseline's/);
});

test('run limit defaults: the ones every template and inline step starts from', () => {
  const rows: [string, number][] = [
    ['failureLimit', 0],
    ['inconclusiveLimit', 0],
    ['consecutiveErrorLimit', 4],
  ];
  const d = runLimitsSchema.parse({});
  for (const [k, v] of rows) assert.equal(d[k as keyof typeof d], v, k);
  const spec = inlineTemplateSpec(inline({ failureLimit: 2, inconclusiveLimit: 7, consecutiveErrorLimit: 9 }));
  assert.deepEqual(spec.limits, { failureLimit: 2, inconclusiveLimit: 7, consecutiveErrorLimit: 9 });
  assert.equal(spec.window, 'sinceStart');
  assert.equal(spec.count, 3);
});
