/**
 * Memory samples of a garbage-collected process, for leak-detection tests and the bench: sampled
 * every 5 s, memory climbing 0.3–1.3 MB/s between collections every 10–40 s, 2 MB noise, the floor
 * rising `leakMbPerMin`. Seeded.
 */
import { seededVariates } from '../../core/stats/variates';
import type { MemorySample } from '../leak';

const MB = 1024 * 1024;

export function gcSeries(seed: number, minutes: number, leakMbPerMin: number): MemorySample[] {
  const v = seededVariates(seed);
  const out: MemorySample[] = [];
  let nextGc = 10_000 + v.uniform() * 30_000;
  let sinceGc = 0;
  const alloc = (0.3 + v.uniform()) * MB; // per second
  for (let t = 0; t <= minutes * 60_000; t += 5000) {
    sinceGc += 5000;
    if (t >= nextGc) {
      sinceGc = 0;
      nextGc = t + 10_000 + v.uniform() * 30_000;
    }
    out.push({ tMs: t, bytes: 120 * MB + leakMbPerMin * MB * (t / 60_000) + (alloc * sinceGc) / 1000 + v.normal() * 2 * MB });
  }
  return out;
}
