/** Something with a deadline (performance.now() milliseconds), linked into at most one Deadlines list. */
export interface Expiring {
  deadline: number;
  expire(nowMs: number): void;
  /** List links, owned by Deadlines. */
  dlPrev?: Expiring;
  dlNext?: Expiring;
}

/**
 * Coarse deadlines for many short-lived exchanges: one interval sweeps them, instead of a timer
 * armed and cleared per request. Items sit in an intrusive list (adding and removing allocate
 * nothing). A deadline fires up to `tickMs` late.
 */
export class Deadlines {
  private head?: Expiring;
  private timer?: NodeJS.Timeout;

  constructor(private readonly tickMs = 10) {}

  private linked(x: Expiring): boolean {
    return x === this.head || x.dlPrev !== undefined;
  }

  add(x: Expiring): void {
    if (this.linked(x)) return;
    x.dlPrev = undefined;
    x.dlNext = this.head;
    if (this.head) this.head.dlPrev = x;
    this.head = x;
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(performance.now()), this.tickMs);
      this.timer.unref();
    }
  }

  delete(x: Expiring): void {
    if (!this.linked(x)) return;
    if (x.dlPrev) x.dlPrev.dlNext = x.dlNext;
    else this.head = x.dlNext;
    if (x.dlNext) x.dlNext.dlPrev = x.dlPrev;
    x.dlPrev = x.dlNext = undefined;
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
    if (!this.head && this.timer) {
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
