import type { Tx } from '../../store/db';
import { atomically } from '../../store/testing/fake-transaction';
import type { RunState } from '../analysis-run';
import type { AnalysisIntervalRow, AnalysisRunRow, AnalysisStorePort } from '../analysis-store';

/**
 * AnalysisStore in memory, for unit tests of the analysis service: runs and intervals keyed as
 * their primary keys are (a second insert fails), and `transaction` all or nothing.
 */
export class FakeAnalysisStore implements AnalysisStorePort {
  private runs = new Map<string, AnalysisRunRow>();
  private rows = new Map<string, AnalysisIntervalRow>();

  transaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return atomically(
      () => ({ runs: new Map(this.runs), rows: new Map(this.rows) }),
      (s) => {
        this.runs = s.runs;
        this.rows = s.rows;
      },
      fn,
    );
  }

  async getRun(id: string): Promise<AnalysisRunRow | undefined> {
    const r = this.runs.get(id);
    return r && structuredClone(r);
  }

  async listRuns(filter: { service?: string; limit: number }): Promise<AnalysisRunRow[]> {
    return [...this.runs.values()]
      .filter((r) => !filter.service || r.service === filter.service)
      .sort((a, b) => b.startedAtMs - a.startedAtMs)
      .slice(0, filter.limit);
  }

  async insertRun(_trx: Tx, run: AnalysisRunRow): Promise<void> {
    if (this.runs.has(run.id)) throw new Error(`duplicate key value violates unique constraint "analysis_runs_pkey" (${run.id})`);
    this.runs.set(run.id, structuredClone(run));
  }

  async updateRun(_trx: Tx, id: string, state: RunState, nowMs: number): Promise<void> {
    const r = this.runs.get(id);
    if (r)
      this.runs.set(id, { ...r, state: structuredClone(state), verdict: state.verdict, decidedAt: state.decidedAt, reason: state.reason, updatedAtMs: nowMs });
  }

  async insertInterval(_trx: Tx, row: AnalysisIntervalRow): Promise<void> {
    const key = `${row.runId}\u0000${row.index}`;
    if (this.rows.has(key)) throw new Error(`duplicate key value violates unique constraint "analysis_intervals_pk" (${key})`);
    this.rows.set(key, structuredClone(row));
  }

  async intervals(runId: string): Promise<AnalysisIntervalRow[]> {
    return [...this.rows.values()].filter((r) => r.runId === runId).sort((a, b) => a.index - b.index);
  }
}
