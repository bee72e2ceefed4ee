import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockFloors, detectLeak, type MemorySample } from './leak';
import { gcSeries as series } from './testing/gc-series';

const MB = 1024 * 1024;

test('block floors: the minimum of each block, in time order', () => {
  assert.deepEqual(
    blockFloors(
      [
        { tMs: 61_000, bytes: 5 },
        { tMs: 1000, bytes: 9 },
        { tMs: 2000, bytes: 3 },
        { tMs: 119_000, bytes: 4 },
      ],
      60_000,
    ),
    [
      { tMs: 0, bytes: 3 },
      { tMs: 60_000, bytes: 4 },
    ],
  );
});

test('a 1 MB/min leak under GC saw teeth is found within 30 minutes, with its rate and the time to the limit', () => {
  const v = detectLeak(series(7, 30, 1), { limitBytes: 512 * MB });
  assert.equal(v.leak, true, v.reason);
  assert.ok(Math.abs(v.slopeBytesPerMinute / MB - 1) < 0.25, v.reason);
  assert.ok(v.timeToLimitMs! > 200 * 60_000 && v.timeToLimitMs! < 450 * 60_000, String(v.timeToLimitMs));
  assert.match(v.reason, /the memory floor rises 1\.\d\d MB\/min|the memory floor rises 0\.\d\d MB\/min/);
});

test('flat memory, too few blocks, or no faster than the previous revision: no finding', () => {
  const flat = detectLeak(series(8, 60, 0));
  assert.equal(flat.leak, false, flat.reason);
  const early = detectLeak(series(9, 5, 5));
  assert.equal(early.leak, false);
  assert.match(early.reason, /of 10 blocks so far/);
  const same = detectLeak(series(10, 30, 1), { previousSlopeBytesPerMinute: 1.5 * MB });
  assert.equal(same.leak, false);
  assert.match(same.reason, /no faster than the previous revision's 1\.50 MB\/min/);
});
