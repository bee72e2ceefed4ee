/**
 * The `outbox` table: notifications written in the transaction of the state change that causes
 * them and sent after commit by the OutboxSender. Times here are wall-clock ms (Date.now), not the
 * server's domain clock: they schedule network retries, and must advance in tests that freeze it.
 */
import type { Kysely, Migration, Selectable } from 'kysely';
import { newId } from '../core/ids';
import type { OutboxMessage } from '../core/hooks';
import { fromJson, tablesOf, toJson, type Db, type Tx } from '../store/db';
import { urlHost } from '../egress/egress-policy';
import type { OutboxTables } from './outbox-tables';

export const outboxMigrations: Record<string, Migration> = {
  '202612031330_outbox_messages': {
    async up(db) {
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        // pending → sent | dead
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_attempt_ms', 'bigint')
        .addColumn('sent_ms', 'bigint')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .execute();
      await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_ms']).execute();
    },
    async down(db) {
      await db.schema.dropTable('outbox').execute();
    },
  },
};

export type OutboxStatus = 'pending' | 'sent' | 'dead';

/** A stored message, URL and payload included: for the sender only. */
export interface OutboxRow {
  id: string;
  kind: string;
  url: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  createdMs: number;
  nextAttemptMs: number;
  lastAttemptMs: number | null;
  sentMs: number | null;
  lastStatus: number | null;
  lastError: string | null;
}

/** What the outbox view shows: the target's host only (a URL may carry a secret token in its path). */
export interface OutboxView extends Omit<OutboxRow, 'url' | 'payload'> {
  host: string;
}

/** Row → domain. */
function row(r: Selectable<OutboxTables['outbox']>): OutboxRow {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: r.id,
    kind: r.kind,
    url: r.url,
    payload: fromJson(r.payload),
    status: r.status,
    attempts: Number(r.attempts),
    createdMs: Number(r.created_ms),
    nextAttemptMs: Number(r.next_attempt_ms),
    lastAttemptMs: n(r.last_attempt_ms),
    sentMs: n(r.sent_ms),
    lastStatus: n(r.last_status),
    lastError: r.last_error ?? null,
  };
}

export function toView(r: OutboxRow): OutboxView {
  const { url, payload: _payload, ...rest } = r;
  return { ...rest, host: urlHost(url) };
}

export class OutboxStore {
  private readonly db: Kysely<OutboxTables>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.db = tablesOf<OutboxTables>(db);
  }

  /** Inserts a pending message in the caller's transaction; due at once. */
  async enqueue(trx: Tx, m: OutboxMessage): Promise<string> {
    const t = this.now();
    const id = newId('obx', t);
    await tablesOf<OutboxTables>(trx)
      .insertInto('outbox')
      .values({
        id,
        kind: m.kind,
        url: m.url,
        payload: toJson(m.payload ?? null),
        status: 'pending',
        attempts: 0,
        created_ms: t,
        next_attempt_ms: t,
        last_attempt_ms: null,
        sent_ms: null,
        last_status: null,
        last_error: null,
      })
      .execute();
    return id;
  }

  /** Pending messages due at `nowMs`, oldest first. */
  async due(nowMs: number, limit: number): Promise<OutboxRow[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_ms', '<=', nowMs)
      .orderBy('next_attempt_ms')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(row);
  }

  /**
   * Takes one attempt at `r` (compare-and-set on its attempt count, so two replicas never send the
   * same attempt) and leases it until `leaseUntilMs`: a sender that dies mid-send leaves the row due again then.
   */
  async claim(r: OutboxRow, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable('outbox')
      .set({ attempts: r.attempts + 1, last_attempt_ms: nowMs, next_attempt_ms: leaseUntilMs })
      .where('id', '=', r.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', r.attempts)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Records the outcome of attempt `attempt` (ignored when another sender has since taken a later one). */
  async record(
    trx: Tx,
    id: string,
    attempt: number,
    outcome: { status: OutboxStatus; nextAttemptMs?: number; sentMs?: number; lastStatus?: number | null; lastError?: string | null },
  ): Promise<boolean> {
    const res = await tablesOf<OutboxTables>(trx)
      .updateTable('outbox')
      .set({
        status: outcome.status,
        ...(outcome.nextAttemptMs !== undefined ? { next_attempt_ms: outcome.nextAttemptMs } : {}),
        ...(outcome.sentMs !== undefined ? { sent_ms: outcome.sentMs } : {}),
        last_status: outcome.lastStatus ?? null,
        last_error: outcome.lastError ?? null,
      })
      .where('id', '=', id)
      .where('attempts', '=', attempt)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async list(filter: { status?: OutboxStatus; kind?: string; limit: number }): Promise<OutboxRow[]> {
    let q = this.db.selectFrom('outbox').selectAll().orderBy('created_ms', 'desc').orderBy('id', 'desc').limit(filter.limit);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    return (await q.execute()).map(row);
  }

  async get(id: string): Promise<OutboxRow | undefined> {
    const r = await this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? row(r) : undefined;
  }
}
