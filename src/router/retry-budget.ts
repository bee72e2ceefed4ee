/**
 * Retry budget, pure: retries may add at most `ratio` of the requests seen over the last
 * `windowMs`, plus `minPerSecond` so a quiet route still gets a few. Counts live in one-second
 * slots of a ring, so the window slides without per-request allocation.
 */
export class RetryBudget {
  private readonly requests: Float64Array;
  private readonly retries: Float64Array;
  private readonly slotSeconds: Float64Array;

  constructor(
    /** Share of requests that may be retries, 0..1 (0.2 = 20%). */
    readonly ratio: number,
    /** Retries always allowed per second of the window. */
    readonly minPerSecond: number,
    /** Length of the sliding window, ms (rounded to whole seconds). */
    readonly windowMs = 10_000,
  ) {
    const n = Math.max(1, Math.round(windowMs / 1000));
    this.requests = new Float64Array(n);
    this.retries = new Float64Array(n);
    this.slotSeconds = new Float64Array(n).fill(-1);
  }

  private slot(nowMs: number): number {
    const sec = Math.floor(nowMs / 1000);
    const i = sec % this.requests.length;
    if (this.slotSeconds[i] !== sec) {
      this.slotSeconds[i] = sec;
      this.requests[i] = 0;
      this.retries[i] = 0;
    }
    return i;
  }

  private sums(nowMs: number): { requests: number; retries: number } {
    const sec = Math.floor(nowMs / 1000);
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < this.requests.length; i++) {
      if (this.slotSeconds[i] > sec - this.requests.length) {
        requests += this.requests[i];
        retries += this.retries[i];
      }
    }
    return { requests, retries };
  }

  /** Counts one original (non-retry) request. */
  recordRequest(nowMs: number): void {
    this.requests[this.slot(nowMs)]++;
  }

  /** Asks to retry once; when allowed, the retry is counted against the budget. */
  tryRetry(nowMs: number): boolean {
    const { requests, retries } = this.sums(nowMs);
    const allowed = requests * this.ratio + this.minPerSecond * this.requests.length;
    if (retries + 1 > allowed) return false;
    this.retries[this.slot(nowMs)]++;
    return true;
  }
}
