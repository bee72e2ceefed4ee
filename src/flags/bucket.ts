/**
 * Unleash-compatible normalisation of a stickiness value into a bucket. Pure, no I/O.
 */
import { murmurHash3 } from '../core/murmur-hash3';

/** Seed Unleash uses for percentage rollouts. */
export const ROLLOUT_SEED = 0;
/** Seed Unleash uses for variant weights. */
export const VARIANT_SEED = 86028157;

/** Bucket 1..100 of `groupId:stickinessValue` for a percentage rollout. */
export function rolloutBucket(groupId: string, stickinessValue: string): number {
  return (murmurHash3(`${groupId}:${stickinessValue}`, ROLLOUT_SEED) % 100) + 1;
}

/** Bucket 1..totalWeight of `groupId:stickinessValue` for a variant split. */
export function variantBucket(groupId: string, stickinessValue: string, totalWeight: number): number {
  return (murmurHash3(`${groupId}:${stickinessValue}`, VARIANT_SEED) % totalWeight) + 1;
}
