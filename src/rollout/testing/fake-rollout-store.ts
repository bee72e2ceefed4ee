import { ConflictError } from '../../core/errors';
import type { DeployMarker, Deployment } from '../../core/hooks';
import type { Tx } from '../../store/db';
import { atomically } from '../../store/testing/fake-transaction';
import type { Revision } from '../revision';
import type { RolloutStorePort, RunRecordPort } from '../rollout-store';
import type { RunJournalPort } from '../run-journal';
import { isTerminal, type RunState } from '../run-state';

/**
 * RolloutStore in memory, for unit tests of the rollout service. It keeps the two guarantees the
 * database gives: one revision number per service and environment, and at most one active run
 * per service and environment (both fail like a unique index), and saveRun's compare-and-set.
 */
export class FakeRolloutStore implements RolloutStorePort, RunRecordPort {
  readonly revisionsById = new Map<string, Revision>();
  readonly runsById = new Map<string, RunState>();
  readonly markerList: (DeployMarker & { runId: string })[] = [];

  /** Runs `fn` all or nothing over this store's state. */
  transaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return atomically(
      () => ({ revisions: new Map(this.revisionsById), runs: new Map(this.runsById), markers: this.markerList.length }),
      (s) => {
        this.revisionsById.clear();
        for (const [k, v] of s.revisions) this.revisionsById.set(k, v);
        this.runsById.clear();
        for (const [k, v] of s.runs) this.runsById.set(k, v);
        this.markerList.length = s.markers;
      },
      fn,
    );
  }

  async nextRevisionNumber(service: string, environment: string): Promise<number> {
    return Math.max(0, ...this.of(this.revisionsById, service, environment).map((r) => r.number)) + 1;
  }

  async insertRevision(_trx: Tx, r: Revision): Promise<void> {
    if (this.of(this.revisionsById, r.service, r.environment).some((x) => x.number === r.number)) {
      throw new Error('UNIQUE constraint failed: rollout_revisions.service, rollout_revisions.environment, rollout_revisions.number');
    }
    this.revisionsById.set(r.id, r);
  }

  async revision(id: string): Promise<Revision | undefined> {
    return this.revisionsById.get(id);
  }

  async revisions(service: string, environment: string): Promise<Revision[]> {
    return this.of(this.revisionsById, service, environment).sort((a, b) => b.number - a.number);
  }

  async runs(service: string, environment: string, limit = 50): Promise<RunState[]> {
    return this.of(this.runsById, service, environment)
      .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, limit);
  }

  async activeRun(service: string, environment: string): Promise<RunState | undefined> {
    return this.of(this.runsById, service, environment).find((r) => !isTerminal(r));
  }

  async stableRevision(service: string, environment: string): Promise<Revision | undefined> {
    const done = this.of(this.runsById, service, environment)
      .filter((r) => r.phase === 'completed')
      .sort((a, b) => (b.finishedAtMs ?? 0) - (a.finishedAtMs ?? 0))[0];
    return done ? this.revisionsById.get(done.toRevision) : undefined;
  }

  async deployed(environment?: string): Promise<Deployment[]> {
    const keys = new Set(
      [...this.runsById.values()].filter((r) => environment === undefined || r.environment === environment).map((r) => `${r.service}\u0000${r.environment}`),
    );
    const out: Deployment[] = [];
    for (const key of [...keys].sort()) {
      const [service, environment] = key.split('\u0000');
      const done = this.of(this.runsById, service, environment)
        .filter((r) => r.phase === 'completed')
        .sort((a, b) => (b.finishedAtMs ?? 0) - (a.finishedAtMs ?? 0))[0];
      const v = done && this.revisionsById.get(done.toRevision);
      if (v)
        out.push({
          service,
          environment,
          version: v.version,
          artifact: v.artifact,
          revision: v.id,
          runId: done.id,
          sinceMs: done.finishedAtMs ?? 0,
          configKeys: Object.keys(v.config).sort(),
        });
    }
    return out;
  }

  async insertRun(_trx: Tx, run: RunState): Promise<void> {
    // The unique index, not activeRun: a test may stub activeRun to stage a race.
    if (!isTerminal(run) && this.of(this.runsById, run.service, run.environment).some((r) => !isTerminal(r))) {
      throw new Error('UNIQUE constraint failed: rollout_runs.service, rollout_runs.environment');
    }
    this.runsById.set(run.id, run);
  }

  async saveRun(_trx: Tx, prev: RunState, next: RunState): Promise<RunState> {
    const current = this.runsById.get(prev.id);
    if (!current || current.version !== prev.version) throw new ConflictError(`rollout run ${prev.id} changed meanwhile; try again`);
    const stored = { ...next, version: prev.version + 1 };
    this.runsById.set(prev.id, stored);
    return stored;
  }

  async addMarker(_trx: Tx, _id: string, m: DeployMarker & { runId: string }): Promise<void> {
    this.markerList.push(m);
  }

  private of<T extends { service: string; environment: string }>(map: Map<string, T>, service: string, environment: string): T[] {
    return [...map.values()].filter((x) => x.service === service && x.environment === environment);
  }
}

/** One stored transition, as the fake journal saw it (the real one writes an audit event and a marker). */
export interface JournalEntry {
  runId: string;
  event: string;
  actor: string;
  details: Record<string, unknown>;
}

/** RunJournal over a FakeRolloutStore: the same transaction boundaries, the events kept in a list. */
export class FakeRunJournal implements RunJournalPort {
  readonly entries: JournalEntry[] = [];

  constructor(private readonly store: FakeRolloutStore) {}

  async start(run: RunState, actor: string, extra?: (trx: Tx) => Promise<void>): Promise<RunState> {
    await this.store.transaction(async (trx) => {
      await extra?.(trx);
      await this.store.insertRun(trx, run);
    });
    this.entries.push({ runId: run.id, event: 'started', actor, details: {} });
    return run;
  }

  async commit(
    prev: RunState,
    next: RunState,
    event: string,
    actor: string,
    details: Record<string, unknown> = {},
    extra?: (trx: Tx) => Promise<void>,
  ): Promise<RunState> {
    const stored = await this.store.transaction(async (trx) => {
      const s = await this.store.saveRun(trx, prev, next);
      await extra?.(trx);
      return s;
    });
    this.entries.push({ runId: stored.id, event, actor, details });
    return stored;
  }
}
