/**
 * Token bucket rate limit, pure: the caller passes the time. Refills `ratePerSecond` tokens per
 * second up to `burst`; each request takes one token.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    /** Refill rate, tokens per second. */
    readonly ratePerSecond: number,
    /** Capacity, tokens (the largest burst allowed after idling). */
    readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) / 1000) * this.ratePerSecond);
      this.lastMs = nowMs;
    }
  }

  /** Takes one token if there is one; returns whether it did. */
  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until the next token is available (0 when one is). */
  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  /** Tokens currently available (fractional). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }
}
