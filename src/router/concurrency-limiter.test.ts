import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
    assert.deepEqual(results, [true, true, true, false]);
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
});
