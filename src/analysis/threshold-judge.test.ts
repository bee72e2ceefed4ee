import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateThresholdMetric, thresholdMetricSchema, thresholdSettingsSchema } from './threshold-judge';
import { runPhase, runLimitsSchema, tallyPhases, worstPhase, type MeasurementPhase } from './run-limits';

const iv = (errors: number, latency: number[] = [10, 20, 30]) => ({
  baseline: { requests: 1000, errors: 10, latencyMs: [10, 20, 30] },
  canary: { requests: 100, errors, latencyMs: latency },
});
const metric = (m: object) => thresholdMetricSchema.parse({ name: 'm', measure: 'error-rate', ...m });

test('Argo phase rules for success and failure conditions', () => {
  const rows: [object, number, MeasurementPhase][] = [
    [{ failureCondition: 'result > 0.05' }, 6, 'Failed'],
    [{ failureCondition: 'result > 0.05' }, 5, 'Successful'],
    [{ successCondition: 'result <= 0.05' }, 5, 'Successful'],
    [{ successCondition: 'result <= 0.05' }, 6, 'Failed'],
    [{ successCondition: 'result < 0.01', failureCondition: 'result > 0.05' }, 0, 'Successful'],
    [{ successCondition: 'result < 0.01', failureCondition: 'result > 0.05' }, 3, 'Inconclusive'],
    [{ successCondition: 'result < 0.01', failureCondition: 'result > 0.05' }, 9, 'Failed'],
    [{ failureCondition: 'result > baseline * 2' }, 3, 'Failed'],
    [{ failureCondition: 'result > baseline * 2' }, 2, 'Successful'],
    [{ failureCondition: 'requests < 200' }, 0, 'Failed'],
  ];
  for (const [m, errors, want] of rows) assert.equal(evaluateThresholdMetric(metric(m), iv(errors)).phase, want, JSON.stringify(m));
});

test('latency quantile, NaN when there are no samples', () => {
  const m = metric({ measure: 'latency', quantile: 0.5, failureCondition: 'result > 25 || isNaN(result)' });
  assert.equal(evaluateThresholdMetric(m, iv(0, [10, 20, 30])).phase, 'Successful');
  assert.equal(evaluateThresholdMetric(m, iv(0, [30, 40])).phase, 'Failed');
  assert.equal(evaluateThresholdMetric(m, iv(0, [])).phase, 'Failed');
});

test('settings validation names the field at fault', () => {
  const r = thresholdSettingsSchema.safeParse({ metrics: [{ name: 'x', measure: 'error-rate', failureCondition: 'result >' }] });
  assert.equal(r.success, false);
  assert.deepEqual(r.error!.issues[0].path, ['metrics', 0, 'failureCondition']);
  assert.equal(thresholdSettingsSchema.safeParse({ metrics: [{ name: 'x', measure: 'error-rate' }] }).success, false);
});

test('run limits keep Failed, Inconclusive and Error apart', () => {
  const limits = runLimitsSchema.parse({});
  const rows: [MeasurementPhase[], object, boolean, string][] = [
    [['Successful', 'Successful'], {}, false, 'Running'],
    [['Successful', 'Successful'], {}, true, 'Successful'],
    [['Successful', 'Failed'], {}, false, 'Failed'],
    [['Failed', 'Successful'], { failureLimit: 1 }, true, 'Successful'],
    [['Failed', 'Failed'], { failureLimit: 1 }, false, 'Failed'],
    [['Inconclusive'], {}, false, 'Inconclusive'],
    [['Inconclusive', 'Inconclusive'], { inconclusiveLimit: 2 }, false, 'Running'],
    [['Error', 'Error', 'Error', 'Error'], {}, false, 'Running'],
    [['Error', 'Error', 'Error', 'Error', 'Error'], {}, false, 'Error'],
    [['Error', 'Error', 'Successful', 'Error', 'Error'], { consecutiveErrorLimit: 2 }, false, 'Running'],
    [['Error', 'Failed'], { consecutiveErrorLimit: 0 }, false, 'Failed'],
  ];
  for (const [phases, l, complete, want] of rows) assert.equal(runPhase(phases, { ...limits, ...l }, complete).phase, want, JSON.stringify([phases, l]));
  assert.deepEqual(tallyPhases(['Error', 'Successful', 'Error', 'Error']), { successful: 1, failed: 0, inconclusive: 0, error: 3, consecutiveErrors: 2 });
  assert.equal(worstPhase(['Successful', 'Inconclusive', 'Failed']), 'Failed');
  assert.equal(worstPhase(['Successful', 'Error', 'Failed']), 'Error');
});

test('bounds (max, min, maxOverBaseline) and minRequests, alone or before the conditions', () => {
  const rows: [object, number, number, MeasurementPhase, RegExp][] = [
    [{ max: 0.05 }, 6, 0, 'Failed', /^m 0.06 > max 0.05$/],
    [{ max: 0.05 }, 5, 0, 'Successful', /within its bounds/],
    [{ min: 0.01 }, 0, 0, 'Failed', /< min 0.01/],
    [{ maxOverBaseline: 0.02 }, 4, 0, 'Failed', /is 0.03 over baseline's 0.01/],
    [{ maxOverBaseline: 0.02 }, 3, 0, 'Successful', /within its bounds/],
    [{ max: 0.05, successCondition: 'result < 0.01' }, 3, 0, 'Failed', /is false/],
    [{ max: 0.05, failureCondition: 'result > 0.01' }, 9, 0, 'Failed', /> max 0.05/],
    [{ max: 0.05 }, 0, 101, 'Inconclusive', /^need more data: 100 of 101 requests$/],
    [{ failureCondition: 'result > 0.05' }, 9, 101, 'Inconclusive', /need more data/],
    [{ measure: 'request-rate', min: 20 }, 0, 0, 'Failed', /m 10 < min 20/],
    [{ measure: 'mean-latency', max: 15 }, 0, 0, 'Failed', /m 20 > max 15/],
  ];
  for (const [m, errors, minRequests, want, reason] of rows) {
    const r = evaluateThresholdMetric(metric(m), { ...iv(errors), durationMs: 10_000 }, minRequests);
    assert.equal(r.phase, want, JSON.stringify(m));
    assert.match(r.reason, reason, JSON.stringify(m));
  }
  // maxOverBaseline is skipped while the baseline has too little traffic.
  const thin = { baseline: { requests: 10, errors: 0, latencyMs: [] }, canary: { requests: 100, errors: 9, latencyMs: [] } };
  assert.equal(evaluateThresholdMetric(metric({ maxOverBaseline: 0.02 }), thin, 20).phase, 'Successful');
});
