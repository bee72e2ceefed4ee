/**
 * Tables of the slo capability: remembered alert states (so each firing/resolved transition is
 * notified once, across restarts and replicas) and pending postmortems.
 */
import type { Kysely, Migration, Selectable } from 'kysely';
import { fromJson, lockKey, tablesOf, toJson, transaction, type Db, type Tx } from '../store/db';
import type { AlertState } from './burn-alerts';
import type { SloTables } from './slo-tables';

export const sloMigrations: Record<string, Migration> = {
  '202611270600_slo_alerts_postmortems': {
    async up(db) {
      await db.schema
        .createTable('slo_alert_states')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('slo_postmortems')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('slo', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('budget_share', 'double precision', (c) => c.notNull())
        .addColumn('from_ms', 'bigint', (c) => c.notNull())
        .addColumn('to_ms', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('slo_postmortems_service').on('slo_postmortems').columns(['service', 'status']).execute();
    },
    async down(db) {
      await db.schema.dropTable('slo_postmortems').execute();
      await db.schema.dropTable('slo_alert_states').execute();
    },
  },
};

/** Advisory lock key of the alert loop (one replica evaluates at a time on PostgreSQL). */
const ALERT_LOCK = 0x510a1e;

export interface PendingPostmortem {
  id: string;
  service: string;
  slo: string;
  reference: string;
  budgetShare: number;
  fromMs: number;
  toMs: number;
  status: 'pending' | 'done';
  createdMs: number;
}

/** Row → domain. */
function toPostmortem(r: Selectable<SloTables['slo_postmortems']>): PendingPostmortem {
  return {
    id: r.id,
    service: r.service,
    slo: r.slo,
    reference: r.reference,
    budgetShare: Number(r.budget_share),
    fromMs: Number(r.from_ms),
    toMs: Number(r.to_ms),
    status: r.status,
    createdMs: Number(r.created_ms),
  };
}

/**
 * What the alert loop and the postmortem routes ask of the slo tables. Fake:
 * testing/fake-slo-store.ts.
 */
export interface SloStorePort {
  /** Alert states read and the changed ones saved in one transaction, under the loop's lock; `fn` does no network I/O. */
  withAlertStates(fn: (states: Record<string, AlertState>, trx: Tx) => Promise<Record<string, AlertState>>, nowMs: number): Promise<void>;
  /** False when one with that id exists. */
  addPostmortem(p: PendingPostmortem, trx?: Tx): Promise<boolean>;
  postmortems(service?: string, status?: string): Promise<PendingPostmortem[]>;
  /** The status before, or undefined when there is none. */
  completePostmortem(id: string, trx?: Tx): Promise<'pending' | 'done' | undefined>;
}

export class SloStore implements SloStorePort {
  constructor(private readonly db: Db) {}

  /** The caller's transaction (or handle), narrowed to this capability's tables; else the store's own. */
  private on(q: Db = this.db): Kysely<SloTables> {
    return tablesOf<SloTables>(q);
  }

  /**
   * Runs `fn` with the stored alert states under the loop's lock and saves the states it returns
   * (only those keys), all in one transaction; `fn` writes its notifications to the outbox in `trx`
   * and must do no network I/O.
   */
  async withAlertStates(fn: (states: Record<string, AlertState>, trx: Tx) => Promise<Record<string, AlertState>>, nowMs: number): Promise<void> {
    await transaction(this.db, async (trx) => {
      await lockKey(trx, ALERT_LOCK);
      const q = this.on(trx);
      const rows = await q.selectFrom('slo_alert_states').select(['key', 'state']).execute();
      const states = Object.fromEntries(rows.map((r) => [r.key, fromJson<AlertState>(r.state)]));
      const changed = await fn(states, trx);
      for (const [key, st] of Object.entries(changed)) {
        await q
          .insertInto('slo_alert_states')
          .values({ key, state: toJson(st), updated_ms: nowMs })
          .onConflict((oc) => oc.column('key').doUpdateSet({ state: toJson(st), updated_ms: nowMs }))
          .execute();
      }
    });
  }

  /** Records a pending postmortem; false when one with that id exists. `q`: the caller's transaction, to audit in. */
  async addPostmortem(p: PendingPostmortem, trx?: Db | Tx): Promise<boolean> {
    const q = this.on(trx);
    const existing = await q.selectFrom('slo_postmortems').select('id').where('id', '=', p.id).executeTakeFirst();
    if (existing) return false;
    await q
      .insertInto('slo_postmortems')
      .values({
        id: p.id,
        service: p.service,
        slo: p.slo,
        reference: p.reference,
        budget_share: p.budgetShare,
        from_ms: p.fromMs,
        to_ms: p.toMs,
        status: p.status,
        created_ms: p.createdMs,
      })
      .execute();
    return true;
  }

  async postmortems(service?: string, status?: string): Promise<PendingPostmortem[]> {
    let q = this.on().selectFrom('slo_postmortems').selectAll().orderBy('created_ms');
    if (service) q = q.where('service', '=', service);
    if (status) q = q.where('status', '=', status as PendingPostmortem['status']);
    return (await q.execute()).map(toPostmortem);
  }

  /** Marks a postmortem done; returns its status before, or undefined when there is none. */
  async completePostmortem(id: string, trx?: Db | Tx): Promise<'pending' | 'done' | undefined> {
    const q = this.on(trx);
    const before = await q.selectFrom('slo_postmortems').select('status').where('id', '=', id).executeTakeFirst();
    if (!before) return undefined;
    await q.updateTable('slo_postmortems').set({ status: 'done' }).where('id', '=', id).execute();
    return before.status;
  }
}
