import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Insertable, Migration, Selectable } from 'kysely';
import { canonicalJson, sha256 } from '../core/ids';
import { lockKey, fromJson, tablesOf, toJson, transaction, type Db, type Tx } from '../store/db';
import type { MacKey } from './audit-keys';
import type { AuditTables } from './audit-tables';

/** The shared handle or a transaction, narrowed to these tables (src/store/db.ts tablesOf). */
const own = (q: Db) => tablesOf<AuditTables>(q);

type EventRow = Selectable<AuditTables['audit_events']>;

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
  // From which sequence number on events are chained with HMAC-SHA256 (and under which key);
  // events before it were written with plain SHA-256 by an earlier version and verify that way.
  '202612031600_audit_keyed_chain': {
    async up(db) {
      await db.schema
        .createTable('audit_chain_keys')
        .addColumn('from_seq', 'bigint', (c) => c.primaryKey())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('audit_chain_keys').execute();
    },
  },
  // Signed heads of the chain (see checkpoints.ts): a deleted tail or a recomputed chain no longer
  // matches the newest one.
  '202612031601_audit_checkpoints': {
    async up(db) {
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('head_seq', 'bigint', (c) => c.notNull())
        .addColumn('head_hash', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('keyed_from_seq', 'bigint')
        .addColumn('mac_key_id', 'text')
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('public_key_fingerprint', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_checkpoints_key_head').on('audit_checkpoints').columns(['public_key_fingerprint', 'head_seq']).execute();
    },
    async down(db) {
      await db.schema.dropTable('audit_checkpoints').execute();
    },
  },
};

export const HMAC_ALGORITHM = 'hmac-sha256';

/** The outcome of walking the chain. */
export type ChainVerdict =
  | { ok: true; events: number; headSeq: number; headHash: string; keyedFromSeq: number | null }
  | { ok: false; events: number; seq: number; reason: string; missing?: number };

/** Hash of a state, or null when there is none (created / deleted). */
export function stateHash(v: unknown): string | null {
  return v === undefined || v === null ? null : sha256(canonicalJson(v));
}

/**
 * The text an event's link is computed over: canonical JSON of its fields and the previous hash.
 * Written out by hand in canonicalJson's order (keys sorted) because verify runs it a million
 * times; equal to `canonicalJson({seq, at, actor, action, kind, name, beforeHash, afterHash,
 * details, prevHash})`, which is how events were always chained.
 */
function chainedText(e: Omit<AuditEvent, 'hash'>): string {
  const j = JSON.stringify;
  return (
    `{"action":${j(e.action)},"actor":${j(e.actor)},"afterHash":${j(e.afterHash)},"at":${j(e.at)},"beforeHash":${j(e.beforeHash)},` +
    `"details":${canonicalJson(e.details)},"kind":${j(e.kind)},"name":${j(e.name)},"prevHash":${j(e.prevHash)},"seq":${j(e.seq)}}`
  );
}

/** Plain SHA-256 link: how events were chained before the keyed chain (still verified that way). */
function eventHash(e: Omit<AuditEvent, 'hash'>): string {
  return sha256(chainedText(e));
}

/** An event's link as this log writes it: HMAC-SHA256 under `mac`, plain SHA-256 without (exported for bench/audit, which builds chains in bulk). */
export function eventLink(mac: MacKey | undefined, e: Omit<AuditEvent, 'hash'>): string {
  return mac ? eventMac(mac.key, e) : eventHash(e);
}

/** HMAC-SHA256 link: only someone holding the key file can compute it. */
function eventMac(key: Buffer | KeyObject, e: Omit<AuditEvent, 'hash'>): string {
  return createHmac('sha256', key).update(chainedText(e)).digest('hex');
}

/**
 * The hash-chained, append-only audit log. `append` must be called inside the transaction of the
 * mutation it records, so both commit or neither does.
 *
 * With a MAC key (the server always passes one; see audit-keys.ts) each event's `hash` is an
 * HMAC-SHA256 over the event and the previous hash, so a chain edited or recomputed by someone
 * holding only the database no longer verifies. `ensureKeyedChain` records from which sequence
 * number the keyed chain starts; older events (plain SHA-256) verify the old way.
 */
export class AuditLog {
  private readonly appendListeners: ((n: number) => void)[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    /** Absent only for the audit bench's "before" run (plain SHA-256, as before the keyed chain). */
    readonly mac?: MacKey,
  ) {}

  /**
   * Hears of appended events. Called inside the appending transaction, before it commits: a
   * listener may only schedule work for later, never touch the database or files itself.
   */
  onAppend(fn: (n: number) => void): void {
    this.appendListeners.push(fn);
  }

  /**
   * Makes sure the chain is keyed from some sequence on, under this server's key. On a new store
   * the keyed chain starts at 1; on a store written by an earlier version it starts after the
   * current head with an `audit.rekey` event (itself MAC-chained to the last plain event). A store
   * already keyed with another key refuses the start: its events could not be verified.
   */
  async ensureKeyedChain(db: Db): Promise<number | null> {
    const mac = this.mac;
    if (!mac) return null;
    return transaction(db, async (trx) => {
      await lockKey(trx, AUDIT_LOCK);
      const rows = await own(trx).selectFrom('audit_chain_keys').selectAll().orderBy('from_seq', 'desc').execute();
      const keyed = rows.find((r) => r.algorithm === HMAC_ALGORITHM);
      if (keyed) {
        if (keyed.key_id !== mac.id) {
          throw new Error(
            `the audit log is chained with key ${keyed.key_id} but ${mac.file} holds key ${mac.id}: every server on one database must use the same key file (SHIPGATE_AUDIT_KEY_FILE)`,
          );
        }
        return Number(keyed.from_seq);
      }
      const last = await own(trx).selectFrom('audit_events').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const head = last ? Number(last.seq) : 0;
      const at = new Date(this.now()).toISOString();
      await own(trx)
        .insertInto('audit_chain_keys')
        .values({ from_seq: head + 1, algorithm: HMAC_ALGORITHM, key_id: mac.id, at })
        .execute();
      if (head > 0) {
        await this.append(trx, {
          actor: 'shipgate',
          action: 'audit.rekey',
          kind: 'AuditLog',
          name: 'chain',
          details: { algorithm: HMAC_ALGORITHM, keyId: mac.id, fromSeq: head + 1, previous: 'sha256' },
        });
      }
      return head + 1;
    });
  }

  async append(trx: Tx, input: AuditInput): Promise<AuditEvent> {
    return (await this.appendMany(trx, [input]))[0];
  }

  /** Appends several events in order with one lock, one read of the chain head and batched inserts. */
  async appendMany(trx: Tx, inputs: AuditInput[]): Promise<AuditEvent[]> {
    if (inputs.length === 0) return [];
    await lockKey(trx, AUDIT_LOCK);
    const last = await own(trx).selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    let seq = last ? Number(last.seq) : 0;
    let prevHash = last ? String(last.hash) : GENESIS_HASH;
    const at = new Date(this.now()).toISOString();
    const events: AuditEvent[] = [];
    const rows: Insertable<AuditTables['audit_events']>[] = [];
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
      const ev: AuditEvent = { ...base, hash: eventLink(this.mac, base) };
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
        // Canonical, so verify can hash the stored text as it is (see storedStateMatches).
        before_json: input.before === undefined ? null : canonicalJson(input.before ?? null),
        after_json: input.after === undefined ? null : canonicalJson(input.after ?? null),
        details: ev.details ? toJson(ev.details) : null,
        prev_hash: ev.prevHash,
        hash: ev.hash,
      });
    }
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await own(trx)
        .insertInto('audit_events')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    for (const l of this.appendListeners) l(events.length);
    return events;
  }

  /** Events in chain order, optionally filtered. */
  async list(
    db: Db,
    filter: { kind?: string; name?: string; afterSeq?: number; limit?: number } = {},
  ): Promise<(AuditEvent & { before?: unknown; after?: unknown })[]> {
    let q = own(db).selectFrom('audit_events').selectAll().orderBy('seq', 'asc');
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

  /** The newest event's sequence number and hash (0 and the genesis hash for an empty log). */
  async head(db: Db): Promise<{ seq: number; hash: string }> {
    const last = await own(db).selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /** The stored hash of event `seq`, if there is one. */
  async hashAt(db: Db, seq: number): Promise<string | undefined> {
    const r = await own(db).selectFrom('audit_events').select('hash').where('seq', '=', seq).executeTakeFirst();
    return r ? r.hash : undefined;
  }

  /**
   * Walks the whole chain. Any row edited, deleted or reordered in the database breaks a hash or a
   * link; the first such event is reported. Events from the keyed chain's start on must carry this
   * server's MAC: a chain recomputed with plain SHA-256 fails at its first keyed event. A deleted
   * tail leaves a valid shorter chain: only a signed checkpoint (checkpoints.ts) tells.
   */
  async verify(db: Db): Promise<ChainVerdict> {
    const segments = (await own(db).selectFrom('audit_chain_keys').selectAll().orderBy('from_seq', 'asc').execute()).map((r) => ({
      fromSeq: Number(r.from_seq),
      algorithm: r.algorithm,
      keyId: r.key_id,
    }));
    const keyedFromSeq = segments.find((x) => x.algorithm === HMAC_ALGORITHM)?.fromSeq ?? null;
    let seg = -1; // index of the segment in force (-1: plain SHA-256 from the start)
    let prev = GENESIS_HASH;
    let expectSeq = 1;
    let count = 0;
    // Small pages keep the rows young: collected by the scavenger instead of promoted (measured:
    // about a third less CPU per event than 10,000-row pages, over 200,000 events).
    const pageSize = 1000;
    const mac = this.mac;
    const macKey = mac ? createSecretKey(mac.key) : undefined;
    for (;;) {
      const rows = await own(db).selectFrom('audit_events').selectAll().where('seq', '>=', expectSeq).orderBy('seq', 'asc').limit(pageSize).execute();
      for (const r of rows) {
        const seq = Number(r.seq);
        if (seq !== expectSeq) return { ok: false, events: count, seq: expectSeq, reason: `event ${expectSeq} is missing (next stored is ${seq})` };
        while (seg + 1 < segments.length && segments[seg + 1].fromSeq <= seq) seg++;
        const reason = checkRow(r, seq, prev, seg >= 0 ? segments[seg] : undefined, mac, macKey);
        if (reason) return { ok: false, events: count, seq, reason };
        prev = r.hash;
        expectSeq++;
        count++;
      }
      if (rows.length < pageSize) break;
    }
    // The server records the keyed chain's start before it writes any event: a store without the
    // record, or with a start beyond the head, was edited (and a deleted tail shows here too).
    if (mac && keyedFromSeq === null)
      return {
        ok: false,
        events: count,
        seq: 1,
        reason: 'the record of where the keyed chain starts is gone (audit_chain_keys edited): keyed events cannot be told from plain ones',
      };
    // Past 1 the keyed chain starts with its audit.rekey event, so that event at least exists.
    if (keyedFromSeq !== null && keyedFromSeq > 1 && count < keyedFromSeq) {
      const missing = keyedFromSeq - count;
      return {
        ok: false,
        events: count,
        seq: count + 1,
        missing,
        reason: `${missing} events missing after sequence ${count} (the keyed chain starts at ${keyedFromSeq} with an audit.rekey event)`,
      };
    }
    return { ok: true, events: count, headSeq: count, headHash: prev, keyedFromSeq };
  }
}

/**
 * What is wrong with one stored event, given the link before it and the chain segment in force;
 * undefined when nothing is. Works on the row as read (no event object), as verify runs it a
 * million times.
 */
function checkRow(
  r: EventRow,
  seq: number,
  prev: string,
  s: { fromSeq: number; algorithm: string; keyId: string | null } | undefined,
  mac: MacKey | undefined,
  macKey: KeyObject | undefined,
): string | undefined {
  if (r.prev_hash !== prev) return `event ${seq} does not link to the event before it (deleted, inserted or reordered)`;
  if (s && s.fromSeq === seq && seq > 1 && r.action !== 'audit.rekey')
    return `event ${seq} is recorded as the start of the keyed chain but is not an audit.rekey event (audit_chain_keys edited)`;
  const text = chainedText(rowToEvent(r));
  const hash = r.hash;
  if (s && s.algorithm === HMAC_ALGORITHM) {
    if (!mac || !macKey) return `event ${seq} is MAC-chained but this server holds no audit key`;
    if (s.keyId !== mac.id) return `event ${seq} is chained with key ${s.keyId}, this server holds key ${mac.id}`;
    if (createHmac('sha256', macKey).update(text).digest('hex') !== hash)
      return `event ${seq} was modified after it was written (MAC mismatch: edited, or recomputed without the key)`;
  } else if (s && s.algorithm !== 'sha256') {
    return `event ${seq} is chained with unknown algorithm "${s.algorithm}"`;
  } else if (sha256(text) !== hash) {
    return `event ${seq} was modified after it was written (hash mismatch)`;
  }
  if (!storedStateMatches(r.before_json, r.before_hash ?? null)) return `event ${seq}: stored "before" state does not match its hash`;
  if (!storedStateMatches(r.after_json, r.after_hash ?? null)) return `event ${seq}: stored "after" state does not match its hash`;
  return undefined;
}

/**
 * Whether a stored state (JSON text, or null when none was stored) has the chained hash. States
 * are stored as canonical JSON since the keyed chain, so hashing the text is enough; older rows
 * (plain JSON.stringify, keys in insertion order) are parsed and canonicalised.
 */
function storedStateMatches(stored: unknown, hash: string | null): boolean {
  if (stored === null || stored === undefined) return true;
  const text = String(stored);
  if (text === 'null') return hash === null;
  return sha256(text) === hash || stateHash(fromJson(text)) === hash;
}

/** Row → domain. */
function rowToEvent(r: EventRow): AuditEvent {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    kind: r.kind,
    name: r.name,
    beforeHash: r.before_hash ?? null,
    afterHash: r.after_hash ?? null,
    details: r.details === null || r.details === undefined ? null : fromJson(r.details),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
