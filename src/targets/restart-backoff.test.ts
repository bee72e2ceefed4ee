import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartBackoffMs } from './restart-backoff';

test('restart back-off doubles per restart and is capped', () => {
  const cases: [number, number, number, number][] = [
    [0, 200, 10_000, 200],
    [1, 200, 10_000, 400],
    [3, 200, 10_000, 1600],
    [10, 200, 10_000, 10_000],
    [1000, 200, 10_000, 10_000],
    [-1, 100, 1000, 100],
  ];
  for (const [n, base, max, want] of cases) assert.equal(restartBackoffMs(n, base, max), want, `restarts=${n}`);
});
