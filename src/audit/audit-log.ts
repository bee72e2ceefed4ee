
import type { Migration } from 'kysely';
import { canonicalJson, sha256 } from '../core/ids';
import { lockKey, fromJson, toJson, type Db, type Tx } from '../store/db';

/** What a capability records for one mutation. */
export interface AuditInput {
  /** The person or system (principal.user). */
  actor: string;
  /** Verb, dotted by capability: `resource.apply`, `token.create`, `rollout.promote`… */
  action: string;
  /** What it acted on, e.g. `Service` and `orders`. */
  kind: string;
  name: string;
  /** State before and after; only their hashes are chained, the values are kept for export. */
  before?: unknown;
  after?: unknown;
  /** Extra facts worth keeping (reason, comment, rule). */
  details?: Record<string, unknown>;
}

export interface AuditEvent {
  seq: number;
  /** ISO-8601 UTC. */
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  beforeHash: string | null;
  afterHash: string | null;
  details: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_LOCK = 0x5347_0001;
/** Rows per multi-row INSERT (13 columns: well under SQLite's and PostgreSQL's parameter limits). */
const INSERT_CHUNK = 500;

export const auditMigrations: Record<string, Migration> = {
  '202611270001_audit_events': {
    async up(db) {
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('before_hash', 'text')
        .addColumn('after_hash', 'text')
        .addColumn('before_json', 'text')
        .addColumn('after_json', 'text')
        .addColumn('details', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_kind_name').on('audit_events').columns(['kind', 'name']).execute();
    },
    async down(db) {
      await db.schema.dropTable('audit_events').execute();
    },
  },
};

/** Hash of a state, or null when there is none (created / deleted). */
export function stateHash(v: unknown): string | null {
  return v === undefined || v === null ? null : sha256(canonicalJson(v));
}

function eventHash(e: Omit<AuditEvent, 'hash'>): string {
  return sha256(
    canonicalJson({
      seq: e.seq,
      at: e.at,
      actor: e.actor,
      action: e.action,
      kind: e.kind,
      name: e.name,
      beforeHash: e.beforeHash,
      afterHash: e.afterHash,
      details: e.details,
      prevHash: e.prevHash,
    }),
  );
}

/**
 * The hash-chained, append-only audit log. `append` must be called inside the transaction of the
 * mutation it records, so both commit or neither does.
 */
export class AuditLog {
  constructor(private readonly now: () => number = Date.now) {}

  async append(trx: Tx, input: AuditInput): Promise<AuditEvent> {
    return (await this.appendMany(trx, [input]))[0];
  }

  /** Appends several events in order with one lock, one read of the chain head and batched inserts. */
  async appendMany(trx: Tx, inputs: AuditInput[]): Promise<AuditEvent[]> {
    if (inputs.length === 0) return [];
    await lockKey(trx, AUDIT_LOCK);
    const last = await trx
      .selectFrom('audit_events')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let seq = last ? Number(last.seq) : 0;
    let prevHash = last ? String(last.hash) : GENESIS_HASH;
    const at = new Date(this.now()).toISOString();
    const events: AuditEvent[] = [];
    const rows: Record<string, unknown>[] = [];
    for (const input of inputs) {
      const base: Omit<AuditEvent, 'hash'> = {
        seq: ++seq,
        at,
        actor: input.actor,
        action: input.action,
        kind: input.kind,
        name: input.name,
        beforeHash: stateHash(input.before),
        afterHash: stateHash(input.after),
        details: input.details ?? null,
        prevHash,
      };
      const ev: AuditEvent = { ...base, hash: eventHash(base) };
      prevHash = ev.hash;
      events.push(ev);
      rows.push({
        seq: ev.seq,
        at: ev.at,
        actor: ev.actor,
        action: ev.action,
        kind: ev.kind,
        name: ev.name,
        before_hash: ev.beforeHash,
        after_hash: ev.afterHash,
        before_json: input.before === undefined ? null : toJson(input.before),
        after_json: input.after === undefined ? null : toJson(input.after),
        details: ev.details ? toJson(ev.details) : null,
        prev_hash: ev.prevHash,
        hash: ev.hash,
      });
    }
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx.insertInto('audit_events').values(rows.slice(i, i + INSERT_CHUNK)).execute();
    }
    return events;
  }

  /** Events in chain order, optionally filtered. */
  async list(db: Db, filter: { kind?: string; name?: string; afterSeq?: number; limit?: number } = {}): Promise<(AuditEvent & { before?: unknown; after?: unknown })[]> {
    let q = db.selectFrom('audit_events').selectAll().orderBy('seq', 'asc');
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.name) q = q.where('name', '=', filter.name);
    if (filter.afterSeq) q = q.where('seq', '>', filter.afterSeq);
    if (filter.limit) q = q.limit(filter.limit);
    const rows = await q.execute();
    return rows.map((r) => ({
      ...rowToEvent(r),
      before: r.before_json === null ? undefined : fromJson(r.before_json),
      after: r.after_json === null ? undefined : fromJson(r.after_json),
    }));
  }

  /**
   * Walks the whole chain. Any row edited, deleted or reordered in the database breaks a hash or a
   * link; the first such event is reported.
   */
  async verify(db: Db): Promise<{ ok: true; events: number } | { ok: false; events: number; seq: number; reason: string }> {
    let prev = GENESIS_HASH;
    let expectSeq = 1;
    let count = 0;
    const pageSize = 5000;
    for (;;) {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>=', expectSeq)
        .orderBy('seq', 'asc')
        .limit(pageSize)
        .execute();
      for (const r of rows) {
        const e = rowToEvent(r);
        if (e.seq !== expectSeq) return { ok: false, events: count, seq: expectSeq, reason: `event ${expectSeq} is missing (next stored is ${e.seq})` };
        if (e.prevHash !== prev) return { ok: false, events: count, seq: e.seq, reason: `event ${e.seq} does not link to the event before it (deleted, inserted or reordered)` };
        const { hash, ...rest } = e;
        if (eventHash(rest) !== hash) return { ok: false, events: count, seq: e.seq, reason: `event ${e.seq} was modified after it was written (hash mismatch)` };
        if (r.before_json !== null && stateHash(fromJson(r.before_json)) !== e.beforeHash) return { ok: false, events: count, seq: e.seq, reason: `event ${e.seq}: stored "before" state does not match its hash` };
        if (r.after_json !== null && stateHash(fromJson(r.after_json)) !== e.afterHash) return { ok: false, events: count, seq: e.seq, reason: `event ${e.seq}: stored "after" state does not match its hash` };
        prev = hash;
        expectSeq++;
        count++;
      }
      if (rows.length < pageSize) break;
    }
    return { ok: true, events: count };
  }
}

function rowToEvent(r: Record<string, unknown>): AuditEvent {
  return {
    seq: Number(r.seq),
    at: String(r.at),
    actor: String(r.actor),
    action: String(r.action),
    kind: String(r.kind),
    name: String(r.name),
    beforeHash: (r.before_hash as string | null) ?? null,
    afterHash: (r.after_hash as string | null) ?? null,
    details: r.details === null || r.details === undefined ? null : fromJson(r.details),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}

