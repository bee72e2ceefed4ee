import { sql } from 'kysely';
import type { Kysely, Migration, Selectable } from 'kysely';
import { ConflictError } from '../core/errors';
import type { DeployMarker, Deployment } from '../core/hooks';
import { fromJson, lockKey, tablesOf, toJson, transaction, type Db, type Tx } from '../store/db';
import type { Revision } from './revision';
import type { RolloutTables } from './rollout-tables';
import type { RunState } from './run-state';

export const rolloutMigrations: Record<string, Migration> = {
  '202611270600_rollout_tables': {
    async up(db) {
      await db.schema
        .createTable('rollout_revisions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('number', 'bigint', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('artifact', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('rollout_revisions_number', ['service', 'environment', 'number'])
        .execute();
      await db.schema
        .createTable('rollout_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('from_revision', 'text')
        .addColumn('to_revision', 'text', (c) => c.notNull())
        .addColumn('step_index', 'bigint', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema.createIndex('rollout_runs_service').on('rollout_runs').columns(['service', 'environment', 'created_at']).execute();
      await db.schema.createIndex('rollout_runs_active').on('rollout_runs').columns(['active']).execute();
      await db.schema
        .createTable('rollout_steps')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('body', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('rollout_steps_pk', ['run_id', 'idx'])
        .execute();
      await db.schema
        .createTable('rollout_markers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('from_revision', 'text')
        .addColumn('to_revision', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rollout_markers_at').on('rollout_markers').columns(['service', 'environment', 'at_ms']).execute();
      await db.schema
        .createTable('rollout_leases')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db) {
      for (const t of ['rollout_leases', 'rollout_markers', 'rollout_steps', 'rollout_runs', 'rollout_revisions']) await db.schema.dropTable(t).execute();
    },
  },
  /** At most one active run per service and environment, enforced by the database (two racing releases: one wins). */
  '202612031351_rollout_one_active_run': {
    async up(db) {
      await sql`create unique index rollout_runs_one_active on rollout_runs (service, environment) where active = 1`.execute(db);
    },
    async down(db) {
      await db.schema.dropIndex('rollout_runs_one_active').execute();
    },
  },
  /** Which config keys of a revision were given as secrets (JSON list; null = none). */
  '202612031800_rollout_revision_secret_keys': {
    async up(db) {
      await db.schema.alterTable('rollout_revisions').addColumn('secret_keys', 'text').execute();
    },
    async down(db) {
      await db.schema.alterTable('rollout_revisions').dropColumn('secret_keys').execute();
    },
  },
};

const LEASE_LOCK = 0x5347_0600;

/**
 * What RolloutService reads and writes: revisions and runs. Reads without a transaction; the
 * revision insert runs in the transaction that starts its run. Fake: testing/fake-rollout-store.ts.
 */
export interface RolloutStorePort {
  nextRevisionNumber(service: string, environment: string): Promise<number>;
  insertRevision(trx: Tx, r: Revision): Promise<void>;
  revision(id: string): Promise<Revision | undefined>;
  /** Newest first. */
  revisions(service: string, environment: string): Promise<Revision[]>;
  /** Latest runs, newest first. */
  runs(service: string, environment: string, limit?: number): Promise<RunState[]>;
  activeRun(service: string, environment: string): Promise<RunState | undefined>;
  /** The revision serving now: the target of the latest completed run. */
  stableRevision(service: string, environment: string): Promise<Revision | undefined>;
  /** What serves in each (service, environment), optionally of one environment: the target of each one's latest completed run. */
  deployed(environment?: string): Promise<Deployment[]>;
}

export type { Deployment };

/**
 * What RunJournal writes in a transition's transaction. `insertRun` fails on a second active run
 * of a service and environment (unique index); `saveRun` is compare-and-set on the run's version.
 */
export interface RunRecordPort {
  insertRun(trx: Tx, run: RunState): Promise<void>;
  saveRun(trx: Tx, prev: RunState, next: RunState): Promise<RunState>;
  addMarker(trx: Tx, id: string, m: DeployMarker & { runId: string }): Promise<void>;
}

/** Revisions, runs with their steps, deploy markers and executor leases. */
export class RolloutStore implements RolloutStorePort, RunRecordPort {
  private readonly db: Kysely<RolloutTables>;

  constructor(db: Db) {
    this.db = tablesOf<RolloutTables>(db);
  }

  /** The caller's transaction (or handle), narrowed to this capability's tables; else the store's own. */
  private on(q: Db | undefined): Kysely<RolloutTables> {
    return q ? tablesOf<RolloutTables>(q) : this.db;
  }

  async nextRevisionNumber(service: string, environment: string, q?: Db | Tx): Promise<number> {
    const r = await this.on(q)
      .selectFrom('rollout_revisions')
      .select((eb) => eb.fn.max('number').as('n'))
      .where('service', '=', service)
      .where('environment', '=', environment)
      .executeTakeFirst();
    return Number(r?.n ?? 0) + 1;
  }

  async insertRevision(trx: Tx, r: Revision): Promise<void> {
    await this.on(trx)
      .insertInto('rollout_revisions')
      .values({
        id: r.id,
        service: r.service,
        environment: r.environment,
        number: r.number,
        version: r.version,
        artifact: r.artifact,
        config: toJson(r.config),
        secret_keys: r.secretKeys.length ? toJson(r.secretKeys) : null,
        digest: r.digest,
        created_at: r.createdAt,
      })
      .execute();
  }

  async revision(id: string, q?: Db | Tx): Promise<Revision | undefined> {
    const row = await this.on(q).selectFrom('rollout_revisions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRevision(row) : undefined;
  }

  async revisions(service: string, environment: string): Promise<Revision[]> {
    const rows = await this.db
      .selectFrom('rollout_revisions')
      .selectAll()
      .where('service', '=', service)
      .where('environment', '=', environment)
      .orderBy('number', 'desc')
      .execute();
    return rows.map(toRevision);
  }

  async insertRun(trx: Tx, run: RunState): Promise<void> {
    const q = this.on(trx);
    await q.insertInto('rollout_runs').values(runRow(run)).execute();
    for (const s of run.steps) await q.insertInto('rollout_steps').values(stepRow(run.id, s)).execute();
  }

  /**
   * Stores a transition if nobody stored another since `prev` was read; returns the stored run
   * (version bumped). Throws ConflictError when the run changed meanwhile.
   */
  async saveRun(trx: Tx, prev: RunState, next: RunState): Promise<RunState> {
    const stored = { ...next, version: prev.version + 1 };
    const q = this.on(trx);
    const r = await q.updateTable('rollout_runs').set(runRow(stored)).where('id', '=', prev.id).where('version', '=', prev.version).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new ConflictError(`rollout run ${prev.id} changed meanwhile; try again`);
    for (const s of stored.steps) {
      const before = prev.steps[s.index];
      if (before && JSON.stringify(before) === JSON.stringify(s)) continue;
      const { run_id: _r, idx: _i, ...values } = stepRow(prev.id, s);
      await q.updateTable('rollout_steps').set(values).where('run_id', '=', prev.id).where('idx', '=', s.index).execute();
    }
    return stored;
  }

  async run(id: string, q?: Db | Tx): Promise<RunState | undefined> {
    const row = await this.on(q).selectFrom('rollout_runs').select(['body', 'version']).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const steps = await this.on(q).selectFrom('rollout_steps').select('body').where('run_id', '=', id).orderBy('idx').execute();
    return toRun(row, steps);
  }

  /** Latest runs of a service, newest first. */
  async runs(service: string, environment: string, limit = 50): Promise<RunState[]> {
    const rows = await this.db
      .selectFrom('rollout_runs')
      .select('id')
      .where('service', '=', service)
      .where('environment', '=', environment)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    const out: RunState[] = [];
    for (const r of rows) out.push((await this.run(r.id))!);
    return out;
  }

  async activeRunIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('rollout_runs').select('id').where('active', '=', 1).orderBy('created_at').execute();
    return rows.map((r) => r.id);
  }

  async activeRun(service: string, environment: string, q?: Db | Tx): Promise<RunState | undefined> {
    const row = await this.on(q)
      .selectFrom('rollout_runs')
      .select('id')
      .where('service', '=', service)
      .where('environment', '=', environment)
      .where('active', '=', 1)
      .executeTakeFirst();
    return row ? this.run(row.id, q) : undefined;
  }

  /** The revision serving now: the target of the latest completed run. */
  async stableRevision(service: string, environment: string, q?: Db | Tx): Promise<Revision | undefined> {
    const row = await this.on(q)
      .selectFrom('rollout_runs')
      .select('to_revision')
      .where('service', '=', service)
      .where('environment', '=', environment)
      .where('phase', '=', 'completed')
      .orderBy('finished_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? this.revision(row.to_revision, q) : undefined;
  }

  async deployed(environment?: string): Promise<Deployment[]> {
    // The latest completed run of each (service, environment): no later completed run exists.
    let q = this.db
      .selectFrom('rollout_runs as r')
      .innerJoin('rollout_revisions as v', 'v.id', 'r.to_revision')
      .select(['r.id as run_id', 'r.service', 'r.environment', 'r.finished_at', 'v.id as revision', 'v.version', 'v.artifact', 'v.config'])
      .where('r.phase', '=', 'completed')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('rollout_runs as later')
              .select('later.id')
              .whereRef('later.service', '=', 'r.service')
              .whereRef('later.environment', '=', 'r.environment')
              .where('later.phase', '=', 'completed')
              .where((eb) =>
                eb.or([
                  eb('later.finished_at', '>', eb.ref('r.finished_at')),
                  eb.and([eb('later.finished_at', '=', eb.ref('r.finished_at')), eb('later.id', '>', eb.ref('r.id'))]),
                ]),
              ),
          ),
        ),
      );
    if (environment !== undefined) q = q.where('r.environment', '=', environment);
    const rows = await q.orderBy('r.environment').orderBy('r.service').limit(10_000).execute();
    return rows.map((r) => ({
      service: r.service,
      environment: r.environment,
      version: r.version,
      artifact: r.artifact,
      revision: r.revision,
      runId: r.run_id,
      sinceMs: Number(r.finished_at ?? 0),
      configKeys: Object.keys(fromJson<Record<string, unknown>>(r.config) ?? {}).sort(),
    }));
  }

  async addMarker(trx: Tx, id: string, m: DeployMarker & { runId: string }): Promise<void> {
    await this.on(trx)
      .insertInto('rollout_markers')
      .values({
        id,
        at_ms: m.atMs,
        service: m.service,
        environment: m.environment,
        from_revision: m.fromRevision,
        to_revision: m.toRevision,
        event: m.event,
        run_id: m.runId,
      })
      .execute();
  }

  async markers(f: { service?: string; environment?: string; sinceMs?: number; runId?: string }): Promise<(DeployMarker & { runId: string })[]> {
    let q = this.db.selectFrom('rollout_markers').selectAll().orderBy('at_ms').orderBy('id').limit(10_000);
    if (f.service) q = q.where('service', '=', f.service);
    if (f.environment) q = q.where('environment', '=', f.environment);
    if (f.sinceMs !== undefined) q = q.where('at_ms', '>=', f.sinceMs);
    if (f.runId) q = q.where('run_id', '=', f.runId);
    const rows = await q.execute();
    return rows.map(toMarker);
  }

  /** Takes or renews the lease on a run; false when another live owner holds it. */
  async acquireLease(runId: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return transaction(this.db, async (trx) => {
      await lockKey(trx, LEASE_LOCK);
      const row = await trx.selectFrom('rollout_leases').selectAll().where('run_id', '=', runId).executeTakeFirst();
      if (!row) {
        await trx
          .insertInto('rollout_leases')
          .values({ run_id: runId, owner, expires_at: nowMs + ttlMs })
          .execute();
        return true;
      }
      if (row.owner !== owner && row.expires_at > nowMs) return false;
      await trx
        .updateTable('rollout_leases')
        .set({ owner, expires_at: nowMs + ttlMs })
        .where('run_id', '=', runId)
        .execute();
      return true;
    });
  }

  /** Extends a lease this owner holds, in one statement; false when it lost the lease. */
  async renewLease(runId: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('rollout_leases')
      .set({ expires_at: nowMs + ttlMs })
      .where('run_id', '=', runId)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseLeases(owner: string): Promise<void> {
    await this.db.deleteFrom('rollout_leases').where('owner', '=', owner).execute();
  }

  async releaseLease(runId: string, owner: string): Promise<void> {
    await this.db.deleteFrom('rollout_leases').where('run_id', '=', runId).where('owner', '=', owner).execute();
  }
}

function runRow(run: RunState): Selectable<RolloutTables['rollout_runs']> {
  const { steps: _s, ...rest } = run;
  return {
    id: run.id,
    service: run.service,
    environment: run.environment,
    phase: run.phase,
    active: run.phase === 'completed' || run.phase === 'rolledBack' ? 0 : 1,
    from_revision: run.fromRevision,
    to_revision: run.toRevision,
    step_index: run.stepIndex,
    body: toJson(rest),
    version: run.version,
    created_at: run.createdAtMs,
    updated_at: run.updatedAtMs,
    finished_at: run.finishedAtMs,
  };
}

function stepRow(runId: string, s: RunState['steps'][number]): Selectable<RolloutTables['rollout_steps']> {
  return {
    run_id: runId,
    idx: s.index,
    kind: s.kind,
    label: s.label,
    status: s.status,
    started_at: s.startedAtMs,
    finished_at: s.finishedAtMs,
    body: toJson(s),
  };
}

// Row → domain, one function per table. Number() stays where a driver could hand back a string
// (an aggregate, or a bigint read without db.ts's type parsers).

function toRevision(row: Selectable<RolloutTables['rollout_revisions']>): Revision {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    number: Number(row.number),
    version: row.version,
    artifact: row.artifact,
    config: fromJson<Record<string, string>>(row.config),
    secretKeys: row.secret_keys === null || row.secret_keys === undefined ? [] : fromJson<string[]>(row.secret_keys),
    digest: row.digest,
    createdAt: row.created_at,
  };
}

/** A run is its body with its steps (stored apart, so a transition rewrites only the steps it changed). */
function toRun(
  row: Pick<Selectable<RolloutTables['rollout_runs']>, 'body' | 'version'>,
  steps: Pick<Selectable<RolloutTables['rollout_steps']>, 'body'>[],
): RunState {
  const run = fromJson<RunState>(row.body);
  run.steps = steps.map((s) => fromJson(s.body));
  run.version = Number(row.version);
  return run;
}

function toMarker(r: Selectable<RolloutTables['rollout_markers']>): DeployMarker & { runId: string } {
  return {
    atMs: Number(r.at_ms),
    service: r.service,
    environment: r.environment,
    fromRevision: r.from_revision,
    toRevision: r.to_revision,
    event: r.event,
    runId: r.run_id,
  };
}
