import type { Tx } from '../../store/db';
import { atomically } from '../../store/testing/fake-transaction';
import type { FlagRolloutRun } from '../flag-rollout-plan';
import type { FlagRolloutStorePort } from '../flag-rollout-store';
import type { EvaluationCount, FlagSchedule, FlagState, FlagStateStorePort } from '../flag-state-store';

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
      .filter(
        (r) =>
          (!filter.flag || r.flag === filter.flag) &&
          (!filter.environment || r.environment === filter.environment) &&
          (!filter.status || r.status === filter.status),
      )
      .sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1))
      .map((r) => structuredClone(r));
  }
}

/** FlagStateStore in memory, for unit tests of the flag service: schedules finish once (compare-and-set), counts add up. */
export class FakeFlagStateStore implements FlagStateStorePort {
  private stateMap = new Map<string, FlagState>();
  private scheduleMap = new Map<string, FlagSchedule>();
  private countMap = new Map<string, EvaluationCount>();

  transaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return atomically(
      () => ({ states: new Map(this.stateMap), schedules: new Map(this.scheduleMap), counts: new Map(this.countMap) }),
      (s) => {
        this.stateMap = s.states;
        this.scheduleMap = s.schedules;
        this.countMap = s.counts;
      },
      fn,
    );
  }

  async states(environment?: string): Promise<FlagState[]> {
    return [...this.stateMap.values()].filter((s) => !environment || s.environment === environment).map((s) => ({ ...s }));
  }

  async state(flag: string, environment: string): Promise<FlagState | undefined> {
    const s = this.stateMap.get(`${flag}\u0000${environment}`);
    return s && { ...s };
  }

  async putState(_trx: Tx, s: FlagState): Promise<void> {
    this.stateMap.set(`${s.flag}\u0000${s.environment}`, { ...s });
  }

  async addSchedule(_trx: Tx, s: FlagSchedule): Promise<void> {
    this.scheduleMap.set(s.id, { ...s });
  }

  async schedules(filter: { flag?: string; environment?: string; status?: FlagSchedule['status'] } = {}): Promise<FlagSchedule[]> {
    return [...this.scheduleMap.values()]
      .filter(
        (s) =>
          (!filter.flag || s.flag === filter.flag) &&
          (!filter.environment || s.environment === filter.environment) &&
          (!filter.status || s.status === filter.status),
      )
      .sort((a, b) => a.atMs - b.atMs || (a.id < b.id ? -1 : 1))
      .map((s) => ({ ...s }));
  }

  async dueSchedules(nowMs: number): Promise<FlagSchedule[]> {
    return (await this.schedules({ status: 'pending' })).filter((s) => s.atMs <= nowMs);
  }

  async finishSchedule(_trx: Tx, id: string, nowMs: number): Promise<boolean> {
    const s = this.scheduleMap.get(id);
    if (!s || s.status !== 'pending') return false;
    this.scheduleMap.set(id, { ...s, status: 'done', doneAtMs: nowMs });
    return true;
  }

  async addCounts(_trx: Tx, counts: Array<{ flag: string; environment: string; variant: string; count: number }>, nowMs: number): Promise<void> {
    for (const c of counts) {
      const k = `${c.flag}\u0000${c.environment}\u0000${c.variant}`;
      const e = this.countMap.get(k);
      this.countMap.set(k, e ? { ...e, count: e.count + c.count, lastAtMs: nowMs } : { ...c, firstAtMs: nowMs, lastAtMs: nowMs });
    }
  }

  async counts(filter: { flag?: string; environment?: string } = {}): Promise<EvaluationCount[]> {
    return [...this.countMap.values()]
      .filter((c) => (!filter.flag || c.flag === filter.flag) && (!filter.environment || c.environment === filter.environment))
      .map((c) => ({ ...c }));
  }
}
