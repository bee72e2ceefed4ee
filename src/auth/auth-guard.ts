/**
 * Bounds the work a stranger can cause with bad tokens: every well-formed unknown token would
 * otherwise cost one scrypt. Two parts, both in memory and bounded in size:
 *
 * - a negative cache: the SHA-256 of a token that failed is remembered for `negativeTtlMs`, so
 *   repeating it costs a map lookup;
 * - a token bucket per client address: each verification that may fail takes one unit, a success
 *   gives it back. An empty bucket answers 429 before any scrypt runs.
 */
export interface AuthGuardOptions {
  /** Failed verifications an address may cause per minute (bucket size and refill per minute). */
  failuresPerMinute?: number;
  /** How long a failed token hash is remembered. */
  negativeTtlMs?: number;
  /** At most this many failed token hashes and this many addresses are remembered. */
  maxEntries?: number;
}

interface Bucket {
  units: number;
  atMs: number;
}

export class AuthGuard {
  readonly perMinute: number;
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly failed = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(o: AuthGuardOptions = {}) {
    this.perMinute = o.failuresPerMinute ?? 20;
    this.ttlMs = o.negativeTtlMs ?? 60_000;
    this.max = o.maxEntries ?? 10_000;
  }

  /** True when `key` (a token hash) failed within the TTL. */
  knownBad(key: string, nowMs: number): boolean {
    const until = this.failed.get(key);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.failed.delete(key);
    return false;
  }

  rememberBad(key: string, nowMs: number): void {
    this.failed.delete(key);
    if (this.failed.size >= this.max) this.failed.delete(this.failed.keys().next().value!);
    this.failed.set(key, nowMs + this.ttlMs);
  }

  /** Forgets failed hashes (a token or user changed). */
  clear(): void {
    this.failed.clear();
  }

  /**
   * Takes one unit for `address`; returns 0 when taken, else the seconds until one is available.
   */
  take(address: string, nowMs: number): number {
    const b = this.refill(address, nowMs);
    if (b.units >= 1) {
      b.units -= 1;
      return 0;
    }
    const perMs = this.perMinute / 60_000;
    return Math.max(1, Math.ceil((1 - b.units) / perMs / 1000));
  }

  /** Gives back the unit a successful verification took. */
  give(address: string, nowMs: number): void {
    const b = this.refill(address, nowMs);
    b.units = Math.min(this.perMinute, b.units + 1);
  }

  private refill(address: string, nowMs: number): Bucket {
    let b = this.buckets.get(address);
    if (!b) {
      if (this.buckets.size >= this.max) this.evictBuckets(nowMs);
      b = { units: this.perMinute, atMs: nowMs };
      this.buckets.set(address, b);
      return b;
    }
    const elapsed = Math.max(0, nowMs - b.atMs);
    b.units = Math.min(this.perMinute, b.units + (elapsed * this.perMinute) / 60_000);
    b.atMs = nowMs;
    return b;
  }

  /** Drops full buckets (they hold nothing a fresh one would not), else the oldest. */
  private evictBuckets(nowMs: number): void {
    for (const [k, b] of this.buckets) {
      if (b.units + ((nowMs - b.atMs) * this.perMinute) / 60_000 >= this.perMinute) this.buckets.delete(k);
    }
    if (this.buckets.size >= this.max) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
