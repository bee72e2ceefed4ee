import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCount, rollingStates } from './rolling-states';

const fmt = (s: { newReplicas: number; oldReplicas: number }[]) => s.map((x) => `${x.newReplicas}/${x.oldReplicas}`).join(' ');

test('rolling states by maxSurge and maxUnavailable', () => {
  const cases: [number, number, number, string][] = [
    [3, 1, 0, '1/3 1/2 2/2 2/1 3/1 3/0'],
    [3, 0, 1, '0/2 1/2 1/1 2/1 2/0 3/0'],
    [4, 2, 0, '2/4 2/2 4/2 4/0'],
    [4, 1, 1, '1/4 1/2 3/2 3/0 4/0'],
    [2, 2, 2, '2/2 2/0'],
    [1, 1, 0, '1/1 1/0'],
    [3, 0, 0, '1/3 1/2 2/2 2/1 3/1 3/0'],
    [3, 3, 0, '3/3 3/0'],
  ];
  for (const [r, surge, unav, want] of cases) assert.equal(fmt(rollingStates(r, surge, unav)), want, `replicas=${r} surge=${surge} unavailable=${unav}`);
});

test('rolling states respect the bounds at every state', () => {
  for (let r = 1; r <= 8; r++) {
    for (let surge = 0; surge <= 3; surge++) {
      for (let unav = 0; unav <= 3; unav++) {
        const states = rollingStates(r, surge, unav);
        const last = states.at(-1)!;
        assert.deepEqual(last, { newReplicas: r, oldReplicas: 0 });
        const effSurge = surge === 0 && unav === 0 ? 1 : surge;
        for (const s of states) {
          assert.ok(s.newReplicas + s.oldReplicas <= r + effSurge, `total within surge r=${r} ${surge}/${unav}`);
          assert.ok(s.newReplicas + s.oldReplicas >= r - Math.min(r, unav), `available r=${r} ${surge}/${unav}`);
        }
      }
    }
  }
});

test('counts and percentages resolve like Kubernetes', () => {
  const cases: [number | string, number, 'up' | 'down', number][] = [
    [2, 10, 'up', 2],
    ['25%', 10, 'up', 3],
    ['25%', 10, 'down', 2],
    ['100%', 3, 'down', 3],
    ['0%', 3, 'up', 0],
  ];
  for (const [v, r, round, want] of cases) assert.equal(resolveCount(v, r, round), want, `${v} of ${r} ${round}`);
});
