import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../core/errors';
import { buildLoadResult, latencyHistogram, latencySamples, readLoadResult, recordLatency } from './load-result';

test('a load result carries its whole latency distribution: samples read back from the histogram within 0.1%', () => {
  const h = latencyHistogram();
  const values = [0.8, 1.5, 2.25, 2.25, 10, 250.7, 1200];
  for (const v of values) recordLatency(h, v);
  const r = buildLoadResult({ target: 'http://127.0.0.1:1', startedAtMs: 0, durationMs: 2000, requests: 7, errors: 1, histogram: h });
  assert.equal(r.achievedRps, 3.5);
  assert.ok(Math.abs(r.latencyMs.max - 1200) / 1200 < 0.001);
  const back = latencySamples(readLoadResult(JSON.parse(JSON.stringify(r)), 'r.json'));
  assert.equal(back.length, values.length);
  back.forEach((v, i) => assert.ok(Math.abs(v - values[i]) / values[i] < 0.001, `${v} vs ${values[i]}`));
});

test('raw samples, when kept, are what the reader returns; a wrong field is named', () => {
  const h = latencyHistogram();
  recordLatency(h, 5);
  const r = buildLoadResult({ target: 't', startedAtMs: 0, durationMs: 1, requests: 1, errors: 0, histogram: h, samplesMs: [5.0001] });
  assert.deepEqual(latencySamples(r), [5.0001]);
  assert.throws(
    () => readLoadResult({ ...r, requests: -1 }, 'bad.json'),
    (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === 'requests' && i.file === 'bad.json'),
  );
  assert.throws(() => latencySamples({ ...r, samplesMs: undefined, histogram: { encoding: 'hdr-base64', data: 'not-base64!' } }, 'h.json'), InputError);
});

test("no quantile is above the maximum (HDR reports a bucket's highest equivalent value)", () => {
  const h = latencyHistogram();
  for (const ms of [22.5, 22.7, 68.48]) recordLatency(h, ms);
  const r = buildLoadResult({ target: 'http://t', startedAtMs: 0, durationMs: 1000, requests: 3, errors: 0, histogram: h });
  assert.ok(h.getValueAtPercentile(99) / 1000 > 68.48, 'the histogram alone would report p99 above the max');
  assert.equal(r.latencyMs.p99, r.latencyMs.max);
  assert.ok(r.latencyMs.p90 <= r.latencyMs.max && r.latencyMs.p50 < r.latencyMs.p90);
});
