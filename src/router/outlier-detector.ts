import { ConsecutiveBreaker } from 'cockatiel';

/** Settings of passive outlier ejection. */
export interface OutlierSettings {
  /** Consecutive failures (5xx, connect errors, timeouts) that eject an instance. */
  consecutiveFailures: number;
  /** First ejection length, ms; doubles with each ejection in a row. */
  baseEjectionMs: number;
  /** Longest ejection, ms. */
  maxEjectionMs: number;
}

/**
 * Passive outlier ejection of one instance, pure: the caller passes the time. Failures are counted
 * by cockatiel's ConsecutiveBreaker; when it breaks, the instance is ejected for a back-off that
 * doubles with each ejection until a success resets it. Whether ejecting is allowed (never the last
 * healthy instance) is the caller's decision, passed as `mayEject`.
 */
export class OutlierDetector {
  private readonly breaker: ConsecutiveBreaker;
  private ejections = 0;
  /** Ejected until this time, ms since epoch (0 = not ejected). */
  ejectedUntilMs = 0;

  constructor(private settings: OutlierSettings) {
    this.breaker = new ConsecutiveBreaker(settings.consecutiveFailures);
  }

  /** Takes new settings (a reloaded table) without losing the state. */
  configure(settings: OutlierSettings): void {
    if (settings.consecutiveFailures !== this.settings.consecutiveFailures) {
      (this.breaker as unknown as { threshold: number }).threshold = settings.consecutiveFailures;
    }
    this.settings = settings;
  }

  isEjected(nowMs: number): boolean {
    return nowMs < this.ejectedUntilMs;
  }

  success(): void {
    this.breaker.success();
    this.ejections = 0;
  }

  /** Records a failure; returns true when this failure ejected the instance. */
  failure(nowMs: number, mayEject: boolean): boolean {
    if (this.isEjected(nowMs)) return false;
    if (!this.breaker.failure()) return false;
    if (!mayEject) return false;
    const ms = Math.min(this.settings.maxEjectionMs, this.settings.baseEjectionMs * 2 ** this.ejections);
    this.ejections++;
    this.ejectedUntilMs = nowMs + ms;
    this.breaker.success();
    return true;
  }

  toJSON(): { ejectedUntilMs: number; ejections: number; consecutiveFailures: number } {
    return { ejectedUntilMs: this.ejectedUntilMs, ejections: this.ejections, consecutiveFailures: this.breaker.state };
  }
}
