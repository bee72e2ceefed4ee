import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors';
import { buildLoadResult, latencyHistogram, recordLatency } from '../load-result';
import { readPerfFile, wrkDurationMs } from './perf-readers';

const fixture = (f: string) => readFileSync(join(import.meta.dirname, 'testdata', f), 'utf8');

function refused(fn: () => unknown, message: RegExp, issue: Partial<{ file: string; path: string; line: number }> = {}) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.match(e.message, message);
    for (const [k, v] of Object.entries(issue)) assert.equal((e.issues[0] as unknown as Record<string, unknown>)[k], v, k);
    return true;
  });
}

describe('perf result readers', () => {
  test('k6 --summary-export: the trend fields on the metric, the request rate', () => {
    const r = readPerfFile(fixture('k6-summary-export.json'), 'export.json');
    assert.equal(r.format, 'k6-summary-export');
    assert.equal(r.samplesMs, undefined);
    assert.deepEqual(r.aggregates, { mean: 24.61, p50: 21.3, p90: 38.2, p95: 46.9, p99: 88.15, rps: 199.25 });
  });
  test('k6 handleSummary data: the values under metrics.*.values; no p(99) with the default trend stats', () => {
    const r = readPerfFile(fixture('k6-handle-summary.json'), 'summary.json');
    assert.equal(r.format, 'k6-handle-summary');
    assert.deepEqual(r.aggregates, { mean: 26.02, p50: 22.7, p90: 40.6, p95: 49.8, p99: undefined, rps: 197.33 });
  });
  test('k6: a wrong field is named', () => {
    const doc = JSON.parse(fixture('k6-summary-export.json'));
    doc.metrics.http_req_duration['p(95)'] = 'fast';
    refused(() => readPerfFile(JSON.stringify(doc), 'k6.json'), /k6\.json: metrics\.http_req_duration\.p\(95\): expected a number/, {
      file: 'k6.json',
      path: 'metrics.http_req_duration.p(95)',
    });
    delete doc.metrics.http_req_duration;
    refused(() => readPerfFile(JSON.stringify(doc), 'k6.json'), /metrics\.http_req_duration: missing/);
  });
  test('hyperfine: raw times in seconds become milliseconds; several commands need --command', () => {
    refused(() => readPerfFile(fixture('hyperfine.json'), 'hf.json'), /2 commands \("sleep 0\.1", "sleep 0\.2"\): choose one with --command NAME/, {
      path: 'results',
    });
    const r = readPerfFile(fixture('hyperfine.json'), 'hf.json', { command: 'sleep 0.2' });
    assert.equal(r.format, 'hyperfine');
    assert.equal(r.samplesMs?.length, 10);
    assert.ok(Math.abs(r.samplesMs![0] - 202.12) < 1e-9);
    assert.ok(Math.abs(r.aggregates.mean! - 203.01) < 1e-9);
    refused(() => readPerfFile(fixture('hyperfine.json'), 'hf.json', { command: 'sleep 3' }), /no single result for --command "sleep 3"/);
    const one = JSON.parse(fixture('hyperfine.json'));
    one.results = [one.results[0]];
    one.results[0].times[4] = -1;
    refused(() => readPerfFile(JSON.stringify(one), 'hf.json'), /results\[0\]\.times\[4\]: expected a finite number ≥ 0, got -1/, {
      path: 'results[0].times[4]',
    });
  });
  test('wrk without --latency: the mean and the rate; with --latency the distribution', () => {
    const plain = readPerfFile(fixture('wrk.txt'), 'wrk.txt');
    assert.equal(plain.format, 'wrk');
    assert.deepEqual(plain.aggregates, { mean: 0.63591, rps: 748868.53 });
    const lat = readPerfFile(fixture('wrk-latency.txt'), 'wrk-latency.txt');
    assert.deepEqual(lat.aggregates, { mean: 1.21, p50: 1.12, p90: 1.66, p99: 2.87, rps: 8293.11 });
  });
  test('wrk: an unreadable duration names the line', () => {
    const text = fixture('wrk-latency.txt').replace('2.87ms', '2.87parsecs');
    refused(() => readPerfFile(text, 'w.txt'), /w\.txt:10: Latency Distribution 99%: cannot read "2\.87parsecs"/, { line: 10 });
    assert.equal(wrkDurationMs('523.00us'), 0.523);
    assert.equal(wrkDurationMs('1.50s'), 1500);
    assert.equal(wrkDurationMs('2.00m'), 120000);
  });
  test('plain lists, {samples}, and load results (raw samples or the histogram)', () => {
    assert.deepEqual(readPerfFile('[1, 2.5, 3]', 'a.json').samplesMs, [1, 2.5, 3]);
    assert.deepEqual(readPerfFile('{"samples": [4, 5]}', 'b.json').samplesMs, [4, 5]);
    refused(() => readPerfFile('{"samples": [4, "x"]}', 'b.json'), /b\.json: samples\[1\]: expected a finite number/, { path: 'samples[1]' });
    const h = latencyHistogram();
    const raw = [1.5, 2.25, 3, 40];
    for (const v of raw) recordLatency(h, v);
    const withSamples = buildLoadResult({
      target: 'http://127.0.0.1:1',
      startedAtMs: 0,
      durationMs: 1000,
      requests: 4,
      errors: 0,
      histogram: h,
      samplesMs: raw,
    });
    const r = readPerfFile(JSON.stringify(withSamples), 'load.json');
    assert.equal(r.format, 'load-result');
    assert.deepEqual(r.samplesMs, raw);
    assert.equal(r.aggregates.rps, 4);
    const { samplesMs: _, ...histOnly } = withSamples;
    const fromHist = readPerfFile(JSON.stringify(histOnly), 'load.json').samplesMs!;
    assert.equal(fromHist.length, 4);
    fromHist.forEach((v, i) => assert.ok(Math.abs(v - raw[i]) / raw[i] < 0.001, `${v} ≈ ${raw[i]}`));
    refused(() => readPerfFile(JSON.stringify({ ...withSamples, requests: -1 }), 'load.json'), /load\.json: not a shipgate\.dev\/load-result\/v1 document/, {
      path: 'requests',
    });
  });
  test('unknown content is refused, naming the formats read', () => {
    refused(() => readPerfFile('hello', 'x.txt'), /x\.txt: not JSON, and not wrk output/);
    refused(() => readPerfFile('{"a": 1}', 'x.json'), /unknown JSON result/);
    refused(() => readPerfFile('{"a": ', 'x.json'), /x\.json: invalid JSON/);
  });
});
