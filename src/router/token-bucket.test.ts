import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  const cases: { name: string; rate: number; burst: number; takesAtMs: number[]; want: boolean[] }[] = [
    { name: 'burst then refused', rate: 1, burst: 3, takesAtMs: [0, 0, 0, 0], want: [true, true, true, false] },
    { name: 'refills at the rate', rate: 10, burst: 1, takesAtMs: [0, 50, 100, 150, 200], want: [true, false, true, false, true] },
    { name: 'never above burst after idling', rate: 100, burst: 2, takesAtMs: [10_000, 10_000, 10_000], want: [true, true, false] },
    { name: 'time going backwards adds nothing', rate: 1, burst: 1, takesAtMs: [1000, 500, 900], want: [true, false, false] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const b = new TokenBucket(c.rate, c.burst, c.takesAtMs[0]);
      assert.deepEqual(
        c.takesAtMs.map((t) => b.tryTake(t)),
        c.want,
      );
    });
  }
  test('waitMs says when the next token comes', () => {
    const b = new TokenBucket(4, 1, 0);
    assert.equal(b.waitMs(0), 0);
    assert.equal(b.tryTake(0), true);
    assert.equal(b.waitMs(0), 250);
    assert.equal(b.waitMs(200), 50);
    assert.equal(b.waitMs(250), 0);
  });
  test('admits rate × seconds + burst over a long run', () => {
    const b = new TokenBucket(50, 10, 0);
    let ok = 0;
    for (let t = 0; t <= 10_000; t += 1) if (b.tryTake(t)) ok++;
    assert.ok(Math.abs(ok - 510) <= 1, `admitted ${ok}`);
  });
});
