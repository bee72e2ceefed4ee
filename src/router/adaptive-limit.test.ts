import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADAPTIVE_DEFAULTS, AdaptiveLimit, type AdaptiveLimitOptions } from './adaptive-limit';

const options = (o: Partial<AdaptiveLimitOptions> = {}): AdaptiveLimitOptions => ({ initial: 10, min: 2, max: 200, ...ADAPTIVE_DEFAULTS, ...o });

/**
 * A simulated upstream that serves `capacity` requests at once in `serviceMs` each and queues the
 * rest (FIFO), with demand that always fills the limit. Time is simulated: no clock, no timers.
 * Returns the limit seen at the end of each simulated second.
 */
function overload(limit: AdaptiveLimit, seconds: number, upstream: (t: number) => { capacity: number; serviceMs: number }, start = 0): number[] {
  const busy: { doneAt: number; admittedAt: number; inflight: number }[] = [];
  const waiting: { admittedAt: number; inflight: number }[] = [];
  let t = start;
  let active = 0;
  const perSecond: number[] = [];
  const end = start + seconds * 1000;
  let nextSecond = start + 1000;
  const admit = () => {
    while (active < limit.limit) {
      active++;
      waiting.push({ admittedAt: t, inflight: active });
    }
  };
  const serve = () => {
    const { capacity, serviceMs } = upstream(t);
    while (busy.length < capacity && waiting.length) busy.push({ ...waiting.shift()!, doneAt: t + serviceMs });
    busy.sort((a, b) => a.doneAt - b.doneAt);
  };
  admit();
  serve();
  while (t < end) {
    const next = busy.shift()!;
    t = next.doneAt;
    while (t >= nextSecond) {
      perSecond.push(limit.limit);
      nextSecond += 1000;
    }
    active--;
    limit.sample(t - next.admittedAt, next.inflight, false, t);
    admit();
    serve();
  }
  return perSecond;
}

const settled = (xs: number[]) => xs.slice(-3);

describe('AdaptiveLimit', () => {
  test('grows while the RTT stays at the baseline and demand fills the limit', () => {
    const l = new AdaptiveLimit(options({ initial: 5 }));
    // Capacity far above the limit: the RTT never rises.
    const limits = overload(l, 5, () => ({ capacity: 1_000, serviceMs: 20 }));
    assert.ok(limits[4] > 40, `limit after 5 s: ${limits[4]}`);
    assert.ok(limits[1] > limits[0] && limits[4] > limits[1], `growing: ${limits.join(',')}`);
  });

  test('does not grow when demand leaves most of the limit unused', () => {
    const l = new AdaptiveLimit(options({ initial: 50 }));
    for (let i = 0; i < 1_000; i++) l.sample(20, 3, false, i * 10);
    assert.equal(l.limit, 50);
  });

  test('settles near the capacity of a saturated upstream, its RTT within the tolerance', () => {
    const l = new AdaptiveLimit(options({ initial: 5 }));
    const limits = overload(l, 20, () => ({ capacity: 20, serviceMs: 20 }));
    for (const x of settled(limits)) assert.ok(x >= 20 && x <= 40, `settled limits: ${limits.join(',')}`);
    assert.ok(l.baseline >= 19 && l.baseline <= 25, `baseline ${l.baseline}`);
  });

  test('shrinks when the upstream slows down, and recovers when it is fast again', () => {
    const l = new AdaptiveLimit(options({ initial: 5 }));
    const fast = overload(l, 10, () => ({ capacity: 40, serviceMs: 20 }));
    const before = fast[fast.length - 1];
    assert.ok(before >= 40, `limit at capacity 40: ${fast.join(',')}`);
    // Half the capacity: queueing at the upstream doubles the RTT, the gradient cuts the limit.
    const slow = overload(l, 10, () => ({ capacity: 10, serviceMs: 20 }), 10_000);
    const during = slow[slow.length - 1];
    assert.ok(during < before / 2 && during >= 10, `limit at capacity 10: ${slow.join(',')}`);
    const back = overload(l, 10, () => ({ capacity: 40, serviceMs: 20 }), 20_000);
    assert.ok(back[back.length - 1] >= 40, `limit back at capacity 40: ${back.join(',')}`);
  });

  test('learns a slower baseline through its probes instead of sitting at the minimum', () => {
    const l = new AdaptiveLimit(options({ initial: 5 }));
    overload(l, 10, () => ({ capacity: 20, serviceMs: 20 }));
    // Every request now takes three times as long at any concurrency: not queueing, a slower upstream.
    const slow = overload(l, 20, () => ({ capacity: 20, serviceMs: 60 }), 10_000);
    assert.ok(l.baseline >= 55, `baseline ${l.baseline}`);
    for (const x of settled(slow)) assert.ok(x >= 20 && x <= 40, `limits: ${slow.join(',')}`);
  });

  test('stays within [min, max]', () => {
    const high = new AdaptiveLimit(options({ initial: 5, max: 30 }));
    const up = overload(high, 5, () => ({ capacity: 1_000, serviceMs: 20 }));
    assert.ok(
      up.every((x) => x <= 30),
      up.join(','),
    );
    assert.equal(up[up.length - 1], 30);
    const low = new AdaptiveLimit(options({ initial: 20, min: 8 }));
    // A baseline first, then an upstream that serves one request at a time.
    overload(low, 2, () => ({ capacity: 40, serviceMs: 20 }));
    const down = overload(low, 30, () => ({ capacity: 1, serviceMs: 20 }), 2_000);
    assert.ok(
      down.every((x) => x >= 8),
      down.join(','),
    );
    assert.equal(down[down.length - 1], 8);
  });

  test('a window with a drop backs the limit off', () => {
    const l = new AdaptiveLimit(options({ initial: 100 }));
    for (let i = 0; i < 9; i++) l.sample(20, 100, false, i * 20);
    assert.equal(l.sample(5_000, 100, true, 200), true);
    assert.equal(l.limit, 90);
  });
});
