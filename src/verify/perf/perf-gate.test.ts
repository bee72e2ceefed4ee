import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../core/errors';
import { seededVariates } from '../../core/stats/variates';
import { comparePerf, MIN_AGGREGATE_SAMPLES, MIN_RAW_SAMPLES, neededPerSide } from './perf-gate';
import type { PerfFile } from './perf-readers';
import { changePoints, readHistory } from './perf-history';

/** Lognormal latencies (median 20 ms), seeded. */
function latencies(seed: number, n: number, scale = 1, sigma = 0.4): number[] {
  const v = seededVariates(seed);
  return Array.from({ length: n }, () => 20 * scale * Math.exp(sigma * v.normal()));
}
const raw = (name: string, samplesMs: number[]): PerfFile => ({ file: name, format: 'samples', samplesMs, aggregates: {} });
const agg = (name: string, a: PerfFile['aggregates']): PerfFile => ({ file: name, format: 'wrk', aggregates: a });
const opts = { maxRegression: 0.1, confidence: 0.95 };

describe('the perf decision', () => {
  test('raw samples, p99: no change passes, 30% slower fails, with the bootstrap interval stated', () => {
    const base = raw('b', latencies(1, 20000));
    const same = comparePerf([base], [raw('c', latencies(2, 20000))], { ...opts, metric: 'p99' });
    assert.equal(same.verdict, 'pass', same.message);
    assert.equal(same.method, 'bootstrap');
    assert.equal(same.mode, 'samples');
    assert.ok(same.regression!.lower < 0 && same.regression!.upper > 0 && same.regression!.upper < 0.1, JSON.stringify(same.regression));
    const slow = comparePerf([base], [raw('c', latencies(2, 20000, 1.3))], { ...opts, metric: 'p99' });
    assert.equal(slow.verdict, 'fail', slow.message);
    assert.ok(slow.regression!.lower > 0.1 && slow.regression!.estimate > 0.25 && slow.regression!.estimate < 0.35);
    assert.match(slow.message, /p99 regression 3\d\.\d% \[\d+\.\d%, \d+\.\d%\] at 95\.0% confidence: above the 10\.0% allowed/);
  });
  test('raw samples, mean: the Hodges-Lehmann shift relative to the baseline median', () => {
    const r = comparePerf(
      [raw('b', latencies(3, 400))],
      [
        raw(
          'c',
          latencies(4, 400).map((x) => x + 10),
        ),
      ],
      { ...opts, metric: 'mean' },
    );
    assert.equal(r.method, 'hodges-lehmann');
    // +10 ms on a 20 ms median: +50%.
    assert.ok(Math.abs(r.regression!.estimate - 0.5) < 0.08, String(r.regression!.estimate));
    assert.equal(r.verdict, 'fail');
  });
  test('an interval straddling the allowance asks for a rerun, with the samples needed', () => {
    const r = comparePerf([raw('b', latencies(5, 300))], [raw('c', latencies(6, 300, 1.1))], { ...opts, metric: 'p95' });
    assert.equal(r.verdict, 'rerun', r.message);
    assert.ok(r.regression!.lower < 0.1 && r.regression!.upper > 0.1);
    assert.match(r.message, /^cannot decide: rerun with more samples \(\d+ needed\)/);
    assert.ok(r.needed! > 300);
  });
  test(`fewer than ${MIN_RAW_SAMPLES} raw samples or ${MIN_AGGREGATE_SAMPLES} runs per side: rerun, naming the minimum`, () => {
    const few = comparePerf([raw('b', latencies(7, MIN_RAW_SAMPLES - 1))], [raw('c', latencies(8, 500))], { ...opts, metric: 'p99' });
    assert.equal(few.verdict, 'rerun');
    assert.equal(few.regression, null);
    assert.match(few.message, new RegExp(`\\(${MIN_RAW_SAMPLES} needed\\).*${MIN_RAW_SAMPLES - 1} baseline`));
    const runs = (n: number, p99: number) => Array.from({ length: n }, (_, i) => agg(`r${i}`, { p99: p99 + i * 0.1 }));
    const fewRuns = comparePerf(runs(4, 10), runs(6, 20), { ...opts, metric: 'p99' });
    assert.equal(fewRuns.mode, 'aggregates');
    assert.equal(fewRuns.verdict, 'rerun');
    assert.match(fewRuns.message, /\(5 needed\)/);
  });
  test('aggregates: each file is one value; rps is higher-is-better', () => {
    const runs = (rps: number[]) => rps.map((v, i) => agg(`w${i}.txt`, { rps: v, mean: 1 }));
    const base = runs([1000, 1010, 990, 1005, 995, 1002]);
    const worse = comparePerf(base, runs([700, 710, 690, 705, 695, 702]), { ...opts, metric: 'rps' });
    assert.equal(worse.direction, 'higher-is-better');
    assert.equal(worse.verdict, 'fail');
    assert.ok(Math.abs(worse.regression!.estimate - 0.3) < 0.02, String(worse.regression!.estimate));
    const better = comparePerf(base, runs([1300, 1310, 1290, 1305, 1295, 1302]), { ...opts, metric: 'rps' });
    assert.equal(better.verdict, 'pass');
    assert.ok(better.regression!.upper < 0);
  });
  test('a metric the tool did not report is refused naming the file and the flag to add', () => {
    assert.throws(
      () => comparePerf([agg('w.txt', { mean: 1, rps: 5 })], [agg('x.txt', { mean: 1 })], { ...opts, metric: 'p99' }),
      (e: unknown) =>
        e instanceof InputError && /w\.txt: the wrk result has no p99 \(wrk reports percentiles 50\/75\/90\/99 only with --latency\)/.test(e.message),
    );
  });
  test('neededPerSide grows with the interval against the distance to the allowance', () => {
    assert.equal(neededPerSide(100, { estimate: 0.1, lower: 0, upper: 0.2 }, 0.1), 400);
    assert.equal(neededPerSide(100, { estimate: 0.05, lower: 0, upper: 0.2 }, 0.1), 480);
    assert.equal(neededPerSide(100, { estimate: 0.0, lower: -0.01, upper: 0.11 }, 0.1), 101);
  });
});

