/** Something with a deadline (performance.now() milliseconds), linked into at most one Deadlines list. */
export interface Expiring {
  deadline: number;
  expire(nowMs: number): void;
  /** List links, owned by Deadlines. */
  dlPrev?: Expiring;
  dlNext?: Expiring;
  dlLinked?: boolean;
}

/**
 * Coarse deadlines for many short-lived exchanges: one interval sweeps them, instead of a timer
 * armed and cleared per request. Items sit in an intrusive list (adding and removing allocate
 * nothing). A deadline fires up to `tickMs` late.
 */
export class Deadlines {
  private head?: Expiring;
  private count = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly tickMs = 10) {}

  add(x: Expiring): void {
    if (x.dlLinked) return;
    x.dlLinked = true;
    x.dlPrev = undefined;
    x.dlNext = this.head;
    if (this.head) this.head.dlPrev = x;
    this.head = x;
    this.count++;
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(performance.now()), this.tickMs);
      this.timer.unref();
    }
  }

  delete(x: Expiring): void {
    if (!x.dlLinked) return;
    x.dlLinked = false;
    if (x.dlPrev) x.dlPrev.dlNext = x.dlNext;
    else this.head = x.dlNext;
    if (x.dlNext) x.dlNext.dlPrev = x.dlPrev;
    x.dlPrev = x.dlNext = undefined;
    this.count--;
  }

  get size(): number {
    return this.count;
  }

  sweep(nowMs: number): void {
    let x = this.head;
    while (x) {
      const next = x.dlNext;
      if (x.deadline <= nowMs) {
        this.delete(x);
        x.expire(nowMs);
      }
      x = next;
    }
    if (this.count === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.head) this.delete(this.head);
  }
}
