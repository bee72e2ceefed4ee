/**
 * Delay before restarting a crashed instance, ms: `baseMs` doubled per earlier restart, capped at
 * `maxMs`. Pure.
 */
export function restartBackoffMs(restartsSoFar: number, baseMs: number, maxMs: number): number {
  const n = Math.max(0, Math.floor(restartsSoFar));
  return Math.min(maxMs, baseMs * 2 ** Math.min(n, 30));
}
