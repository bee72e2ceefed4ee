import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { arrivalOffsets, expectedArrivals, parseRatePerSecond, parseStages, rateAt, runStages } from './loadtest-schedule';

const perSecond = (offsets: number[], seconds: number) => {
  const out = Array.from({ length: seconds }, () => 0);
  for (const o of offsets) out[Math.floor(o / 1000)]!++;
  return out;
};

describe('loadtest schedule', () => {
  test('rates: N/s, N, N/m; refused beyond 50,000/s or malformed', () => {
    const cases: [string, number | undefined][] = [
      ['500/s', 500],
      ['2.5/s', 2.5],
      ['100', 100],
      ['120/m', 2],
      ['50000/s', 50_000],
      ['50001/s', undefined],
      ['-1/s', undefined],
      ['fast', undefined],
      ['10/h', undefined],
    ];
    for (const [text, want] of cases) assert.equal(parseRatePerSecond(text), want, text);
  });
  test('a constant rate: exactly rate × duration arrivals, evenly spaced from 0', () => {
    const offsets = [...arrivalOffsets(200, runStages(200, [], 3000))];
    assert.equal(offsets.length, 600);
    assert.equal(offsets[0], 0);
    for (let i = 1; i < offsets.length; i++) assert.ok(Math.abs(offsets[i]! - offsets[i - 1]! - 5) < 1e-6, `gap at ${i}`);
    assert.ok(offsets[offsets.length - 1]! < 3000);
  });
  test('a linear ramp: arrivals per second follow the integral of the rate (k6 ramping-arrival-rate)', () => {
    // 0 → 100/s over 2 s, then 100 → 300/s over 2 s, then hold 300/s for 1 s.
    const stages = runStages(0, parseStages('2s:100/s,2s:300/s'), 5000);
    assert.deepEqual(
      stages.map((s) => [s.durationMs, s.targetRps]),
      [
        [2000, 100],
        [2000, 300],
        [1000, 300],
      ],
    );
    const offsets = [...arrivalOffsets(0, stages)];
    assert.equal(offsets.length, Math.round(expectedArrivals(0, stages)));
    assert.equal(expectedArrivals(0, stages), 100 + 400 + 300);
    for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i]! >= offsets[i - 1]!, 'non-decreasing');
    const seconds = perSecond(offsets, 5);
    // Integral per second: 25, 75, 150, 250, 300.
    const want = [25, 75, 150, 250, 300];
    seconds.forEach((n, i) => assert.ok(Math.abs(n - want[i]!) <= 1, `second ${i}: ${n} arrivals, expected ${want[i]}`));
    // Instantaneous spacing matches the rate: near t=3 s (rate 200/s) the gap is about 5 ms.
    const k = offsets.findIndex((o) => o >= 3000);
    assert.ok(Math.abs(offsets[k + 1]! - offsets[k]! - 1000 / rateAt(0, stages, 3000)) < 0.05);
  });
  test('a falling ramp and a ramp starting from a non-zero rate', () => {
    const stages = parseStages('1s:0/s');
    const offsets = [...arrivalOffsets(400, stages)];
    assert.equal(offsets.length, 200);
    const halves = [offsets.filter((o) => o < 500).length, offsets.filter((o) => o >= 500).length];
    assert.deepEqual(halves, [150, 50]);
  });
  test('stages: bad ones name their position', () => {
    assert.throws(() => parseStages('10s:100/s,30x:5/s'), /stage 2 "30x:5\/s"/);
    assert.throws(() => parseStages('10s'), /stage 1/);
    assert.throws(() => parseStages('0s:10/s'), /stage 1/);
    assert.throws(() => parseStages('1s:60000/s'), /at most 50000/);
  });
});
