import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runOpenLoop } from './open-loop';

describe('open-loop scheduler', () => {
  test('requests leave on schedule whatever the latency: a 200 ms answer does not hold back the next send', async () => {
    const sentAt: number[] = [];
    const scheduled: number[] = [];
    const offsets = Array.from({ length: 50 }, (_, i) => i * 10);
    const r = await runOpenLoop({
      arrivals: offsets,
      send: async (i, scheduledAtMs) => {
        sentAt[i] = performance.now();
        scheduled[i] = scheduledAtMs;
        await sleep(200);
      },
    });
    assert.equal(r.sent, 50);
    assert.equal(r.dropped, 0);
    // Closed-loop with one connection would take 50 × 200 ms; open-loop sends over 490 ms.
    assert.ok(r.sendWindowMs >= 490 && r.sendWindowMs < 800, `send window ${r.sendWindowMs}`);
    assert.ok(r.peakInFlight >= 15, `peak in flight ${r.peakInFlight}`);
    assert.ok(r.elapsedMs >= r.sendWindowMs + 150, `the run waits for the last answer: ${r.elapsedMs} ms, last send at ${r.sendWindowMs} ms`);
    for (let i = 0; i < 50; i++) {
      assert.equal(scheduled[i], r.originMs + offsets[i]!, 'scheduledAtMs is origin + offset');
      assert.ok(sentAt[i]! >= scheduled[i]!, 'never early');
    }
    assert.ok(r.sendLagMs.p50 >= 0 && r.sendLagMs.max >= r.sendLagMs.p99 && r.sendLagMs.p99 >= r.sendLagMs.p50);
    assert.ok(r.achievedRps! > 70 && r.achievedRps! < 130, `achieved ${r.achievedRps}/s of 100/s`);
    assert.ok(Math.abs(r.scheduledRps! - 100) < 1e-6);
  });
  test('beyond maxInFlight a due request is dropped (client saturated), not delayed', async () => {
    const dropped: number[] = [];
    const r = await runOpenLoop({
      arrivals: Array.from({ length: 20 }, () => 0),
      maxInFlight: 5,
      onDrop: (i) => dropped.push(i),
      send: () => sleep(100),
    });
    assert.deepEqual([r.sent, r.dropped, r.peakInFlight], [5, 15, 5]);
    assert.deepEqual(
      dropped,
      Array.from({ length: 15 }, (_, i) => i + 5),
    );
  });
  test('a generator of arrivals; a send that throws or rejects does not stop the schedule; abort stops it', async () => {
    const seen: number[] = [];
    const ac = new AbortController();
    function* arrivals() {
      for (let i = 0; ; i++) yield i * 2;
    }
    const r = await runOpenLoop({
      arrivals: arrivals(),
      signal: ac.signal,
      send: async (i) => {
        seen.push(i);
        if (i === 3) ac.abort();
        if (i === 1) throw new Error('boom');
        if (i === 2) return Promise.reject(new Error('late boom'));
      },
    });
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.equal(r.sent, 4);
  });
  test('an empty schedule returns at once with zero counts', async () => {
    const r = await runOpenLoop({ arrivals: [], send: async () => {} });
    assert.deepEqual([r.sent, r.dropped, r.achievedRps, r.sendLagMs.max], [0, 0, null, 0]);
  });
});
