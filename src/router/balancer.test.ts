import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeastOutstandingBalancer, RoundRobinBalancer, createBalancer } from './balancer';

interface I {
  name: string;
  outstanding: number;
  up: boolean;
}
const mk = (spec: [string, number, boolean][]): I[] => spec.map(([name, outstanding, up]) => ({ name, outstanding, up }));
const up = (i: I) => i.up;

describe('RoundRobinBalancer', () => {
  const cases: { name: string; instances: [string, number, boolean][]; picks: number; want: string[] }[] = [
    {
      name: 'rotates',
      instances: [
        ['a', 0, true],
        ['b', 0, true],
        ['c', 0, true],
      ],
      picks: 4,
      want: ['a', 'b', 'c', 'a'],
    },
    {
      name: 'skips unavailable',
      instances: [
        ['a', 0, true],
        ['b', 0, false],
        ['c', 0, true],
      ],
      picks: 4,
      want: ['a', 'c', 'a', 'c'],
    },
    {
      name: 'panic mode when none available',
      instances: [
        ['a', 0, false],
        ['b', 0, false],
      ],
      picks: 3,
      want: ['a', 'b', 'a'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const b = new RoundRobinBalancer<I>();
      const list = mk(c.instances);
      assert.deepEqual(
        Array.from({ length: c.picks }, () => b.pick(list, up)?.name),
        c.want,
      );
    });
  }
  test('excludes the instance that just failed', () => {
    const b = new RoundRobinBalancer<I>();
    const list = mk([
      ['a', 0, true],
      ['b', 0, true],
    ]);
    assert.equal(b.pick(list, up, list[0])?.name, 'b');
    assert.equal(b.pick(list, up, list[1])?.name, 'a');
    assert.equal(b.pick([list[0]], up, list[0]), undefined);
  });
});

describe('LeastOutstandingBalancer', () => {
  const cases: { name: string; instances: [string, number, boolean][]; want: string }[] = [
    {
      name: 'fewest in flight',
      instances: [
        ['a', 5, true],
        ['b', 1, true],
        ['c', 3, true],
      ],
      want: 'b',
    },
    {
      name: 'ignores unavailable even if idle',
      instances: [
        ['a', 5, true],
        ['b', 0, false],
      ],
      want: 'a',
    },
    {
      name: 'panic mode',
      instances: [
        ['a', 5, false],
        ['b', 2, false],
      ],
      want: 'b',
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(new LeastOutstandingBalancer<I>().pick(mk(c.instances), up)?.name, c.want));
  }
  test('ties share the load', () => {
    const b = createBalancer<I>('least-outstanding');
    const list = mk([
      ['a', 0, true],
      ['b', 0, true],
    ]);
    assert.deepEqual([b.pick(list, up)?.name, b.pick(list, up)?.name], ['a', 'b']);
  });
});
