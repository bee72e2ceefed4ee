import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_COUNT, assignRanges, bucketOf, bucketTable, hitsPercent, versionForBucket } from './buckets';
import { murmurHash3 as murmur3 } from '../core/murmur-hash3';

describe('murmur3', () => {
  const cases: [string, number, number][] = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['hello', 0, 0x248bfa47],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0, 0xb3dd93fa],
  ];
  for (const [key, seed, want] of cases) {
    test(`${JSON.stringify(key)} seed ${seed}`, () => assert.equal(murmur3(key, seed), want));
  }
  test('non-ASCII keys hash their UTF-8 bytes', () => {
    assert.equal(murmur3('é'), murmur3('\u00e9'));
    assert.notEqual(murmur3('é'), murmur3('e'));
  });
});

describe('bucketOf', () => {
  test('is stable and in range', () => {
    for (const k of ['u1', 'user-42', '', 'x'.repeat(300)]) {
      const b = bucketOf(k);
      assert.equal(b, bucketOf(k));
      assert.ok(b >= 0 && b < BUCKET_COUNT);
    }
  });
  test('spreads 100,000 keys evenly over ten deciles (±3%)', () => {
    const deciles = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) deciles[Math.floor(bucketOf(`user-${i}`) / 1000)]++;
    for (const d of deciles) assert.ok(Math.abs(d - 10_000) < 300, `decile count ${d}`);
  });
});

describe('assignRanges', () => {
  const cases: { weights: [string, number][]; want: [string, number, number][] }[] = [
    {
      weights: [
        ['stable', 90],
        ['canary', 10],
      ],
      want: [
        ['stable', 0, 9000],
        ['canary', 9000, 10000],
      ],
    },
    {
      weights: [
        ['stable', 100],
        ['canary', 0],
      ],
      want: [
        ['stable', 0, 10000],
        ['canary', 10000, 10000],
      ],
    },
    {
      weights: [
        ['stable', 0],
        ['canary', 1],
      ],
      want: [
        ['stable', 0, 0],
        ['canary', 0, 10000],
      ],
    },
    {
      weights: [
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ],
      want: [
        ['a', 0, 3333],
        ['b', 3333, 6667],
        ['c', 6667, 10000],
      ],
    },
    {
      weights: [
        ['stable', 3],
        ['canary', 1],
      ],
      want: [
        ['stable', 0, 7500],
        ['canary', 7500, 10000],
      ],
    },
    { weights: [['only', 5]], want: [['only', 0, 10000]] },
  ];
  for (const c of cases) {
    test(c.weights.map(([v, w]) => `${v}=${w}`).join(' '), () => {
      assert.deepEqual(
        assignRanges(c.weights.map(([version, weight]) => ({ version, weight }))),
        c.want.map(([version, start, end]) => ({ version, start, end })),
      );
    });
  }
  test('every weight 0 is refused', () => {
    assert.throws(() => assignRanges([{ version: 'a', weight: 0 }]), RangeError);
  });
  test('raising the canary weight only moves buckets stable → canary', () => {
    let prev = bucketTable(
      assignRanges([
        { version: 'stable', weight: 100 },
        { version: 'canary', weight: 0 },
      ]),
    );
    for (const w of [1, 5, 10, 25, 50, 75, 99, 100]) {
      const next = bucketTable(
        assignRanges([
          { version: 'stable', weight: 100 - w },
          { version: 'canary', weight: w },
        ]),
      );
      for (let b = 0; b < BUCKET_COUNT; b++) assert.ok(next[b] >= prev[b], `bucket ${b} moved back at canary ${w}%`);
      prev = next;
    }
  });
  test('three versions only move forward in table order', () => {
    const a = bucketTable(
      assignRanges([
        { version: 's', weight: 80 },
        { version: 'c1', weight: 10 },
        { version: 'c2', weight: 10 },
      ]),
    );
    const b = bucketTable(
      assignRanges([
        { version: 's', weight: 80 },
        { version: 'c1', weight: 10 },
        { version: 'c2', weight: 30 },
      ]),
    );
    for (let i = 0; i < BUCKET_COUNT; i++) assert.ok(b[i] >= a[i]);
  });
});

describe('versionForBucket and bucketTable agree', () => {
  const ranges = assignRanges([
    { version: 'stable', weight: 70 },
    { version: 'canary', weight: 30 },
  ]);
  const table = bucketTable(ranges);
  for (const b of [0, 1, 6999, 7000, 9999]) {
    test(`bucket ${b}`, () => assert.equal(versionForBucket(ranges, b), ranges[table[b]].version));
  }
  test('out of range throws', () => assert.throws(() => versionForBucket(ranges, 10_000), RangeError));
});

describe('hitsPercent', () => {
  const cases: [number, number, boolean][] = [
    [0, 0, false],
    [0, 1, true],
    [0.099, 10, true],
    [0.1, 10, false],
    [0.999, 100, true],
  ];
  for (const [roll, pct, want] of cases) test(`${roll} within ${pct}%`, () => assert.equal(hitsPercent(roll, pct), want));
});
