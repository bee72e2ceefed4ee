import type { Insertable, Kysely, Migration, Selectable } from 'kysely';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../store/db';
import type { FlagRolloutRun } from './flag-rollout-plan';
import type { FlagTables } from './flag-tables';

export const flagRolloutMigrations: Record<string, Migration> = {
  '202611270601_flags_rollouts': {
    async up(db) {
      await db.schema
        .createTable('flag_rollouts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('flag', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('steps', 'text', (c) => c.notNull())
        .addColumn('step_index', 'integer', (c) => c.notNull())
        .addColumn('interval_ms', 'bigint', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('step_started_ms', 'bigint', (c) => c.notNull())
        .addColumn('judged_until_ms', 'bigint', (c) => c.notNull())
        .addColumn('judge_state', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('flag_rollouts_status').on('flag_rollouts').columns(['status']).execute();
    },
    async down(db) {
      await db.schema.dropTable('flag_rollouts').execute();
    },
  },
  /** The change request a guarded rollout in production runs under, completed when it ends. */
  '202612031352_flags_rollout_change': {
    async up(db) {
      await db.schema.alterTable('flag_rollouts').addColumn('change_id', 'text').execute();
    },
    async down(db) {
      await db.schema.alterTable('flag_rollouts').dropColumn('change_id').execute();
    },
  },
};

// Row → domain.
const toRun = (r: Selectable<FlagTables['flag_rollouts']>): FlagRolloutRun => ({
  id: r.id,
  flag: r.flag,
  key: r.key,
  environment: r.environment,
  steps: fromJson<number[]>(r.steps),
  stepIndex: Number(r.step_index),
  intervalMs: Number(r.interval_ms),
  template: r.template,
  status: r.status,
  stepStartedMs: Number(r.step_started_ms),
  judgedUntilMs: Number(r.judged_until_ms),
  judgeState: r.judge_state === null ? null : fromJson(r.judge_state),
  reason: r.reason,
  createdBy: r.created_by,
  createdMs: Number(r.created_ms),
  updatedMs: Number(r.updated_ms),
  changeId: r.change_id ?? null,
});

const toRow = (run: FlagRolloutRun): Omit<Insertable<FlagTables['flag_rollouts']>, 'id'> => ({
  flag: run.flag,
  key: run.key,
  environment: run.environment,
  steps: toJson(run.steps),
  step_index: run.stepIndex,
  interval_ms: run.intervalMs,
  template: run.template,
  status: run.status,
  step_started_ms: run.stepStartedMs,
  judged_until_ms: run.judgedUntilMs,
  judge_state: run.judgeState === null || run.judgeState === undefined ? null : toJson(run.judgeState),
  reason: run.reason,
  created_by: run.createdBy,
  created_ms: run.createdMs,
  updated_ms: run.updatedMs,
  change_id: run.changeId,
});

/** What FlagRolloutService asks of the guarded rollouts table. Fake: testing/fake-flag-stores.ts. */
export interface FlagRolloutStorePort {
  insert(trx: Tx, run: FlagRolloutRun): Promise<void>;
  /** Compare-and-set on `updatedMs`: false when another replica moved the run meanwhile. */
  update(trx: Tx, run: FlagRolloutRun, expectedUpdatedMs: number): Promise<boolean>;
  get(id: string, q?: Tx): Promise<FlagRolloutRun | undefined>;
  /** Oldest first. */
  list(filter?: { flag?: string; environment?: string; status?: FlagRolloutRun['status'] }, q?: Tx): Promise<FlagRolloutRun[]>;
}

/** Guarded flag rollouts, one row per run, rewritten on every transition. */
export class FlagRolloutStore implements FlagRolloutStorePort {
  constructor(private readonly db: Db) {}

  /** The caller's transaction (or handle), narrowed to this store's table; else the store's own. */
  private on(q: Db = this.db): Kysely<Pick<FlagTables, 'flag_rollouts'>> {
    return tablesOf<Pick<FlagTables, 'flag_rollouts'>>(q);
  }

  async insert(trx: Tx, run: FlagRolloutRun): Promise<void> {
    await this.on(trx)
      .insertInto('flag_rollouts')
      .values({ id: run.id, ...toRow(run) })
      .execute();
  }

  /** Writes a transition if the run is still in the state the caller read (`expectedUpdatedMs`); false otherwise. */
  async update(trx: Tx, run: FlagRolloutRun, expectedUpdatedMs: number): Promise<boolean> {
    const r = await this.on(trx)
      .updateTable('flag_rollouts')
      .set(toRow(run))
      .where('id', '=', run.id)
      .where('updated_ms', '=', expectedUpdatedMs)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async get(id: string, q?: Db | Tx): Promise<FlagRolloutRun | undefined> {
    const r = await this.on(q).selectFrom('flag_rollouts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRun(r) : undefined;
  }

  async list(filter: { flag?: string; environment?: string; status?: FlagRolloutRun['status'] } = {}, q?: Db | Tx): Promise<FlagRolloutRun[]> {
    let sel = this.on(q).selectFrom('flag_rollouts').selectAll();
    if (filter.flag) sel = sel.where('flag', '=', filter.flag);
    if (filter.environment) sel = sel.where('environment', '=', filter.environment);
    if (filter.status) sel = sel.where('status', '=', filter.status);
    return (await sel.orderBy('created_ms').orderBy('id').execute()).map(toRun);
  }
}
