/**
 * The dr capability's table `backup_runs`: one row per run of a BackupCheck, inserted when it
 * starts (status `running`, its steps filled in as they end, so `backup check` can show progress)
 * and completed with the verdict, the measured restore time and backup age, and every table's
 * finding: the evidence that a backup restores.
 */
import type { Kysely, Migration } from 'kysely';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../store/db';
import type { TableFinding } from './compare';

export const RUN_STATUSES = ['running', 'pass', 'fail'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunStep {
  step: string;
  startedMs: number;
  endedMs: number | null;
  ok: boolean | null;
  message: string;
}

export interface BackupRun {
  id: string;
  check: string;
  database: string;
  environment: string;
  source: string;
  actor: string;
  status: RunStatus;
  startedMs: number;
  endedMs: number | null;
  rtoMs: number;
  rpoMs: number;
  restoreMs: number | null;
  backupAgeMs: number | null;
  backupBytes: number | null;
  amcheck: string | null;
  steps: RunStep[];
  tables: TableFinding[];
  reasons: string[];
  summary: string;
}

interface DrTables {
  backup_runs: {
    id: string;
    check_name: string;
    database_name: string;
    environment: string;
    source: string;
    actor: string;
    status: string;
    started_ms: number;
    ended_ms: number | null;
    rto_ms: number;
    rpo_ms: number;
    restore_ms: number | null;
    backup_age_ms: number | null;
    backup_bytes: number | null;
    amcheck: string | null;
    steps: string;
    tables: string;
    reasons: string;
    summary: string;
  };
}

export const drMigrations: Record<string, Migration> = {
  '202612070100_dr_backup_runs': {
    async up(db) {
      await db.schema
        .createTable('backup_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('check_name', 'text', (c) => c.notNull())
        .addColumn('database_name', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_ms', 'bigint', (c) => c.notNull())
        .addColumn('ended_ms', 'bigint')
        .addColumn('rto_ms', 'double precision', (c) => c.notNull())
        .addColumn('rpo_ms', 'double precision', (c) => c.notNull())
        .addColumn('restore_ms', 'double precision')
        .addColumn('backup_age_ms', 'double precision')
        .addColumn('backup_bytes', 'double precision')
        .addColumn('amcheck', 'text')
        .addColumn('steps', 'text', (c) => c.notNull())
        .addColumn('tables', 'text', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('backup_runs_check').on('backup_runs').columns(['check_name', 'started_ms']).execute();
    },
    async down(db) {
      await db.schema.dropTable('backup_runs').execute();
    },
  },
};

const num = (v: number | null) => (v === null ? null : Number(v));

function fromRow(r: DrTables['backup_runs']): BackupRun {
  return {
    id: r.id,
    check: r.check_name,
    database: r.database_name,
    environment: r.environment,
    source: r.source,
    actor: r.actor,
    status: r.status as RunStatus,
    startedMs: Number(r.started_ms),
    endedMs: num(r.ended_ms),
    rtoMs: Number(r.rto_ms),
    rpoMs: Number(r.rpo_ms),
    restoreMs: num(r.restore_ms),
    backupAgeMs: num(r.backup_age_ms),
    backupBytes: num(r.backup_bytes),
    amcheck: r.amcheck,
    steps: fromJson<RunStep[]>(r.steps),
    tables: fromJson<TableFinding[]>(r.tables),
    reasons: fromJson<string[]>(r.reasons),
    summary: r.summary,
  };
}

export class BackupStore {
  private readonly db: Kysely<DrTables>;
  constructor(db: Db) {
    this.db = tablesOf<DrTables>(db);
  }

  async insert(trx: Tx, r: BackupRun): Promise<void> {
    await tablesOf<DrTables>(trx)
      .insertInto('backup_runs')
      .values({
        id: r.id,
        check_name: r.check,
        database_name: r.database,
        environment: r.environment,
        source: r.source,
        actor: r.actor,
        status: r.status,
        started_ms: r.startedMs,
        ended_ms: r.endedMs,
        rto_ms: r.rtoMs,
        rpo_ms: r.rpoMs,
        restore_ms: r.restoreMs,
        backup_age_ms: r.backupAgeMs,
        backup_bytes: r.backupBytes,
        amcheck: r.amcheck,
        steps: toJson(r.steps),
        tables: toJson(r.tables),
        reasons: toJson(r.reasons),
        summary: r.summary,
      })
      .execute();
  }

  /** Progress while running: the steps so far. Not audited: the start and the result are. */
  async updateSteps(id: string, steps: RunStep[]): Promise<void> {
    await this.db
      .updateTable('backup_runs')
      .set({ steps: toJson(steps) })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
  }

  async complete(trx: Tx, r: BackupRun): Promise<void> {
    await tablesOf<DrTables>(trx)
      .updateTable('backup_runs')
      .set({
        status: r.status,
        ended_ms: r.endedMs,
        restore_ms: r.restoreMs,
        backup_age_ms: r.backupAgeMs,
        backup_bytes: r.backupBytes,
        amcheck: r.amcheck,
        steps: toJson(r.steps),
        tables: toJson(r.tables),
        reasons: toJson(r.reasons),
        summary: r.summary,
      })
      .where('id', '=', r.id)
      .execute();
  }

  async get(id: string): Promise<BackupRun | undefined> {
    const r = await this.db.selectFrom('backup_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  /** The latest passing run of any check of `database` in `environment`. */
  async latestPass(database: string, environment: string): Promise<BackupRun | undefined> {
    const r = await this.db
      .selectFrom('backup_runs')
      .selectAll()
      .where('database_name', '=', database)
      .where('environment', '=', environment)
      .where('status', '=', 'pass')
      .orderBy('started_ms', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async list(q: { check?: string; limit: number }): Promise<BackupRun[]> {
    let s = this.db.selectFrom('backup_runs').selectAll();
    if (q.check) s = s.where('check_name', '=', q.check);
    const rows = await s.orderBy('started_ms', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(fromRow);
  }
}
