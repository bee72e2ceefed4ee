import { sql, type Kysely, type Migration, type Selectable } from 'kysely';
import { tablesOf, type Db, type Tx } from '../store/db';
import type { FlagTables } from './flag-tables';

export const flagMigrations: Record<string, Migration> = {
  '202611270600_flags_tables': {
    async up(db) {
      await db.schema
        .createTable('flag_states')
        .addColumn('flag', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer')
        .addColumn('percentage', 'double precision')
        .addColumn('killed_at_ms', 'bigint')
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('flag_states_pk', ['flag', 'environment'])
        .execute();
      await db.schema
        .createTable('flag_schedules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('flag', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('percentage', 'double precision')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('done_at_ms', 'bigint')
        .execute();
      await db.schema.createIndex('flag_schedules_due').on('flag_schedules').columns(['status', 'at_ms']).execute();
      await db.schema
        .createTable('flag_evaluations')
        .addColumn('flag', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('variant', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('first_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('flag_evaluations_pk', ['flag', 'environment', 'variant'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('flag_evaluations').execute();
      await db.schema.dropTable('flag_schedules').execute();
      await db.schema.dropTable('flag_states').execute();
    },
  },
};

/** Operational state of a flag in one environment, layered over its manifest. */
export interface FlagState {
  flag: string;
  environment: string;
  /** Overrides the manifest's `enabled` when set. */
  enabled: boolean | null;
  /** Overrides every rule's rollout percentage when set, 0..100. */
  percentage: number | null;
  killedAtMs: number | null;
  updatedAtMs: number;
  updatedBy: string;
}

export type ScheduleAction = 'enable' | 'disable' | 'percentage';

export interface FlagSchedule {
  id: string;
  flag: string;
  environment: string;
  atMs: number;
  action: ScheduleAction;
  percentage: number | null;
  status: 'pending' | 'done' | 'cancelled';
  createdBy: string;
  createdAtMs: number;
  doneAtMs: number | null;
}

export interface EvaluationCount {
  flag: string;
  environment: string;
  variant: string;
  count: number;
  firstAtMs: number;
  lastAtMs: number;
}

type StateTables = Pick<FlagTables, 'flag_states' | 'flag_schedules' | 'flag_evaluations'>;

// Row → domain, one function per table.
const toState = (r: Selectable<FlagTables['flag_states']>): FlagState => ({
  flag: r.flag,
  environment: r.environment,
  enabled: r.enabled === null || r.enabled === undefined ? null : Number(r.enabled) === 1,
  percentage: r.percentage === null || r.percentage === undefined ? null : Number(r.percentage),
  killedAtMs: r.killed_at_ms === null || r.killed_at_ms === undefined ? null : Number(r.killed_at_ms),
  updatedAtMs: Number(r.updated_at_ms),
  updatedBy: r.updated_by,
});

const toSchedule = (r: Selectable<FlagTables['flag_schedules']>): FlagSchedule => ({
  id: r.id,
  flag: r.flag,
  environment: r.environment,
  atMs: Number(r.at_ms),
  action: r.action,
  percentage: r.percentage === null ? null : Number(r.percentage),
  status: r.status,
  createdBy: r.created_by,
  createdAtMs: Number(r.created_at_ms),
  doneAtMs: r.done_at_ms === null ? null : Number(r.done_at_ms),
});

const toCount = (r: Selectable<FlagTables['flag_evaluations']>): EvaluationCount => ({
  flag: r.flag,
  environment: r.environment,
  variant: r.variant,
  count: Number(r.count),
  firstAtMs: Number(r.first_at_ms),
  lastAtMs: Number(r.last_at_ms),
});

/** What FlagService asks of the flag state tables. Fake: testing/fake-flag-stores.ts. */
export interface FlagStateStorePort {
  states(environment?: string, q?: Tx): Promise<FlagState[]>;
  state(flag: string, environment: string, q?: Tx): Promise<FlagState | undefined>;
  /** Inserts or replaces the state of one flag in one environment. */
  putState(trx: Tx, s: FlagState): Promise<void>;
  addSchedule(trx: Tx, s: FlagSchedule): Promise<void>;
  /** By time, then id. */
  schedules(filter?: { flag?: string; environment?: string; status?: FlagSchedule['status'] }, q?: Tx): Promise<FlagSchedule[]>;
  /** Pending schedules at or before `nowMs`, by time. */
  dueSchedules(nowMs: number, q?: Tx): Promise<FlagSchedule[]>;
  /** Compare-and-set pending → done: false when another replica got there first. */
  finishSchedule(trx: Tx, id: string, nowMs: number): Promise<boolean>;
  addCounts(trx: Tx, counts: Array<{ flag: string; environment: string; variant: string; count: number }>, nowMs: number): Promise<void>;
  counts(filter?: { flag?: string; environment?: string }): Promise<EvaluationCount[]>;
}

/** Tables of the flags capability: per-environment state, scheduled changes, evaluation counts. */
export class FlagStateStore implements FlagStateStorePort {
  constructor(private readonly db: Db) {}

  /** The caller's transaction (or handle), narrowed to this store's tables; else the store's own. */
  private on(q: Db = this.db): Kysely<StateTables> {
    return tablesOf<StateTables>(q);
  }

  async states(environment?: string, q?: Db | Tx): Promise<FlagState[]> {
    let sel = this.on(q).selectFrom('flag_states').selectAll();
    if (environment) sel = sel.where('environment', '=', environment);
    return (await sel.execute()).map(toState);
  }

  async state(flag: string, environment: string, q?: Db | Tx): Promise<FlagState | undefined> {
    const r = await this.on(q).selectFrom('flag_states').selectAll().where('flag', '=', flag).where('environment', '=', environment).executeTakeFirst();
    return r ? toState(r) : undefined;
  }

  async putState(trx: Tx, s: FlagState): Promise<void> {
    const row = {
      enabled: s.enabled === null ? null : s.enabled ? 1 : 0,
      percentage: s.percentage,
      killed_at_ms: s.killedAtMs,
      updated_at_ms: s.updatedAtMs,
      updated_by: s.updatedBy,
    };
    const existing = await this.state(s.flag, s.environment, trx);
    if (existing) {
      await this.on(trx).updateTable('flag_states').set(row).where('flag', '=', s.flag).where('environment', '=', s.environment).execute();
    } else {
      await this.on(trx)
        .insertInto('flag_states')
        .values({ flag: s.flag, environment: s.environment, ...row })
        .execute();
    }
  }

  async addSchedule(trx: Tx, s: FlagSchedule): Promise<void> {
    await this.on(trx)
      .insertInto('flag_schedules')
      .values({
        id: s.id,
        flag: s.flag,
        environment: s.environment,
        at_ms: s.atMs,
        action: s.action,
        percentage: s.percentage,
        status: s.status,
        created_by: s.createdBy,
        created_at_ms: s.createdAtMs,
        done_at_ms: s.doneAtMs,
      })
      .execute();
  }

  async schedules(filter: { flag?: string; environment?: string; status?: FlagSchedule['status'] } = {}, q?: Db | Tx): Promise<FlagSchedule[]> {
    let sel = this.on(q).selectFrom('flag_schedules').selectAll();
    if (filter.flag) sel = sel.where('flag', '=', filter.flag);
    if (filter.environment) sel = sel.where('environment', '=', filter.environment);
    if (filter.status) sel = sel.where('status', '=', filter.status);
    return (await sel.orderBy('at_ms').orderBy('id').execute()).map(toSchedule);
  }

  async dueSchedules(nowMs: number, q?: Db | Tx): Promise<FlagSchedule[]> {
    const rows = await this.on(q)
      .selectFrom('flag_schedules')
      .selectAll()
      .where('status', '=', 'pending')
      .where('at_ms', '<=', nowMs)
      .orderBy('at_ms')
      .orderBy('id')
      .execute();
    return rows.map(toSchedule);
  }

  /** Marks a pending schedule done; false when another replica got there first. */
  async finishSchedule(trx: Tx, id: string, nowMs: number): Promise<boolean> {
    const r = await this.on(trx)
      .updateTable('flag_schedules')
      .set({ status: 'done', done_at_ms: nowMs })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Adds counts atomically; the caller serialises first inserts with lockKey. */
  async addCounts(trx: Tx, counts: Array<{ flag: string; environment: string; variant: string; count: number }>, nowMs: number): Promise<void> {
    const q = this.on(trx);
    for (const c of counts) {
      const r = await q
        .updateTable('flag_evaluations')
        .set({ count: sql`count + ${c.count}`, last_at_ms: nowMs })
        .where('flag', '=', c.flag)
        .where('environment', '=', c.environment)
        .where('variant', '=', c.variant)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        await q
          .insertInto('flag_evaluations')
          .values({ ...c, first_at_ms: nowMs, last_at_ms: nowMs })
          .execute();
      }
    }
  }

  async counts(filter: { flag?: string; environment?: string } = {}): Promise<EvaluationCount[]> {
    let sel = this.on().selectFrom('flag_evaluations').selectAll();
    if (filter.flag) sel = sel.where('flag', '=', filter.flag);
    if (filter.environment) sel = sel.where('environment', '=', filter.environment);
    const rows = await sel.orderBy('flag').orderBy('variant').execute();
    return rows.map(toCount);
  }
}
