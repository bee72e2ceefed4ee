/** Tables of analysis runs and their intervals (every interval's verdict with its inputs). */
import type { Kysely, Migration, Selectable } from 'kysely';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../store/db';
import type { AnalysisTables } from './analysis-tables';
import type { IntervalRecord, RunState } from './analysis-run';
import type { AnalysisTemplateSpec } from './analysis-template';
import type { HistogramCounts } from '../metrics/latency-histogram';

export const analysisMigrations: Record<string, Migration> = {
  '202611270700_analysis_tables': {
    async up(db) {
      await db.schema
        .createTable('analysis_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('baseline_version', 'text', (c) => c.notNull())
        .addColumn('canary_version', 'text', (c) => c.notNull())
        .addColumn('judge', 'text', (c) => c.notNull())
        .addColumn('started_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('verdict', 'text')
        .addColumn('decided_at', 'integer')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('analysis_runs_service').on('analysis_runs').columns(['service', 'started_at_ms']).execute();
      await db.schema
        .createTable('analysis_intervals')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('from_ms', 'bigint', (c) => c.notNull())
        .addColumn('to_ms', 'bigint', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('phase', 'text')
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('analysis_intervals_pk', ['run_id', 'idx'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('analysis_intervals').execute();
      await db.schema.dropTable('analysis_runs').execute();
    },
  },
};

/** What was read for one version in one interval; latency as histogram counts (router buckets). */
export interface StoredSide {
  requests: number;
  errors: number;
  latency: HistogramCounts;
}

export interface StoredInput {
  baseline: StoredSide;
  canary: StoredSide;
}

export interface AnalysisRunRow {
  id: string;
  template: string;
  service: string;
  environment: string;
  route: string;
  baselineVersion: string;
  canaryVersion: string;
  judge: string;
  startedAtMs: number;
  updatedAtMs: number;
  verdict: string | null;
  decidedAt: number | null;
  reason: string;
  spec: AnalysisTemplateSpec;
  state: RunState;
}

export interface AnalysisIntervalRow {
  runId: string;
  index: number;
  fromMs: number;
  toMs: number;
  verdict: string;
  phase: string | null;
  input: StoredInput | null;
  record: IntervalRecord;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

// Row → domain, one function per table.
function runFromRow(r: Selectable<AnalysisTables['analysis_runs']>): AnalysisRunRow {
  return {
    id: r.id,
    template: r.template,
    service: r.service,
    environment: r.environment,
    route: r.route,
    baselineVersion: r.baseline_version,
    canaryVersion: r.canary_version,
    judge: r.judge,
    startedAtMs: Number(r.started_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    verdict: r.verdict ?? null,
    decidedAt: num(r.decided_at),
    reason: r.reason,
    spec: fromJson(r.spec),
    state: fromJson(r.state),
  };
}

function intervalFromRow(r: Selectable<AnalysisTables['analysis_intervals']>): AnalysisIntervalRow {
  return {
    runId: r.run_id,
    index: Number(r.idx),
    fromMs: Number(r.from_ms),
    toMs: Number(r.to_ms),
    verdict: r.verdict,
    phase: r.phase ?? null,
    input: fromJson<StoredInput | null>(r.input),
    record: fromJson<IntervalRecord>(r.record),
  };
}

/** What AnalysisService and the analysis routes ask of the analysis tables. Fake: testing/fake-analysis-store.ts. */
export interface AnalysisStorePort {
  getRun(id: string, q?: Tx): Promise<AnalysisRunRow | undefined>;
  /** Newest first. */
  listRuns(filter: { service?: string; limit: number }): Promise<AnalysisRunRow[]>;
  /** Fails (primary key) when a run with this id exists. */
  insertRun(trx: Tx, run: AnalysisRunRow): Promise<void>;
  updateRun(trx: Tx, id: string, state: RunState, nowMs: number): Promise<void>;
  /** Fails (primary key) when the interval was stored already. */
  insertInterval(trx: Tx, row: AnalysisIntervalRow): Promise<void>;
  /** In interval order. */
  intervals(runId: string): Promise<AnalysisIntervalRow[]>;
}

/** Repository of analysis runs. */
export class AnalysisStore implements AnalysisStorePort {
  constructor(private readonly db: Db) {}

  /** The caller's transaction (or handle), narrowed to this capability's tables; else the store's own. */
  private on(q: Db = this.db): Kysely<AnalysisTables> {
    return tablesOf<AnalysisTables>(q);
  }

  async getRun(id: string, q?: Db | Tx): Promise<AnalysisRunRow | undefined> {
    const r = await this.on(q).selectFrom('analysis_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? runFromRow(r) : undefined;
  }

  async listRuns(filter: { service?: string; limit: number }): Promise<AnalysisRunRow[]> {
    let q = this.on().selectFrom('analysis_runs').selectAll();
    if (filter.service) q = q.where('service', '=', filter.service);
    const rows = await q.orderBy('started_at_ms', 'desc').orderBy('id').limit(filter.limit).execute();
    return rows.map(runFromRow);
  }

  async insertRun(trx: Tx, run: AnalysisRunRow): Promise<void> {
    await this.on(trx)
      .insertInto('analysis_runs')
      .values({
        id: run.id,
        template: run.template,
        service: run.service,
        environment: run.environment,
        route: run.route,
        baseline_version: run.baselineVersion,
        canary_version: run.canaryVersion,
        judge: run.judge,
        started_at_ms: run.startedAtMs,
        updated_at_ms: run.updatedAtMs,
        verdict: run.verdict,
        decided_at: run.decidedAt,
        reason: run.reason,
        spec: toJson(run.spec),
        state: toJson(run.state),
      })
      .execute();
  }

  async updateRun(trx: Tx, id: string, state: RunState, nowMs: number): Promise<void> {
    await this.on(trx)
      .updateTable('analysis_runs')
      .set({ state: toJson(state), verdict: state.verdict, decided_at: state.decidedAt, reason: state.reason, updated_at_ms: nowMs })
      .where('id', '=', id)
      .execute();
  }

  async insertInterval(trx: Tx, row: AnalysisIntervalRow): Promise<void> {
    await this.on(trx)
      .insertInto('analysis_intervals')
      .values({
        run_id: row.runId,
        idx: row.index,
        from_ms: row.fromMs,
        to_ms: row.toMs,
        verdict: row.verdict,
        phase: row.phase,
        input: toJson(row.input),
        record: toJson(row.record),
      })
      .execute();
  }

  async intervals(runId: string): Promise<AnalysisIntervalRow[]> {
    const rows = await this.on().selectFrom('analysis_intervals').selectAll().where('run_id', '=', runId).orderBy('idx').execute();
    return rows.map(intervalFromRow);
  }
}
