/**
 * Delay before the next delivery attempt, ms: the restart back-off (base doubled per failed
 * attempt, capped) with "equal jitter" — half fixed, half random — so receivers that come back
 * are not hit by every sender at the same instant. Pure: `random` is passed in.
 */
import { restartBackoffMs } from '../targets/restart-backoff';

/** `failedAttempts` ≥ 1; `random` in [0, 1). */
export function retryDelayMs(failedAttempts: number, baseMs: number, maxMs: number, random: number): number {
  const ceiling = restartBackoffMs(failedAttempts - 1, baseMs, maxMs);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
