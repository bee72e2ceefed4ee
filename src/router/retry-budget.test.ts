import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBudget } from './retry-budget';

describe('RetryBudget', () => {
  const cases: { name: string; ratio: number; minPerSecond: number; requests: number; attempts: number; want: number }[] = [
    { name: '20% of 1,000 requests', ratio: 0.2, minPerSecond: 0, requests: 1000, attempts: 500, want: 200 },
    { name: 'minimum when idle', ratio: 0.2, minPerSecond: 1, requests: 0, attempts: 50, want: 10 },
    { name: 'ratio plus minimum', ratio: 0.1, minPerSecond: 1, requests: 100, attempts: 50, want: 20 },
    { name: 'zero budget', ratio: 0, minPerSecond: 0, requests: 1000, attempts: 10, want: 0 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const b = new RetryBudget(c.ratio, c.minPerSecond, 10_000);
      for (let i = 0; i < c.requests; i++) b.recordRequest(5_000);
      let granted = 0;
      for (let i = 0; i < c.attempts; i++) if (b.tryRetry(5_000)) granted++;
      assert.equal(granted, c.want);
    });
  }
  test('the window slides: old requests stop counting', () => {
    const b = new RetryBudget(0.5, 0, 2_000);
    for (let i = 0; i < 10; i++) b.recordRequest(0);
    assert.equal(b.tryRetry(1_500), true);
    // 3 s later the requests at t=0 have left the 2 s window.
    assert.equal(b.tryRetry(3_000), false);
  });
  test('spent retries recover as the window slides', () => {
    const b = new RetryBudget(0.2, 0, 1_000);
    for (let i = 0; i < 10; i++) b.recordRequest(0);
    assert.equal(b.tryRetry(0), true);
    assert.equal(b.tryRetry(0), true);
    assert.equal(b.tryRetry(0), false);
    for (let i = 0; i < 10; i++) b.recordRequest(1_000);
    assert.equal(b.tryRetry(1_000), true);
  });
});
