/**
 * The `ops_alerts` table: the latest state of each external alert, by fingerprint (Alertmanager
 * re-sends a group's alerts every `repeat_interval`; a resolved notice ends one).
 */
import type { Kysely, Migration } from 'kysely';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../store/db';
import type { StoredAlert } from './alertmanager';
import type { OpsTables } from './ops-tables';

export const opsMigrations: Record<string, Migration> = {
  '202612050300_ops_alerts': {
    async up(db) {
      await db.schema
        .createTable('ops_alerts')
        .addColumn('fingerprint', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('severity', 'text')
        .addColumn('service', 'text')
        .addColumn('environment', 'text')
        .addColumn('version', 'text')
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('annotations', 'text', (c) => c.notNull())
        .addColumn('starts_ms', 'bigint', (c) => c.notNull())
        .addColumn('ends_ms', 'bigint')
        .addColumn('generator_url', 'text')
        .addColumn('received_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ops_alerts_service').on('ops_alerts').columns(['service', 'status']).execute();
    },
    async down(db) {
      await db.schema.dropTable('ops_alerts').execute();
    },
  },
};

type Row = OpsTables['ops_alerts'];
const toAlert = (r: Row): StoredAlert => ({
  fingerprint: r.fingerprint,
  name: r.name,
  status: r.status === 'resolved' ? 'resolved' : 'firing',
  severity: r.severity,
  service: r.service,
  environment: r.environment,
  version: r.version,
  labels: fromJson<Record<string, string>>(r.labels),
  annotations: fromJson<Record<string, string>>(r.annotations),
  startsAtMs: Number(r.starts_ms),
  endsAtMs: r.ends_ms === null ? null : Number(r.ends_ms),
  generatorURL: r.generator_url,
  receivedAtMs: Number(r.received_ms),
});

export class AlertStore {
  private readonly db: Kysely<OpsTables>;
  constructor(db: Db) {
    this.db = tablesOf<OpsTables>(db);
  }

  /** Stores each alert's latest state (insert or replace by fingerprint), in the caller's transaction. */
  async upsert(trx: Tx, alerts: readonly StoredAlert[]): Promise<void> {
    const t = tablesOf<OpsTables>(trx);
    for (const a of alerts) {
      const row: Row = {
        fingerprint: a.fingerprint,
        name: a.name,
        status: a.status,
        severity: a.severity,
        service: a.service,
        environment: a.environment,
        version: a.version,
        labels: toJson(a.labels),
        annotations: toJson(a.annotations),
        starts_ms: a.startsAtMs,
        ends_ms: a.endsAtMs,
        generator_url: a.generatorURL,
        received_ms: a.receivedAtMs,
      };
      const { fingerprint, ...rest } = row;
      await t
        .insertInto('ops_alerts')
        .values(row)
        .onConflict((oc) => oc.column('fingerprint').doUpdateSet(rest))
        .execute();
    }
  }

  async list(f: { service?: string; status?: 'firing' | 'resolved'; limit?: number }): Promise<StoredAlert[]> {
    let q = this.db.selectFrom('ops_alerts').selectAll();
    if (f.service !== undefined) q = q.where('service', '=', f.service);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    const rows = await q
      .orderBy('starts_ms', 'desc')
      .orderBy('fingerprint')
      .limit(f.limit ?? 500)
      .execute();
    return rows.map(toAlert);
  }
}
