import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisOutcome, judgeWindow, type Measurement } from './threshold-judge';
import { record } from '../metrics/latency-histogram';
import type { VersionWindow } from '../metrics/types';

function win(requests: number, errors: number, latencyMs: number): VersionWindow {
  const latency = {};
  record(latency, latencyMs, requests);
  return { requests, errors, counts: { '2xx': requests - errors, '5xx': errors }, latency };
}
const metrics = [
  { name: 'error-rate' as const, max: 0.02 },
  { name: 'p99-latency-ms' as const, max: 400 },
];

test('judges a window against thresholds', () => {
  const cases: [string, VersionWindow, string, RegExp | null][] = [
    ['healthy', win(100, 1, 20), 'pass', null],
    ['too many errors', win(100, 5, 20), 'fail', /error-rate 0.05 > max 0.02/],
    ['too slow', win(100, 0, 500), 'fail', /p99-latency-ms .* > max 400/],
    ['too little traffic', win(10, 5, 20), 'inconclusive', /need more data: 10 of 20/],
  ];
  for (const [name, w, verdict, reason] of cases) {
    const m = judgeWindow(w, 10_000, metrics, 20, 0);
    assert.equal(m.verdict, verdict, name);
    if (reason) assert.match(m.reasons.join('; '), reason, name);
  }
});

test('min thresholds and request rate', () => {
  const m = judgeWindow(win(50, 0, 10), 10_000, [{ name: 'request-rate', min: 10 }], 1, 0);
  assert.equal(m.values['request-rate'], 5);
  assert.equal(m.verdict, 'fail');
});

test('analysis outcome from measurements', () => {
  const v = (s: string): Measurement[] => [...s].map((c) => ({ atMs: 0, verdict: c === 'p' ? 'pass' : c === 'f' ? 'fail' : 'inconclusive', requests: 0, errors: 0, values: {}, reasons: [] }));
  const spec = { count: 3, failureLimit: 1, inconclusiveLimit: 2 };
  const cases: [string, string][] = [
    ['', 'running'],
    ['pp', 'running'],
    ['ppp', 'passed'],
    ['pfp', 'running'],
    ['pfpp', 'passed'],
    ['ff', 'failed'],
    ['iii', 'inconclusive'],
    ['iip', 'running'],
  ];
  for (const [seq, want] of cases) assert.equal(analysisOutcome(v(seq), spec), want, seq);
});

test('maxOverStable compares with the stable version over the same window', () => {
  const rel = [{ name: 'p50-latency-ms' as const, maxOverStable: 100 }];
  const cases: [string, VersionWindow, VersionWindow | undefined, string][] = [
    ['both slow alike: pass', win(50, 0, 300), win(200, 0, 280), 'pass'],
    ['150 ms slower than stable: fail', win(50, 0, 170), win(200, 0, 15), 'fail'],
    ['stable without data: the comparison is skipped', win(50, 0, 170), win(5, 0, 15), 'pass'],
    ['no stable (first release): skipped', win(50, 0, 170), undefined, 'pass'],
  ];
  for (const [name, w, stable, verdict] of cases) assert.equal(judgeWindow(w, 10_000, rel, 20, 0, stable).verdict, verdict, name);
  assert.match(judgeWindow(win(50, 0, 170), 10_000, rel, 20, 0, win(200, 0, 15)).reasons[0], /over stable's/);
});
