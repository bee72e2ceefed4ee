/**
 * Sticky buckets, pure. A stickiness key hashes into one of 10,000 buckets; versions own
 * contiguous bucket ranges in a stable order (the order the table lists them, stable first), so
 * raising a later version's weight only moves keys from earlier versions to it, never back.
 */

import { murmurHash3 } from '../core/murmur-hash3';

export const BUCKET_COUNT = 10_000;

/** The bucket (0..9,999) of a stickiness key. */
export function bucketOf(key: string): number {
  return murmurHash3(key) % BUCKET_COUNT;
}

/** A version's share of the buckets: [start, end). */
export interface BucketRange {
  version: string;
  start: number;
  end: number;
}

/**
 * Splits the 10,000 buckets between versions in proportion to their weights, in the given order,
 * as contiguous ranges. Rounding uses cumulative boundaries, so each boundary depends only on the
 * weights before it: raising the last version's weight moves only the boundary before it.
 * Versions with weight 0 get an empty range. Throws when every weight is 0.
 */
export function assignRanges(versions: readonly { version: string; weight: number }[]): BucketRange[] {
  const sum = versions.reduce((s, v) => s + Math.max(0, v.weight), 0);
  if (!(sum > 0)) throw new RangeError('at least one weight must be > 0');
  const out: BucketRange[] = [];
  let cumulative = 0;
  let start = 0;
  for (let i = 0; i < versions.length; i++) {
    cumulative += Math.max(0, versions[i].weight);
    const end = i === versions.length - 1 ? BUCKET_COUNT : Math.round((cumulative / sum) * BUCKET_COUNT);
    out.push({ version: versions[i].version, start, end: Math.max(start, end) });
    start = Math.max(start, end);
  }
  return out;
}

/**
 * A lookup table from bucket to the index of the version owning it, for O(1) choice on the hot path.
 */
export function bucketTable(ranges: readonly BucketRange[]): Uint8Array {
  const t = new Uint8Array(BUCKET_COUNT);
  ranges.forEach((r, i) => t.fill(i, r.start, r.end));
  return t;
}

/** The version owning `bucket`, by scanning the ranges. */
export function versionForBucket(ranges: readonly BucketRange[], bucket: number): string {
  for (const r of ranges) if (bucket >= r.start && bucket < r.end) return r.version;
  throw new RangeError(`bucket ${bucket} outside 0..${BUCKET_COUNT - 1}`);
}

/** Whether the sample `roll` (0 ≤ roll < 1) falls within `percent` (0..100). */
export function hitsPercent(roll: number, percent: number): boolean {
  return percent > 0 && roll * 100 < percent;
}
