/** The `drill_runs` table: every run of a Drill, its steps with timestamps, figures and verdict. */
import type { Kysely, Migration } from 'kysely';
import { fromJson, tablesOf, toJson, type Db } from '../store/db';
import type { DrillFigures } from './drill-verdict';

export interface DrillRun {
  id: string;
  drill: string;
  service: string;
  environment: string;
  actor: string;
  startedAtMs: number;
  finishedAtMs: number | null;
  verdict: 'running' | 'pass' | 'fail';
  steps: { atMs: number; what: string }[];
  figures: DrillFigures | null;
  reasons: string[];
  /** The rollout run the drill released, when it got that far. */
  rolloutRun: string | null;
}

interface DrTables {
  drill_runs: { id: string; drill: string; service: string; environment: string; started_ms: number; verdict: string; body: string };
}

export const drillMigrations: Record<string, Migration> = {
  '202612060300_drill_runs': {
    async up(db) {
      await db.schema
        .createTable('drill_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('drill', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('started_ms', 'bigint', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('drill_runs_drill').on('drill_runs').columns(['drill', 'started_ms']).execute();
    },
    async down(db) {
      await db.schema.dropTable('drill_runs').execute();
    },
  },
};

export class DrillStore {
  private readonly db: Kysely<DrTables>;
  constructor(db: Db) {
    this.db = tablesOf<DrTables>(db);
  }

  async save(r: DrillRun): Promise<void> {
    const row = { id: r.id, drill: r.drill, service: r.service, environment: r.environment, started_ms: r.startedAtMs, verdict: r.verdict, body: toJson(r) };
    const had = await this.db.selectFrom('drill_runs').select('id').where('id', '=', r.id).executeTakeFirst();
    if (had) await this.db.updateTable('drill_runs').set({ verdict: row.verdict, body: row.body }).where('id', '=', r.id).execute();
    else await this.db.insertInto('drill_runs').values(row).execute();
  }

  async get(id: string): Promise<DrillRun | undefined> {
    const r = await this.db.selectFrom('drill_runs').select('body').where('id', '=', id).executeTakeFirst();
    return r ? fromJson<DrillRun>(r.body) : undefined;
  }

  /** Runs of a drill, newest first. */
  async runs(drill: string, limit = 20): Promise<DrillRun[]> {
    const rows = await this.db.selectFrom('drill_runs').select('body').where('drill', '=', drill).orderBy('started_ms', 'desc').limit(limit).execute();
    return rows.map((r) => fromJson<DrillRun>(r.body));
  }
}
