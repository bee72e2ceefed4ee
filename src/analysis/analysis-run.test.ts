import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finishRun, judgeInterval, newRunState, recordError, type RunState } from './analysis-run';
import { analysisTemplateSpec, analysisTemplateSpecSchema } from './analysis-template';
import { parseDurationMs } from '../core/duration';
import { histogramSamples, toIntervalInput } from './analysis-service';
import { exportLines } from './analysis-routes';
import type { IntervalInput } from './interval-input';

const iv = (canaryErrors: number, factor = 1): IntervalInput => ({
  baseline: { requests: 1000, errors: 10, latencyMs: Array.from({ length: 1000 }, (_, i) => 40 + (i % 20)) },
  canary: { requests: 100, errors: canaryErrors, latencyMs: Array.from({ length: 100 }, (_, i) => (40 + (i % 20)) * factor) },
});

test('threshold runs follow the limits; Failed and Inconclusive are kept apart', () => {
  const spec = analysisTemplateSpec({
    judge: 'threshold',
    limits: { failureLimit: 1, inconclusiveLimit: 1 },
    threshold: { metrics: [{ name: 'errors', measure: 'error-rate', successCondition: 'result < 0.02', failureCondition: 'result > 0.05' }] },
  });
  const rows: { errors: number[]; verdict: string | null; phases: string[] }[] = [
    { errors: [0, 10, 0], verdict: null, phases: ['Successful', 'Failed', 'Successful'] },
    { errors: [10, 10], verdict: 'fail', phases: ['Failed', 'Failed'] },
    { errors: [3, 3], verdict: 'inconclusive', phases: ['Inconclusive', 'Inconclusive'] },
    { errors: [3, 10, 0], verdict: null, phases: ['Inconclusive', 'Failed', 'Successful'] },
  ];
  for (const r of rows) {
    let s: RunState = newRunState('threshold');
    r.errors.forEach((e, i) => (s = judgeInterval(spec, s, iv(e), (i + 1) * 60_000).state));
    assert.equal(s.verdict, r.verdict, JSON.stringify(r));
    assert.deepEqual(s.phases, r.phases);
  }
});

test('Error phases: consecutive errors beyond the limit end the run in Error', () => {
  const spec = analysisTemplateSpec({ judge: 'threshold', limits: { consecutiveErrorLimit: 2 } });
  let s = newRunState('threshold');
  for (let i = 0; i < 2; i++) s = recordError(spec, s, 'connection refused', (i + 1) * 60_000).state;
  assert.equal(s.verdict, null);
  s = judgeInterval(spec, s, iv(0), 180_000).state;
  for (let i = 0; i < 2; i++) s = recordError(spec, s, 'connection refused', 240_000).state;
  assert.equal(s.verdict, null, 'a good measurement reset the streak');
  const r = recordError(spec, s, 'connection refused', 300_000);
  assert.equal(r.state.verdict, 'error');
  assert.equal(r.record.phase, 'Error');
  assert.match(r.state.reason, /3 errors in a row > consecutiveErrorLimit 2: connection refused/);
});

test('kayenta runs score every interval and keep the series as JSON-safe values', () => {
  const spec = analysisTemplateSpec({ judge: 'kayenta' });
  let s = newRunState('kayenta');
  let last: ReturnType<typeof judgeInterval> | undefined;
  for (let i = 0; i < 4; i++) {
    last = judgeInterval(spec, s, iv(1, 2), (i + 1) * 60_000);
    s = last.state;
    if (s.verdict) break;
  }
  assert.equal(s.verdict, 'fail');
  assert.ok(last!.record.kayenta!.metrics.some((m) => m.classification === 'High'));
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  const empty = judgeInterval(
    spec,
    newRunState('kayenta'),
    { baseline: { requests: 0, errors: 0, latencyMs: [] }, canary: { requests: 0, errors: 0, latencyMs: [] } },
    60_000,
  );
  assert.deepEqual(empty.state.series['error-rate'], { baseline: [null], canary: [null] });
});

