import type { Tx } from '../../store/db';
import { atomically } from '../../store/testing/fake-transaction';
import type { FlagRolloutRun } from '../flag-rollout-plan';
import type { FlagRolloutStorePort } from '../flag-rollout-store';

/** FlagRolloutStore in memory, for unit tests of guarded rollouts: compare-and-set on `updatedMs`, transactions all or nothing. */
export class FakeFlagRolloutStore implements FlagRolloutStorePort {
  private runs = new Map<string, FlagRolloutRun>();

  transaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return atomically(
      () => new Map(this.runs),
      (s) => (this.runs = s),
      fn,
    );
  }

  async insert(_trx: Tx, run: FlagRolloutRun): Promise<void> {
    if (this.runs.has(run.id)) throw new Error(`duplicate key (flag_rollouts.id ${run.id})`);
    this.runs.set(run.id, structuredClone(run));
  }

  async update(_trx: Tx, run: FlagRolloutRun, expectedUpdatedMs: number): Promise<boolean> {
    const current = this.runs.get(run.id);
    if (!current || current.updatedMs !== expectedUpdatedMs) return false;
    this.runs.set(run.id, structuredClone(run));
    return true;
  }

  async get(id: string): Promise<FlagRolloutRun | undefined> {
    const r = this.runs.get(id);
    return r && structuredClone(r);
  }

  async list(filter: { flag?: string; environment?: string; status?: FlagRolloutRun['status'] } = {}): Promise<FlagRolloutRun[]> {
    return [...this.runs.values()]
      .filter((r) => (!filter.flag || r.flag === filter.flag) && (!filter.environment || r.environment === filter.environment) && (!filter.status || r.status === filter.status))
      .sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1))
      .map((r) => structuredClone(r));
  }
}
