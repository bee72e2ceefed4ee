/**
 * A concurrency limit with a bounded queue. `acquire` runs `go` now, queues it, or refuses; a
 * queued caller that waits longer than `queueTimeoutMs` gets `onTimeout` instead.
 */
export class ConcurrencyLimiter {
  active = 0;
  private readonly queue: { go: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    public max: number,
    public queueMax: number,
    public queueTimeoutMs: number,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Returns false when both the limit and the queue are full (the caller sheds the request). */
  acquire(go: () => void, onTimeout: () => void): boolean {
    if (this.active < this.max) {
      this.active++;
      go();
      return true;
    }
    if (this.queue.length >= this.queueMax) return false;
    const entry = {
      go,
      timer: setTimeout(() => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        onTimeout();
      }, this.queueTimeoutMs),
    };
    this.queue.push(entry);
    return true;
  }

  release(): void {
    const next = this.queue.shift();
    if (next) {
      clearTimeout(next.timer);
      next.go();
    } else {
      this.active = Math.max(0, this.active - 1);
    }
  }
}