test('finishing: sequential is inconclusive, kayenta/threshold within limits pass', () => {
  const seq = analysisTemplateSpec({});
  let s = judgeInterval(seq, newRunState('sequential'), iv(1), 60_000).state;
  assert.equal(finishRun(seq, s, 60_000, 'maximum duration reached', true).verdict, 'inconclusive');
  // A healthy canary undecided at its planned end passes by the end-of-analysis rule; data that
  // stops early is no planned end.
  let healthy = newRunState('sequential');
  for (let i = 0; i < 18; i++) healthy = judgeInterval(seq, healthy, iv(1), (i + 1) * 60_000).state;
  assert.equal(healthy.verdict, null, healthy.reason);
  assert.equal(finishRun(seq, healthy, 18 * 60_000, 'end of the recorded intervals').verdict, 'inconclusive');
  const ended = finishRun(seq, healthy, 18 * 60_000, 'maximum duration reached', true);
  assert.equal(ended.verdict, 'pass', ended.reason);
  assert.match(ended.reason, /maximum duration reached: at the planned end, a regression of the minimum effect is ruled out in error-rate/);
  assert.deepEqual(ended.phases.at(-1), 'Successful');
  const th = analysisTemplateSpec({ judge: 'threshold' });
  s = judgeInterval(th, newRunState('threshold'), iv(0), 60_000).state;
  const done = finishRun(th, s, 60_000, 'maximum duration reached');
  assert.equal(done.verdict, 'pass');
  assert.equal(done.decidedAt, 0);
  const decided = { ...s, verdict: 'fail' as const };
  assert.equal(finishRun(th, decided, 60_000, 'x'), decided);
});

test('template defaults and validation', () => {
  const d = analysisTemplateSpec({});
  assert.equal(d.judge, 'sequential');
  assert.equal(d.interval, 60_000);
  assert.equal(d.inconclusive, 'hold');
  assert.equal(d.sequential.errorRate.minRatio, 2);
  assert.equal(d.sequential.endShare, 0.5);
  assert.equal(d.sequential.errorRate.minAbsolute, 0.001);
  assert.equal(d.sequential.latency.minRelative, 0.1);
  const rows: [object, string][] = [
    [{ interval: 'soon' }, 'interval'],
    [{ minDuration: '10m', maxDuration: '5m' }, 'maxDuration'],
    [{ judge: 'oracle' }, 'judge'],
    [{ sequential: { errorRate: { minRatio: 0.5 } } }, 'sequential.errorRate.minRatio'],
    [{ metrics: { source: 'prometheus', url: 'not a url', requestsQuery: 'a', errorsQuery: 'b' } }, 'metrics.url'],
    [{ surprise: 1 }, ''],
  ];
  for (const [spec, path] of rows) {
    const r = analysisTemplateSpecSchema.safeParse(spec);
    assert.equal(r.success, false, JSON.stringify(spec));
    assert.equal(r.error!.issues[0].path.join('.'), path, JSON.stringify(spec));
  }
  assert.deepEqual([parseDurationMs('250ms'), parseDurationMs('2m'), parseDurationMs('1h'), parseDurationMs(5)], [250, 120_000, 3_600_000, 5]);
  assert.ok(Number.isNaN(parseDurationMs('2 weeks')));
});

test('router histograms become latency samples; export writes the replay format', () => {
  assert.deepEqual(histogramSamples({ 100: 2, 90: 1 }).length, 3);
  const samples = histogramSamples({ 100: 2, 90: 1 });
  assert.ok(samples[0] < samples[1] && samples[1] === samples[2]);
  const input = { baseline: { requests: 3, errors: 1, latency: { 100: 3 } }, canary: { requests: 1, errors: 0, latency: {} } };
  assert.deepEqual(toIntervalInput(input, 10).canary, { requests: 1, errors: 0, latencyMs: [] });
  const run = { startedAtMs: 1_000_000 } as Parameters<typeof exportLines>[0];
  const text = exportLines(run, [
    { runId: 'r', index: 0, fromMs: 1_000_000, toMs: 1_010_000, verdict: 'continue', phase: null, input, record: {} as never },
    { runId: 'r', index: 1, fromMs: 1_010_000, toMs: 1_020_000, verdict: 'continue', phase: 'Error', input: null, record: {} as never },
  ]);
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 1, 'intervals whose source failed have no inputs to export');
  assert.equal(lines[0].t, 0);
  assert.equal(lines[0].baseline.latencyMs.length, 3);
});
