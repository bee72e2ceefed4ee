/**
 * The `verify_evidence` table: one row per verification result recorded against a revision.
 * Rows are only ever inserted (a new result supersedes an older one by time, see evidence.ts);
 * each insert writes a `verify.evidence` audit event in the same transaction.
 */
import type { Migration } from 'kysely';
import type { Kysely } from 'kysely';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../store/db';
import type { VerifyTables } from './verify-tables';
import type { EvidenceRecord, EvidenceSubject, VerificationKind } from './evidence';

export const verifyMigrations: Record<string, Migration> = {
  '202612040100_verify_evidence': {
    async up(db) {
      await db.schema
        .createTable('verify_evidence')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('artifact', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('irreversible', 'integer', (c) => c.notNull())
        .addColumn('recorded_ms', 'bigint', (c) => c.notNull())
        .addColumn('recorded_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('verify_evidence_revision').on('verify_evidence').columns(['service', 'version', 'artifact', 'kind']).execute();
    },
    async down(db) {
      await db.schema.dropTable('verify_evidence').execute();
    },
  },
  // Contract verifications name their other party, so can-i-deploy finds a consumer's pacts.
  '202612050100_verify_evidence_counterpart': {
    async up(db) {
      await db.schema
        .alterTable('verify_evidence')
        .addColumn('counterpart', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('verify_evidence')
        .addColumn('counterpart_version', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.createIndex('verify_evidence_counterpart').on('verify_evidence').columns(['kind', 'counterpart']).execute();
    },
    async down(db) {
      await db.schema.dropIndex('verify_evidence_counterpart').execute();
      await db.schema.alterTable('verify_evidence').dropColumn('counterpart_version').execute();
      await db.schema.alterTable('verify_evidence').dropColumn('counterpart').execute();
    },
  },
};

type EvidenceRow = VerifyTables['verify_evidence'];

function toRecord(r: EvidenceRow): EvidenceRecord {
  return {
    id: r.id,
    service: r.service,
    version: r.version,
    artifact: r.artifact,
    kind: r.kind as VerificationKind,
    verdict: r.verdict === 'pass' ? 'pass' : 'fail',
    summary: r.summary,
    inputs: fromJson<Record<string, string>>(r.inputs),
    result: fromJson<unknown>(r.result),
    irreversible: Number(r.irreversible) === 1,
    counterpart: r.counterpart ? { service: r.counterpart, version: r.counterpart_version } : null,
    recordedAtMs: Number(r.recorded_ms),
    recordedBy: r.recorded_by,
  };
}

export class EvidenceStore {
  private readonly db: Kysely<VerifyTables>;

  constructor(db: Db) {
    this.db = tablesOf<VerifyTables>(db);
  }

  async insert(trx: Tx, e: EvidenceRecord): Promise<void> {
    await tablesOf<VerifyTables>(trx)
      .insertInto('verify_evidence')
      .values({
        id: e.id,
        service: e.service,
        version: e.version,
        artifact: e.artifact,
        kind: e.kind,
        verdict: e.verdict,
        summary: e.summary,
        inputs: toJson(e.inputs),
        result: toJson(e.result),
        irreversible: e.irreversible ? 1 : 0,
        recorded_ms: e.recordedAtMs,
        recorded_by: e.recordedBy,
        counterpart: e.counterpart?.service ?? '',
        counterpart_version: e.counterpart?.version ?? '',
      })
      .execute();
  }

  /** Every record for a revision (or every version of a service when `version` is left out), newest first, at most `limit`. */
  async list(filter: Partial<EvidenceSubject> & { service: string; kind?: VerificationKind; limit?: number }): Promise<EvidenceRecord[]> {
    let q = this.db.selectFrom('verify_evidence').selectAll().where('service', '=', filter.service);
    if (filter.version !== undefined) q = q.where('version', '=', filter.version);
    if (filter.artifact !== undefined) q = q.where('artifact', '=', filter.artifact);
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
    const rows = await q
      .orderBy('recorded_ms', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 500)
      .execute();
    return rows.map(toRecord);
  }

  /** Pact verifications with `service` as the provider or as the consumer (any version), newest first, at most 5,000 of each. */
  async contracts(service: string): Promise<EvidenceRecord[]> {
    const base = () => this.db.selectFrom('verify_evidence').selectAll().where('kind', '=', 'pact').where('counterpart', '<>', '');
    const [asProvider, asConsumer] = await Promise.all([
      base().where('service', '=', service).orderBy('recorded_ms', 'desc').limit(5000).execute(),
      base().where('counterpart', '=', service).orderBy('recorded_ms', 'desc').limit(5000).execute(),
    ]);
    const seen = new Set<string>();
    return [...asProvider, ...asConsumer].filter((r) => !seen.has(r.id) && seen.add(r.id)).map(toRecord);
  }

  async get(id: string): Promise<EvidenceRecord | undefined> {
    const r = await this.db.selectFrom('verify_evidence').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }
}
