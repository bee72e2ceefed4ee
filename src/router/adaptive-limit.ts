/**
 * An adaptive concurrency limit from measured round-trip times, after Netflix concurrency-limits'
 * Gradient2: a long-term RTT baseline against the short-term RTT of the last window. While the
 * short RTT stays within `tolerance` × the baseline the limit grows by `headroom`; when queueing
 * at the upstream makes it rise further, the gradient (baseline × tolerance / short, clamped to
 * [0.5, 1]) shrinks the limit. The new limit is smoothed into the old one and kept in [min, max].
 *
 * Pure: no clock, no timers. Each admitted request's RTT and the time are passed in.
 *
 * Two changes from Gradient2. First, against the baseline drifting up under sustained overload
 * (its exponential average of RTTs that are all queue-inflated converges to them, the gradient
 * goes back to 1 and the limit grows without end): between probes the baseline only falls
 * (halfway to a lower window RTT: a faster upstream is believed at once), and every
 * `probeIntervalMs` the limit is set to half what was in flight for a window, as BBR probes its
 * minimum RTT, counting only requests admitted under the halved limit. While that window's RTT
 * still falls (more than 10% below the step before, the first step compared with the last window
 * before the probe), the upstream was queueing: halve again. Then the lowest RTT seen becomes the
 * baseline and the limit goes back (the gradient cuts it from there). The old baseline is not
 * consulted: it may be the wrong one. A slower upstream is learnt this way (its RTT stops
 * falling), and so is a drop in capacity during a probe, or a baseline first taken while the
 * upstream was queueing. Second, the headroom is added only while not queueing, so the limit
 * settles near tolerance × the upstream's capacity rather than above it.
 */
export interface AdaptiveLimitOptions {
  initial: number;
  min: number;
  max: number;
  /** Short RTT may be this many times the baseline before the limit shrinks (Gradient2: 1.5 to 2). */
  tolerance: number;
  /** Weight of the new limit against the old one, 0..1 (Gradient2: 0.2). */
  smoothing: number;
  /** Added to the limit per window while not queueing; undefined: sqrt(limit) (Gradient2's queueSize). */
  headroom?: number;
  /** A window closes after at least this many samples and this much time. */
  windowSamples: number;
  windowMs: number;
  /** Limit multiplier for a window with a drop (upstream timeout, 502/503/504). */
  backoff: number;
  /** Time between baseline probes. */
  probeIntervalMs: number;
}

export const ADAPTIVE_DEFAULTS = {
  tolerance: 1.5,
  smoothing: 0.2,
  windowSamples: 10,
  windowMs: 100,
  backoff: 0.9,
  probeIntervalMs: 5_000,
} as const;

/** A window's summary, for tests and stats. */
export interface LimitWindow {
  shortRttMs: number;
  baselineMs: number;
  gradient: number;
  limit: number;
}

export class AdaptiveLimit {
  /** The estimate, fractional; `limit` is its floor. */
  private estimate: number;
  private baselineMs = 0;
  private windowStartMs = Number.NaN;
  private sumMs = 0;
  private count = 0;
  private maxInflight = 0;
  private dropped = false;
  private lastProbeMs = Number.NaN;
  /** While probing: the limit to go back to. */
  private resume?: number;
  /** While probing: the RTT of the probe step before, ms. */
  private probeRttMs = Infinity;
  /** Most in flight during the last window. */
  private lastInflight = 0;
  last?: LimitWindow;

  constructor(readonly o: AdaptiveLimitOptions) {
    this.estimate = clamp(o.initial, o.min, o.max);
  }

  get limit(): number {
    return Math.floor(this.estimate);
  }

  get baseline(): number {
    return this.baselineMs;
  }

  get probing(): boolean {
    return this.resume !== undefined;
  }

