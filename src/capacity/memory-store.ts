/**
 * The capacity capability's tables: `memory_samples` (resident memory of each process-target
 * instance, sampled by memory-watch.ts, kept 7 days) and `memory_findings` (one per revision
 * whose memory floor was found rising: the finding on its release).
 */
import type { Kysely, Migration } from 'kysely';
import { tablesOf, type Db, type Tx } from '../store/db';

export const KEEP_SAMPLES_MS = 7 * 86_400_000;

export interface CapacityTables {
  memory_samples: { service: string; environment: string; revision: string; instance: string; t_ms: number; bytes: number };
  memory_findings: {
    revision: string;
    service: string;
    environment: string;
    detected_ms: number;
    slope_bytes_per_minute: number;
    time_to_limit_ms: number | null;
    message: string;
  };
}

export const memoryMigrations: Record<string, Migration> = {
  '202612060100_memory_samples': {
    async up(db) {
      await db.schema
        .createTable('memory_samples')
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('revision', 'text', (c) => c.notNull())
        .addColumn('instance', 'text', (c) => c.notNull())
        .addColumn('t_ms', 'bigint', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('memory_samples_revision').on('memory_samples').columns(['revision', 't_ms']).execute();
      await db.schema.createIndex('memory_samples_time').on('memory_samples').columns(['t_ms']).execute();
      await db.schema
        .createTable('memory_findings')
        .addColumn('revision', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('detected_ms', 'bigint', (c) => c.notNull())
        .addColumn('slope_bytes_per_minute', 'double precision', (c) => c.notNull())
        .addColumn('time_to_limit_ms', 'double precision')
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('memory_findings').execute();
      await db.schema.dropTable('memory_samples').execute();
    },
  },
};

export interface MemoryFinding {
  revision: string;
  service: string;
  environment: string;
  detectedAtMs: number;
  slopeBytesPerMinute: number;
  timeToLimitMs: number | null;
  message: string;
}

export class MemoryStore {
  private readonly db: Kysely<CapacityTables>;
  constructor(db: Db) {
    this.db = tablesOf<CapacityTables>(db);
  }

  async insertSamples(rows: CapacityTables['memory_samples'][], nowMs: number): Promise<void> {
    if (rows.length) await this.db.insertInto('memory_samples').values(rows).execute();
    await this.db
      .deleteFrom('memory_samples')
      .where('t_ms', '<', nowMs - KEEP_SAMPLES_MS)
      .execute();
  }

  /** A revision's samples since `sinceMs`, oldest first, per instance. */
  async samples(revision: string, sinceMs: number): Promise<Map<string, { tMs: number; bytes: number }[]>> {
    const rows = await this.db
      .selectFrom('memory_samples')
      .select(['instance', 't_ms', 'bytes'])
      .where('revision', '=', revision)
      .where('t_ms', '>=', sinceMs)
      .orderBy('t_ms')
      .execute();
    const out = new Map<string, { tMs: number; bytes: number }[]>();
    for (const r of rows) {
      const list = out.get(r.instance) ?? [];
      list.push({ tMs: Number(r.t_ms), bytes: Number(r.bytes) });
      out.set(r.instance, list);
    }
    return out;
  }

  /** Revisions of a service with samples, the newest revision (first sampled last) first. */
  async revisions(service: string, environment: string): Promise<{ revision: string; lastMs: number; firstMs: number }[]> {
    const rows = await this.db
      .selectFrom('memory_samples')
      .select((eb) => ['revision', eb.fn.max('t_ms').as('last'), eb.fn.min('t_ms').as('first')])
      .where('service', '=', service)
      .where('environment', '=', environment)
      .groupBy('revision')
      .execute();
    return rows
      .map((r) => ({ revision: r.revision, lastMs: Number(r.last), firstMs: Number(r.first) }))
      .sort((a, b) => b.firstMs - a.firstMs || b.lastMs - a.lastMs);
  }

  async finding(revision: string): Promise<MemoryFinding | undefined> {
    const r = await this.db.selectFrom('memory_findings').selectAll().where('revision', '=', revision).executeTakeFirst();
    return r
      ? {
          revision: r.revision,
          service: r.service,
          environment: r.environment,
          detectedAtMs: Number(r.detected_ms),
          slopeBytesPerMinute: r.slope_bytes_per_minute,
          timeToLimitMs: r.time_to_limit_ms === null ? null : Number(r.time_to_limit_ms),
          message: r.message,
        }
      : undefined;
  }

  /** Records a finding once per revision; false when it was already there. */
  async insertFinding(trx: Tx, f: MemoryFinding): Promise<boolean> {
    const t = tablesOf<CapacityTables>(trx);
    const had = await t.selectFrom('memory_findings').select('revision').where('revision', '=', f.revision).executeTakeFirst();
    if (had) return false;
    await t
      .insertInto('memory_findings')
      .values({
        revision: f.revision,
        service: f.service,
        environment: f.environment,
        detected_ms: f.detectedAtMs,
        slope_bytes_per_minute: f.slopeBytesPerMinute,
        time_to_limit_ms: f.timeToLimitMs,
        message: f.message,
      })
      .execute();
    return true;
  }
}
