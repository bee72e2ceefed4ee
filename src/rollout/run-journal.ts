import type { AuditLog } from '../audit/audit-log';
import { newId } from '../core/ids';
import { transaction, type Db, type Tx } from '../store/db';
import type { RunRecordPort } from './rollout-store';
import { currentStep, type RunState } from './run-state';

/** What the audit log keeps of a run's state: enough to follow it, without every measurement. */
export function runSummary(r: RunState) {
  const s = currentStep(r);
  return {
    phase: r.phase,
    pausedBy: r.pausedBy,
    stepIndex: r.stepIndex,
    step: s ? { label: s.label, status: s.status } : null,
    fromRevision: r.fromRevision,
    toRevision: r.toRevision,
    rollback: r.rollback ? { reason: r.rollback.reason, stage: r.rollback.stage, message: r.rollback.message } : null,
  };
}

/** What RolloutService asks of the journal: start a run, store a transition. Fake: testing/fake-rollout-store.ts. */
export interface RunJournalPort {
  /** Inserts `run` and its `started` event; `extra` runs first in the same transaction (revision insert, change claim). */
  start(run: RunState, actor: string, extra?: (trx: Tx) => Promise<void>): Promise<RunState>;
  /** Stores `next` if `prev` is still current (ConflictError otherwise); `extra` runs in the same transaction. */
  commit(
    prev: RunState,
    next: RunState,
    event: string,
    actor: string,
    details?: Record<string, unknown>,
    extra?: (trx: Tx) => Promise<void>,
  ): Promise<RunState>;
}

/**
 * Stores run transitions: the new state, an audit event and a deploy marker, in one transaction.
 * Every transition of a run goes through here, before the action it leads to.
 */
export class RunJournal implements RunJournalPort {
  constructor(
    private readonly db: Db,
    private readonly store: RunRecordPort,
    private readonly audit: AuditLog,
    private readonly onCommit: (run: RunState, event: string) => void = () => {},
  ) {}

  async start(run: RunState, actor: string, extra?: (trx: Tx) => Promise<void>): Promise<RunState> {
    await transaction(this.db, async (trx) => {
      await extra?.(trx);
      await this.store.insertRun(trx, run);
      await this.record(trx, null, run, 'started', actor, {});
    });
    this.onCommit(run, 'started');
    return run;
  }

  /**
   * Stores `next` if `prev` is still current (ConflictError otherwise) and records the event;
   * `extra` runs in the same transaction (the change request's outcome on a terminal state).
   */
  async commit(
    prev: RunState,
    next: RunState,
    event: string,
    actor: string,
    details: Record<string, unknown> = {},
    extra?: (trx: Tx) => Promise<void>,
  ): Promise<RunState> {
    const stored = await transaction(this.db, async (trx) => {
      const s = await this.store.saveRun(trx, prev, next);
      await this.record(trx, prev, s, event, actor, details);
      await extra?.(trx);
      return s;
    });
    this.onCommit(stored, event);
    return stored;
  }

  /** Stores a change that is not a transition (measurements, drain progress): no audit event, no marker. */
  async note(prev: RunState, next: RunState): Promise<RunState> {
    return transaction(this.db, (trx) => this.store.saveRun(trx, prev, next));
  }

  private async record(trx: Tx, prev: RunState | null, next: RunState, event: string, actor: string, details: Record<string, unknown>): Promise<void> {
    await this.audit.append(trx, {
      actor,
      action: `rollout.${event}`,
      kind: 'RolloutRun',
      name: next.id,
      before: prev ? runSummary(prev) : undefined,
      after: runSummary(next),
      details: { service: next.service, environment: next.environment, ...details },
    });
    await this.store.addMarker(trx, newId('mk', next.updatedAtMs), {
      atMs: next.updatedAtMs,
      service: next.service,
      environment: next.environment,
      fromRevision: next.fromRevision,
      toRevision: next.toRevision,
      event: typeof details.step === 'string' ? `${event}: ${details.step}` : event,
      runId: next.id,
    });
  }
}
