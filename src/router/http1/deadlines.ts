/** Something with a deadline (performance.now() milliseconds). */
export interface Expiring {
  deadline: number;
  expire(nowMs: number): void;
}

/**
 * Coarse deadlines for many short-lived exchanges: one interval sweeps them, instead of a timer
 * armed and cleared per request. A deadline fires up to `tickMs` late.
 */
export class Deadlines {
  private readonly items = new Set<Expiring>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly tickMs = 10) {}

  add(x: Expiring): void {
    this.items.add(x);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(performance.now()), this.tickMs);
      this.timer.unref();
    }
  }

  delete(x: Expiring): void {
    this.items.delete(x);
  }

  get size(): number {
    return this.items.size;
  }

  sweep(nowMs: number): void {
    for (const x of this.items) {
      if (x.deadline > nowMs) continue;
      this.items.delete(x);
      x.expire(nowMs);
    }
    if (this.items.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.items.clear();
  }
}
