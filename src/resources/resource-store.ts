import type { Insertable, Migration, Selectable } from 'kysely';
import { canonicalJson, sha256 } from '../core/ids';
import type { Manifest } from '../core/manifest';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../store/db';
import type { AuditInput, AuditLog } from '../audit/audit-log';
import type { ResourceTables } from './resource-tables';

/** The shared handle or a transaction, narrowed to these tables (src/store/db.ts tablesOf). */
const own = (q: Db) => tablesOf<ResourceTables>(q);

/** Rows per batched read or insert. */
const CHUNK = 500;

export const resourceMigrations: Record<string, Migration> = {
  '202611270003_resources': {
    async up(db) {
      await db.schema
        .createTable('resources')
        .addColumn('api_version', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('generation', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('resources_pk', ['api_version', 'kind', 'name'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('resources').execute();
    },
  },
};

/** A stored resource with its bookkeeping. */
export interface StoredResource<S = unknown> {
  manifest: Manifest<S>;
  hash: string;
  /** Increments on every change; lets watchers and caches tell versions apart. */
  generation: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export type PutResult = 'created' | 'updated' | 'unchanged';

export function manifestHash(m: Manifest): string {
  return sha256(canonicalJson(m));
}

/** Generic storage of every kind's manifests. Writes go through a transaction and are audited. */
export class ResourceStore {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => number,
    /** Replaces secret fields (the kind's `secretPaths`) in audited states: the log never holds a secret. */
    private readonly redact: (m: Manifest) => Manifest = (m) => m,
  ) {}

  async get<S = unknown>(apiVersion: string, kind: string, name: string, q: Db | Tx = this.db): Promise<StoredResource<S> | undefined> {
    const row = await own(q)
      .selectFrom('resources')
      .selectAll()
      .where('api_version', '=', apiVersion)
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toStored<S>(row) : undefined;
  }

  async list<S = unknown>(apiVersion: string, kind: string, q: Db | Tx = this.db): Promise<StoredResource<S>[]> {
    const rows = await own(q).selectFrom('resources').selectAll().where('api_version', '=', apiVersion).where('kind', '=', kind).orderBy('name').execute();
    return rows.map((r) => toStored<S>(r));
  }

  /** Creates or updates; an identical manifest is a no-op with no audit event. */
  async put(trx: Tx, m: Manifest, actor: string): Promise<PutResult> {
    return (await this.putMany(trx, [m], actor))[0];
  }

  /**
   * Creates or updates many manifests in one go: one read per kind, batched inserts, one audit
   * append. Results are in input order. Names must be unique within the batch.
   */
  async putMany(trx: Tx, manifests: Manifest[], actor: string): Promise<PutResult[]> {
    const existing = new Map<string, StoredResource>();
    const byKind = new Map<string, { apiVersion: string; kind: string; names: string[] }>();
    for (const m of manifests) {
      const k = `${m.apiVersion}\u0000${m.kind}`;
      if (!byKind.has(k)) byKind.set(k, { apiVersion: m.apiVersion, kind: m.kind, names: [] });
      byKind.get(k)!.names.push(m.metadata.name);
    }
    for (const { apiVersion, kind, names } of byKind.values()) {
      for (let i = 0; i < names.length; i += CHUNK) {
        const rows = await own(trx)
          .selectFrom('resources')
          .selectAll()
          .where('api_version', '=', apiVersion)
          .where('kind', '=', kind)
          .where('name', 'in', names.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) existing.set(`${apiVersion}\u0000${kind}\u0000${r.name}`, toStored(r));
      }
    }
    const at = new Date(this.now()).toISOString();
    const results: PutResult[] = [];
    const inserts: Insertable<ResourceTables['resources']>[] = [];
    const events: AuditInput[] = [];
    for (const m of manifests) {
      const old = existing.get(`${m.apiVersion}\u0000${m.kind}\u0000${m.metadata.name}`);
      const hash = manifestHash(m);
      if (old && old.hash === hash) {
        results.push('unchanged');
        continue;
      }
      if (old) {
        await own(trx)
          .updateTable('resources')
          .set({ body: toJson(m), hash, generation: old.generation + 1, updated_at: at, updated_by: actor })
          .where('api_version', '=', m.apiVersion)
          .where('kind', '=', m.kind)
          .where('name', '=', m.metadata.name)
          .execute();
      } else {
        inserts.push({
          api_version: m.apiVersion,
          kind: m.kind,
          name: m.metadata.name,
          body: toJson(m),
          hash,
          generation: 1,
          created_at: at,
          updated_at: at,
          updated_by: actor,
        });
      }
      results.push(old ? 'updated' : 'created');
      events.push({
        actor,
        action: old ? 'resource.update' : 'resource.create',
        kind: m.kind,
        name: m.metadata.name,
        before: old ? this.redact(old.manifest) : undefined,
        after: this.redact(m),
        details: { apiVersion: m.apiVersion },
      });
    }
    for (let i = 0; i < inserts.length; i += CHUNK)
      await own(trx)
        .insertInto('resources')
        .values(inserts.slice(i, i + CHUNK))
        .execute();
    await this.audit.appendMany(trx, events);
    return results;
  }

  /** Deletes; returns false when there was nothing to delete. */
  async delete(trx: Tx, apiVersion: string, kind: string, name: string, actor: string): Promise<boolean> {
    const existing = await this.get(apiVersion, kind, name, trx);
    if (!existing) return false;
    await own(trx).deleteFrom('resources').where('api_version', '=', apiVersion).where('kind', '=', kind).where('name', '=', name).execute();
    await this.audit.append(trx, {
      actor,
      action: 'resource.delete',
      kind,
      name,
      before: this.redact(existing.manifest),
      details: { apiVersion },
    });
    return true;
  }
}

/** Row → domain. */
function toStored<S>(r: Selectable<ResourceTables['resources']>): StoredResource<S> {
  return {
    manifest: fromJson<Manifest<S>>(r.body),
    hash: r.hash,
    generation: Number(r.generation),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}
