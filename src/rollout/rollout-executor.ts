import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock';
import type { RolloutEngine } from './rollout-engine';
import type { RolloutStore } from './rollout-store';
import { isTerminal } from './run-state';

export interface ExecutorOptions {
  /** How often active runs are looked at, ms. */
  tickMs?: number;
  /** How long a lease on a run lasts without renewal, ms; a crashed server's runs are taken over after it. */
  leaseMs?: number;
}

/**
 * Drives active runs: one lease per run (so one server replica acts on it), then reconcile
 * until the run waits for time or a person. Runs proceed concurrently; a run is never driven twice
 * at once in this process.
 */
export class RolloutExecutor {
  readonly owner = `exec-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly tickMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly store: RolloutStore,
    private readonly engine: RolloutEngine,
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: ExecutorOptions = {},
  ) {
    this.tickMs = opts.tickMs ?? 200;
    this.leaseMs = opts.leaseMs ?? 10_000;
  }

  start(): void {
    this.timer = setInterval(() => this.poke(), this.tickMs);
    this.timer.unref();
    this.poke();
  }

  /** Looks at active runs now (after a command, instead of waiting for the next tick). */
  poke(): void {
    if (this.stopped) return;
    void this.store
      .activeRunIds()
      .then((ids) => {
        for (const id of ids) {
          if (this.inFlight.has(id) || this.stopped) continue;
          const p = this.drive(id)
            .catch((e) => this.log.error({ err: e, run: id }, 'rollout executor failed'))
            .finally(() => this.inFlight.delete(id));
          this.inFlight.set(id, p);
        }
      })
      .catch((e) => {
        if (!this.stopped) this.log.error({ err: e }, 'listing active rollout runs failed');
      });
  }

  private async drive(id: string): Promise<void> {
    if (!(await this.store.acquireLease(id, this.owner, this.clock.now(), this.leaseMs))) return;
    const renew = setInterval(
      () => void this.store.renewLease(id, this.owner, this.clock.now(), this.leaseMs).catch(() => undefined),
      Math.max(50, this.leaseMs / 3),
    );
    renew.unref();
    try {
      for (let i = 0; i < 100 && !this.stopped; i++) {
        const run = await this.store.run(id);
        if (!run || isTerminal(run)) {
          await this.store.releaseLease(id, this.owner);
          return;
        }
        if ((await this.engine.reconcile(run)) === 'idle') return;
      }
    } finally {
      clearInterval(renew);
    }
  }

  /** Stops driving; waits (bounded) for runs in flight, then gives their leases back for a quick takeover. */
  async stop(waitMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.race([Promise.all(this.inFlight.values()), new Promise((r) => setTimeout(r, waitMs).unref())]);
    await this.store.releaseLeases(this.owner).catch(() => undefined);
  }
}
