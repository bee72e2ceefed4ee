import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdaptiveLimit } from './adaptive-limit';
import { ConcurrencyLimiter } from './concurrency-limiter';

describe('ConcurrencyLimiter', () => {
  test('runs up to max, queues up to the queue size, refuses the rest', () => {
    const l = new ConcurrencyLimiter(2, 1, 10_000);
    const ran: number[] = [];
    const results = [0, 1, 2, 3].map((i) =>
      l.acquire(
        () => ran.push(i),
        () => assert.fail('no timeout expected'),
      ),
    );
    assert.deepEqual(results, ['run', 'run', 'queued', 'full']);
    assert.deepEqual(ran, [0, 1]);
    assert.equal(l.queued, 1);
    l.release();
    assert.deepEqual(ran, [0, 1, 2], 'a release hands the slot to the queued caller');
    assert.equal(l.active, 2);
    l.release();
    l.release();
    assert.equal(l.active, 0);
  });
  test('a queued caller that waits too long times out and leaves the queue', async () => {
    const l = new ConcurrencyLimiter(1, 5, 20);
    l.acquire(
      () => {},
      () => {},
    );
    let timedOut = false;
    let ran = false;
    l.acquire(
      () => (ran = true),
      () => (timedOut = true),
    );
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(timedOut, true);
    assert.equal(l.queued, 0);
    l.release();
    assert.equal(ran, false);
    assert.equal(l.active, 0);
  });
  test('a sheddable request is shed at the limit while a critical one queues', () => {
    const l = new ConcurrencyLimiter(1, 5, 10_000);
    const ran: string[] = [];
    const noTimeout = () => assert.fail('no timeout expected');
    assert.equal(
      l.acquire(() => ran.push('a'), noTimeout, true),
      'run',
      'below the limit a sheddable request runs',
    );
    assert.equal(
      l.acquire(() => ran.push('s'), noTimeout, true),
      'shed',
    );
    assert.equal(
      l.acquire(() => ran.push('c'), noTimeout),
      'queued',
    );
    l.release();
    assert.deepEqual(ran, ['a', 'c']);
    l.release();
    assert.equal(l.active, 0);
  });
  test('an adaptive limit that grows on release starts several queued callers', () => {
    let limit = 1;
    const adaptive = {
      get limit() {
        return limit;
      },
      sample: () => void (limit = 3),
    };
    const l = new ConcurrencyLimiter(0, 5, 10_000, adaptive as unknown as AdaptiveLimit);
    const ran: number[] = [];
    for (const i of [0, 1, 2, 3])
      l.acquire(
        (n) => ran.push(i * 10 + n),
        () => assert.fail('no timeout expected'),
      );
    assert.deepEqual(ran, [1]);
    l.release({ rttMs: 10, inflight: 1, dropped: false });
    assert.deepEqual(ran, [1, 11, 22, 33], 'three run at once under the new limit, each told the number in flight');
    assert.equal(l.active, 3);
  });
  test('without a queue size, an adaptive limit queues ceil(sqrt(limit))', () => {
    const adaptive = { limit: 16, sample: () => {} };
    const l = new ConcurrencyLimiter(0, undefined, 10_000, adaptive as unknown as AdaptiveLimit);
    const results = Array.from({ length: 21 }, () =>
      l.acquire(
        () => {},
        () => assert.fail('no timeout expected'),
      ),
    );
    assert.equal(results.filter((r) => r === 'run').length, 16);
    assert.equal(results.filter((r) => r === 'queued').length, 4);
    assert.equal(results[20], 'full');
    for (let i = 0; i < 20; i++) l.release();
  });
});