describe('history: change points', () => {
  const values = (xs: number[]) => xs.map((value, i) => ({ id: `run-${i}`, value }));
  test('one step up is found at its run, with the before and after medians and a Bonferroni p-value', () => {
    const v = seededVariates(3);
    const series = [...Array.from({ length: 12 }, () => 20 + v.normal()), ...Array.from({ length: 10 }, () => 26 + v.normal())];
    const [p, ...rest] = changePoints(values(series), 0.05);
    assert.equal(rest.length, 0);
    assert.equal(p.index, 12);
    assert.equal(p.runId, 'run-12');
    assert.ok(p.beforeMedian > 18 && p.beforeMedian < 22 && p.afterMedian > 24 && p.afterMedian < 28);
    assert.ok(p.pValue < 0.05 && p.pValue > 0);
  });
  test('two steps are both found; a flat series has none', () => {
    const v = seededVariates(4);
    const series = [
      ...Array.from({ length: 10 }, () => 20 + v.normal()),
      ...Array.from({ length: 10 }, () => 30 + v.normal()),
      ...Array.from({ length: 10 }, () => 22 + v.normal()),
    ];
    assert.deepEqual(
      changePoints(values(series), 0.05).map((p) => p.index),
      [10, 20],
    );
    const flat = Array.from({ length: 30 }, () => 20 + v.normal());
    assert.deepEqual(changePoints(values(flat), 0.05), []);
  });
  test('one {runs} document with samples or values; a bad run is named', () => {
    const doc = JSON.stringify({
      runs: [
        { id: 'a', value: 3 },
        { id: 'b', samples: [1, 2, 3, 4, 100] },
      ],
    });
    assert.deepEqual(readHistory([{ name: 'h.json', text: doc }], 'p50'), [
      { id: 'a', value: 3 },
      { id: 'b', value: 3 },
    ]);
    assert.throws(
      () => readHistory([{ name: 'h.json', text: JSON.stringify({ runs: [{ id: 'a' }] }) }], 'p50'),
      (e: unknown) => e instanceof InputError && /h\.json: runs\[0\]: expected a finite "value"/.test(e.message),
    );
  });
});
