/**
 * The `experiment_runs` table: one row per run of an Experiment with its journal (every probe and
 * action with times and results), the faults it injected (what a rollback restores) and a
 * heartbeat, so a server can tell a run whose executor died and roll it back.
 */
import type { Kysely, Migration } from 'kysely';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../../store/db';
import type { VerifyTables } from '../verify-tables';

export const experimentMigrations: Record<string, Migration> = {
  '202612050400_experiment_runs': {
    async up(db) {
      await db.schema
        .createTable('experiment_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('experiment', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('started_ms', 'bigint', (c) => c.notNull())
        .addColumn('ended_ms', 'bigint')
        .addColumn('heartbeat_ms', 'bigint', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('journal', 'text', (c) => c.notNull())
        .addColumn('faults', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('experiment_runs_name').on('experiment_runs').columns(['experiment', 'started_ms']).execute();
      await db.schema.createIndex('experiment_runs_status').on('experiment_runs').columns(['status']).execute();
    },
    async down(db) {
      await db.schema.dropTable('experiment_runs').execute();
    },
  },
};

/**
 * `running` until it ends: `completed` (the hypothesis held before, during and after), `deviated`
 * (a probe failed during or after: rolled back), `not-steady` (the hypothesis did not hold before:
 * nothing injected), `error` (an action or the store failed: rolled back), `interrupted` (its
 * server died; another rolled it back).
 */
export const RUN_STATUSES = ['running', 'completed', 'deviated', 'not-steady', 'error', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One line of the journal. */
export interface JournalEntry {
  /** ms since epoch. */
  atMs: number;
  phase: 'before' | 'method' | 'during' | 'rollback' | 'after' | 'end';
  type: 'probe' | 'action' | 'rollback' | 'pause' | 'note';
  name: string;
  /** For probes and actions: whether it held or succeeded. */
  ok: boolean;
  /** Probe verdict `inconclusive` (too little traffic), which does not stop a run. */
  inconclusive?: boolean;
  detail: string;
  values?: Record<string, number | null>;
  /** How long the probe or action took, ms. */
  tookMs?: number;
}

/**
 * What a run did that its rollback undoes: a fault it injected, with what it replaced (null:
 * none), or an instance it paused (`paused`: its id, resumed with SIGCONT).
 */
export interface InjectedFault {
  /** Set for a paused instance; the route fields are then empty. */
  paused?: { id: string; pid: number };
  route: string;
  version: string | null;
  previous: unknown;
  expiresAtMs: number;
}

export interface ExperimentRun {
  id: string;
  experiment: string;
  service: string;
  environment: string;
  status: RunStatus;
  actor: string;
  startedMs: number;
  endedMs: number | null;
  heartbeatMs: number;
  summary: string;
  journal: JournalEntry[];
  faults: InjectedFault[];
}

type Row = VerifyTables['experiment_runs'];

function toRun(r: Row): ExperimentRun {
  return {
    id: r.id,
    experiment: r.experiment,
    service: r.service,
    environment: r.environment,
    status: r.status as RunStatus,
    actor: r.actor,
    startedMs: Number(r.started_ms),
    endedMs: r.ended_ms === null ? null : Number(r.ended_ms),
    heartbeatMs: Number(r.heartbeat_ms),
    summary: r.summary,
    journal: fromJson<JournalEntry[]>(r.journal),
    faults: fromJson<InjectedFault[]>(r.faults),
  };
}

export class ExperimentStore {
  private readonly db: Kysely<VerifyTables>;
  constructor(db: Db) {
    this.db = tablesOf<VerifyTables>(db);
  }

  async insert(trx: Tx, run: ExperimentRun, spec: unknown): Promise<void> {
    await tablesOf<VerifyTables>(trx)
      .insertInto('experiment_runs')
      .values({
        id: run.id,
        experiment: run.experiment,
        service: run.service,
        environment: run.environment,
        status: run.status,
        actor: run.actor,
        started_ms: run.startedMs,
        ended_ms: run.endedMs,
        heartbeat_ms: run.heartbeatMs,
        summary: run.summary,
        spec: toJson(spec),
        journal: toJson(run.journal),
        faults: toJson(run.faults),
      })
      .execute();
  }

  /** Writes the run's moving parts (status, journal, faults, heartbeat); in `trx` when given. */
  async save(run: ExperimentRun, trx?: Tx): Promise<void> {
    await (trx ? tablesOf<VerifyTables>(trx) : this.db)
      .updateTable('experiment_runs')
      .set({
        status: run.status,
        ended_ms: run.endedMs,
        heartbeat_ms: run.heartbeatMs,
        summary: run.summary,
        journal: toJson(run.journal),
        faults: toJson(run.faults),
      })
      .where('id', '=', run.id)
      .execute();
  }

  /** Marks the run alive (its executor's server still runs it). */
  async heartbeat(id: string, nowMs: number): Promise<void> {
    await this.db.updateTable('experiment_runs').set({ heartbeat_ms: nowMs }).where('id', '=', id).where('status', '=', 'running').execute();
  }

  async get(id: string, trx?: Tx): Promise<ExperimentRun | undefined> {
    const r = await (trx ? tablesOf<VerifyTables>(trx) : this.db).selectFrom('experiment_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRun(r) : undefined;
  }

  /** Runs, newest first; of one experiment when named. */
  async list(q: { experiment?: string; limit: number }): Promise<ExperimentRun[]> {
    let query = this.db.selectFrom('experiment_runs').selectAll().orderBy('started_ms', 'desc').orderBy('id', 'desc').limit(q.limit);
    if (q.experiment) query = query.where('experiment', '=', q.experiment);
    return (await query.execute()).map(toRun);
  }

  /** Runs still marked running (of one experiment when named). */
  async running(experiment?: string, trx?: Tx): Promise<ExperimentRun[]> {
    let query = (trx ? tablesOf<VerifyTables>(trx) : this.db).selectFrom('experiment_runs').selectAll().where('status', '=', 'running');
    if (experiment) query = query.where('experiment', '=', experiment);
    return (await query.execute()).map(toRun);
  }
}