  /**
   * One admitted request ended: `rttMs` from admission to the end of the upstream's response,
   * `inflight` the requests in flight when it was admitted, `dropped` a timeout or an overload
   * answer from the upstream. Returns true when a window closed (the limit may have changed).
   */
  sample(rttMs: number, inflight: number, dropped: boolean, nowMs: number): boolean {
    if (Number.isNaN(this.lastProbeMs)) this.lastProbeMs = nowMs;
    if (this.resume === undefined && this.baselineMs > 0 && nowMs - this.lastProbeMs >= this.o.probeIntervalMs) this.startProbe(nowMs);
    // Requests admitted before the probe cut the limit still queue at the upstream: not a baseline.
    if (this.resume !== undefined && inflight > this.limit) return false;
    if (Number.isNaN(this.windowStartMs)) this.windowStartMs = nowMs;
    if (dropped) this.dropped = true;
    else {
      this.sumMs += rttMs;
      this.count++;
    }
    if (inflight > this.maxInflight) this.maxInflight = inflight;
    if (this.count + (this.dropped ? 1 : 0) < this.o.windowSamples || nowMs - this.windowStartMs < this.o.windowMs) return false;
    if (this.resume !== undefined) this.probeStep(nowMs);
    else this.closeWindow();
    return true;
  }

  private startProbe(nowMs: number): void {
    // At the minimum there is nothing to halve, so nothing to compare; with demand far below the
    // limit (app-limited) nothing queues because of it.
    if (this.estimate <= this.o.min || this.lastInflight < this.estimate / 2) {
      this.lastProbeMs = nowMs;
      return;
    }
    this.resume = this.estimate;
    this.probeRttMs = this.last?.shortRttMs ?? Infinity;
    // Halve what is in flight: below a limit that demand does not fill, halving the limit changes nothing.
    this.estimate = Math.max(this.o.min, Math.min(this.estimate, this.lastInflight || this.estimate) / 2);
    this.resetWindow();
  }

  private probeStep(nowMs: number): void {
    const rtt = this.count > 0 ? this.sumMs / this.count : Infinity;
    const queueing = rtt < 0.9 * this.probeRttMs;
    this.probeRttMs = Math.min(this.probeRttMs, rtt);
    if (queueing && this.estimate > this.o.min) {
      this.estimate = Math.max(this.o.min, this.estimate / 2);
      this.resetWindow();
      return;
    }
    // Still queueing at the minimum limit: this probe cannot tell, keep the baseline.
    this.endProbe(nowMs, !queueing);
  }

  private endProbe(nowMs: number, adopt: boolean): void {
    const before = this.last?.shortRttMs;
    if (adopt && this.probeRttMs < Infinity) this.baselineMs = this.probeRttMs;
    // Back to the limit before the probe, cut at once by what the new baseline says it was
    // queueing (a limit reached with a wrong baseline would take many windows to come down).
    const g = before ? clamp((this.o.tolerance * this.baselineMs) / before, 0.5, 1) : 1;
    this.estimate = clamp(this.resume! * g, this.o.min, this.o.max);
    this.resume = undefined;
    this.lastProbeMs = nowMs;
    this.resetWindow();
  }

  private resetWindow(): void {
    this.sumMs = 0;
    this.count = 0;
    this.maxInflight = 0;
    this.dropped = false;
    this.windowStartMs = Number.NaN;
  }

  private closeWindow(): void {
    const o = this.o;
    const short = this.count ? this.sumMs / this.count : this.baselineMs;
    const count = this.count;
    const dropped = this.dropped;
    const maxInflight = this.maxInflight;
    this.lastInflight = maxInflight;
    this.resetWindow();
    if (count === 0 && !dropped) return;
    if (this.baselineMs === 0) this.baselineMs = short;
    else if (short < this.baselineMs) this.baselineMs += (short - this.baselineMs) / 2;
    const gradient = short > 0 ? clamp((o.tolerance * this.baselineMs) / short, 0.5, 1) : 1;
    let next: number;
    if (dropped) next = this.estimate * o.backoff;
    else if (maxInflight < this.estimate / 2) {
      // Demand did not fill the limit: nothing learned about a higher one (Gradient2's app-limited rule).
      next = this.estimate;
    } else {
      // Headroom only while not queueing: Gradient2 adds it always, which on top of the tolerance
      // settles the limit at tolerance × capacity + headroom (about 1.8× capacity at 20).
      const headroom = gradient < 1 ? 0 : (o.headroom ?? Math.sqrt(this.estimate));
      next = this.estimate * gradient + headroom;
      next = this.estimate * (1 - o.smoothing) + next * o.smoothing;
    }
    this.estimate = clamp(next, o.min, o.max);
    this.last = { shortRttMs: short, baselineMs: this.baselineMs, gradient, limit: this.limit };
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
