import type { AdaptiveLimit } from './adaptive-limit';

/** What `acquire` did: ran the caller now, queued it, or refused it (queue full, or shed). */
export type Admission = 'run' | 'queued' | 'full' | 'shed';

/** How an admitted request ended, for an adaptive limit; undefined when it says nothing (the client left). */
export interface LimitSample {
  /** Admission to the end of the upstream's response. */
  rttMs: number;
  /** Requests in flight when it was admitted (itself included). */
  inflight: number;
  /** Upstream timeout or an overload answer (502/503/504). */
  dropped: boolean;
}

/**
 * A concurrency limit with a bounded queue. `acquire` runs `go` now, queues it, or refuses; a
 * queued caller that waits longer than `queueTimeoutMs` gets `onTimeout` instead.
 *
 * The limit is `max`, or an adaptive limit learnt from each admitted request's RTT (`release`
 * with a sample). A sheddable request never waits: when the limit is reached it is shed, so the
 * queue and every slot freed go to critical requests first.
 */
export class ConcurrencyLimiter {
  active = 0;
  private readonly queue: { go: (inflight: number) => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    public max: number,
    /** Undefined: ceil(sqrt(limit)), a queue that follows an adaptive limit. */
    public queueMax: number | undefined,
    public queueTimeoutMs: number,
    readonly adaptive?: AdaptiveLimit,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Most requests that may wait now. */
  get queueLimit(): number {
    return this.queueMax ?? Math.ceil(Math.sqrt(this.limit));
  }

  /** The limit in force now. */
  get limit(): number {
    return this.adaptive ? this.adaptive.limit : this.max;
  }

  /** `go` gets the number in flight once it runs (itself included). */
  acquire(go: (inflight: number) => void, onTimeout: () => void, sheddable = false): Admission {
    if (this.active < this.limit) {
      this.active++;
      go(this.active);
      return 'run';
    }
    if (sheddable) return 'shed';
    if (this.queue.length >= this.queueLimit) return 'full';
    const entry = {
      go,
      timer: setTimeout(() => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        onTimeout();
      }, this.queueTimeoutMs),
    };
    this.queue.push(entry);
    return 'queued';
  }

  /** Frees a slot; `sample` (for an adaptive limit) is how the request ended. */
  release(sample?: LimitSample): void {
    this.active = Math.max(0, this.active - 1);
    if (sample && this.adaptive) this.adaptive.sample(sample.rttMs, sample.inflight, sample.dropped, performance.now());
    // An adaptive limit may have grown (start several) or shrunk (start none until below it).
    while (this.active < this.limit && this.queue.length) {
      const next = this.queue.shift()!;
      clearTimeout(next.timer);
      this.active++;
      next.go(this.active);
    }
  }
}

/** Whether a finished request's answer tells an adaptive limit of overload: the router's or the upstream's 502/503/504. */
export function droppedStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

/** The header a client lowers its request's priority with (`sheddable`); it can never raise it. */
export const PRIORITY_HEADER = 'x-shipgate-priority';

/** A request is sheddable when its route is, or when its client marked it so. */
export function isSheddable(routePriority: 'critical' | 'sheddable', header: string | string[] | undefined): boolean {
  return routePriority === 'sheddable' || (typeof header === 'string' && header.trim().toLowerCase() === 'sheddable');
}
