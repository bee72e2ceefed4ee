/**
 * The `synthetic_runs` table: the latest 200 scheduled runs of each SyntheticCheck, with their
 * step results, for `shipgate verify synthetic-runs` (the series are in the metrics store).
 */
import type { Kysely, Migration } from 'kysely';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../../store/db';
import type { VerifyTables } from '../verify-tables';
import type { SyntheticResult } from './synthetic-run';

export const KEEP_RUNS = 200;

export const syntheticMigrations: Record<string, Migration> = {
  '202612050200_synthetic_runs': {
    async up(db) {
      await db.schema
        .createTable('synthetic_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('check_name', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('started_ms', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'double precision', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('synthetic_runs_check').on('synthetic_runs').columns(['check_name', 'started_ms']).execute();
    },
    async down(db) {
      await db.schema.dropTable('synthetic_runs').execute();
    },
  },
};

export type StoredRun = SyntheticResult & { id: string; environment: string };

export class SyntheticStore {
  private readonly db: Kysely<VerifyTables>;
  constructor(db: Db) {
    this.db = tablesOf<VerifyTables>(db);
  }

  /** Stores a run and forgets the check's runs beyond the latest KEEP_RUNS, in the caller's transaction. */
  async insert(trx: Tx, id: string, environment: string, startedMs: number, r: SyntheticResult): Promise<void> {
    const t = tablesOf<VerifyTables>(trx);
    await t
      .insertInto('synthetic_runs')
      .values({
        id,
        check_name: r.check,
        environment,
        version: r.version ?? '',
        ok: r.ok ? 1 : 0,
        started_ms: startedMs,
        duration_ms: r.durationMs,
        result: toJson(r),
      })
      .execute();
    const cutoff = await t
      .selectFrom('synthetic_runs')
      .select('started_ms')
      .where('check_name', '=', r.check)
      .orderBy('started_ms', 'desc')
      .offset(KEEP_RUNS)
      .limit(1)
      .executeTakeFirst();
    if (cutoff) await t.deleteFrom('synthetic_runs').where('check_name', '=', r.check).where('started_ms', '<=', Number(cutoff.started_ms)).execute();
  }

  async runs(check: string, limit: number): Promise<StoredRun[]> {
    const rows = await this.db
      .selectFrom('synthetic_runs')
      .selectAll()
      .where('check_name', '=', check)
      .orderBy('started_ms', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...fromJson<SyntheticResult>(r.result), id: r.id, environment: r.environment }));
  }

  /** When each check last ran (its newest stored run), for the scheduler after a restart. */
  async lastRuns(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('synthetic_runs')
      .select(['check_name'])
      .select((eb) => eb.fn.max('started_ms').as('last'))
      .groupBy('check_name')
      .execute();
    return new Map(rows.map((r) => [r.check_name, Number(r.last)]));
  }
}
