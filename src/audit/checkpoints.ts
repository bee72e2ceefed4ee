/**
 * Signed checkpoints of the audit chain's head. The chain alone cannot tell a deleted tail from a
 * shorter log; a checkpoint signed with the server's Ed25519 key (kept in a file, never in the
 * database) can: verification finds fewer events than the checkpoint covers, or a different hash
 * at its sequence number.
 *
 * The server writes one to the `audit_checkpoints` table and to `DATA/audit-checkpoint.json` every
 * `checkpointEvery` events (default 1,000) and every `checkpointIntervalMs` (default a minute)
 * when the head moved, always after commit: appends only wake the writer, which reads the
 * committed head on its own. `shipgate audit checkpoint export` signs the head on demand, for
 * storing somewhere the host cannot reach.
 */
import { createPublicKey, sign, verify as verifySignature } from 'node:crypto';
import { z } from 'zod';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { canonicalJson, newId } from '../core/ids';
import { PRIVATE_FILE_MODE, tighten } from '../core/private-files';
import type { Selectable } from 'kysely';
import { tablesOf, type Db } from '../store/db';
import type { AuditTables } from './audit-tables';
import { publicKeyFingerprint, type SigningKey } from './audit-keys';
import type { AuditLog, ChainVerdict } from './audit-log';

/** The shared handle or a transaction, narrowed to these tables (src/store/db.ts tablesOf). */
const own = (q: Db) => tablesOf<AuditTables>(q);

/** Service name under which the server provides its AuditCheckpoints (ctx.services). */
export const AUDIT_CHECKPOINTS = 'audit.checkpoints';

declare module '../core/hooks' {
  interface HookTypes {
    /** Provided by the server itself (src/server.ts), read by the audit routes. */
    [AUDIT_CHECKPOINTS]: AuditCheckpoints;
  }
}

/** What is signed: the head of the chain and which keys it was written and signed with. */
export interface CheckpointBody {
  v: 1;
  headSeq: number;
  headHash: string;
  count: number;
  /** ISO-8601 UTC, when the checkpoint was taken. */
  at: string;
  keyedFromSeq: number | null;
  /** Id of the MAC key the chain is keyed with (audit-keys.ts macKeyId). */
  macKeyId: string | null;
  /** SHA-256 hex of the signing public key (SPKI DER). */
  publicKeyFingerprint: string;
}

/** A checkpoint as stored and exported: the body, the public key (SPKI PEM) and an Ed25519 signature (base64). */
export interface Checkpoint extends CheckpointBody {
  publicKey: string;
  signature: string;
}

export interface CheckpointOptions {
  /** Events between automatic checkpoints. Default 1,000. */
  checkpointEvery?: number;
  /** Period of the timed checkpoint, ms (skipped when the head has not moved). Default 60,000. */
  checkpointIntervalMs?: number;
}

/** Verification of the chain against signed checkpoints, as the API returns it. */
export type AuditVerdict = ChainVerdict & {
  /** The checkpoints the chain was compared with, newest first. */
  checkpoints?: { source: 'table' | 'file' | 'given'; headSeq: number; at: string }[];
};

function bodyOf(c: CheckpointBody): CheckpointBody {
  return {
    v: 1,
    headSeq: c.headSeq,
    headHash: c.headHash,
    count: c.count,
    at: c.at,
    keyedFromSeq: c.keyedFromSeq,
    macKeyId: c.macKeyId,
    publicKeyFingerprint: c.publicKeyFingerprint,
  };
}

export function signCheckpoint(key: SigningKey, body: Omit<CheckpointBody, 'v' | 'publicKeyFingerprint'>): Checkpoint {
  const full = bodyOf({ ...body, v: 1, publicKeyFingerprint: key.fingerprint });
  const signature = sign(null, Buffer.from(canonicalJson(full)), key.privateKey).toString('base64');
  return { ...full, publicKey: key.publicKeyPem, signature };
}

/** The shape of a checkpoint read from anywhere (the table, a file, a user). */
const checkpointShape = z.object({
  v: z.number().int(),
  headSeq: z.number().int().nonnegative(),
  headHash: z.string(),
  count: z.number().int().nonnegative(),
  at: z.string(),
  keyedFromSeq: z.number().int().nullable(),
  macKeyId: z.string().nullable(),
  publicKeyFingerprint: z.string(),
  publicKey: z.string(),
  signature: z.string(),
});

/**
 * Checks a checkpoint from anywhere (the table, a file, a user): well formed, signed by the public
 * key it carries, and that key is `trusted` (this server's). Returns the reason it is not.
 */
export function checkCheckpoint(c: unknown, trusted: SigningKey): { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string } {
  const parsed = checkpointShape.safeParse(c);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      reason: issue.path.length ? `not a checkpoint: field "${issue.path.join('.')}": ${issue.message}` : 'not a checkpoint: expected a JSON object',
    };
  }
  const cp = parsed.data as Checkpoint;
  if (cp.v !== 1) return { ok: false, reason: `checkpoint version ${cp.v} is not supported` };
  let fp: string;
  let pub: ReturnType<typeof createPublicKey>;
  try {
    pub = createPublicKey(cp.publicKey);
    fp = publicKeyFingerprint(pub);
  } catch {
    return { ok: false, reason: 'checkpoint publicKey is not a public key' };
  }
  if (pub.asymmetricKeyType !== 'ed25519') return { ok: false, reason: 'checkpoint publicKey is not an Ed25519 key' };
  if (fp !== cp.publicKeyFingerprint) return { ok: false, reason: 'checkpoint publicKey does not match its publicKeyFingerprint (edited)' };
  let good = false;
  try {
    good = verifySignature(null, Buffer.from(canonicalJson(bodyOf(cp))), pub, Buffer.from(cp.signature, 'base64'));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: `checkpoint of sequence ${cp.headSeq} does not verify against its signature (edited or forged)` };
  if (fp !== trusted.fingerprint)
    return {
      ok: false,
      reason: `checkpoint was signed by key ${fp.slice(0, 16)}…, not this server's signing key ${trusted.fingerprint.slice(0, 16)}… (${trusted.file})`,
    };
  return { ok: true, checkpoint: { ...bodyOf(cp), publicKey: cp.publicKey, signature: cp.signature } };
}

/**
 * Compares a verified chain with a trusted checkpoint: the chain must reach the checkpoint's head,
 * hold the same hash there and start its keyed part where the checkpoint says.
 */
export function compareWithCheckpoint(
  chain: ChainVerdict & { ok: true },
  cp: Checkpoint,
  hashAtHead: string | undefined,
  macKeyId: string | null,
): ChainVerdict {
  const where = `the signed checkpoint of ${cp.at}`;
  if (cp.keyedFromSeq !== chain.keyedFromSeq) {
    const seq = Math.min(cp.keyedFromSeq ?? Infinity, chain.keyedFromSeq ?? Infinity, chain.events + 1);
    return {
      ok: false,
      events: chain.events,
      seq,
      reason: `the keyed chain starts at ${chain.keyedFromSeq ?? 'no sequence'} in the database but at ${cp.keyedFromSeq ?? 'none'} in ${where} (chain rewritten)`,
    };
  }
  if (cp.macKeyId !== macKeyId)
    return {
      ok: false,
      events: chain.events,
      seq: cp.keyedFromSeq ?? 1,
      reason: `${where} was taken under MAC key ${cp.macKeyId}, this server holds ${macKeyId}`,
    };
  if (chain.headSeq < cp.headSeq) {
    const missing = cp.headSeq - chain.headSeq;
    return {
      ok: false,
      events: chain.events,
      seq: chain.headSeq + 1,
      missing,
      reason: `${missing} events missing after sequence ${chain.headSeq} (${where} covers up to ${cp.headSeq})`,
    };
  }
  if (hashAtHead !== cp.headHash) {
    return { ok: false, events: chain.events, seq: cp.headSeq, reason: `event ${cp.headSeq} does not match ${where} (the chain was rewritten)` };
  }
  return chain;
}

export class AuditCheckpoints {
  readonly file: string;
  private readonly every: number;
  private readonly intervalMs: number;
  private pending = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private lastHeadSeq = -1;
  private retries = 0;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    readonly key: SigningKey,
    dataDir: string,
    private readonly log: Pick<Logger, 'warn'>,
    options: CheckpointOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.file = join(dataDir, 'audit-checkpoint.json');
    this.every = Math.max(1, options.checkpointEvery ?? 1000);
    this.intervalMs = Math.max(10, options.checkpointIntervalMs ?? 60_000);
  }

  /** Starts the timed checkpoints and the every-N-events ones. */
  start(): void {
    this.stopped = false;
    this.audit.onAppend((n) => {
      this.pending += n;
      // Inside the appending transaction: only schedule. The pass reads the committed head.
      if (this.pending >= this.every) setImmediate(() => this.wake(false));
    });
    this.timer = setInterval(() => this.wake(true), this.intervalMs);
    this.timer.unref();
    // Counts the events written since the newest checkpoint (by this or an earlier run).
    this.wake(false);
  }

  /** Stops the timer and writes a last checkpoint when the head moved since the newest one. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.pass(true).catch((e) => this.log.warn({ err: e }, 'final audit checkpoint failed'));
  }

  private wake(timed: boolean): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass(timed)
      .catch((e) => this.log.warn({ err: e }, 'audit checkpoint failed; the next one retries'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake(false);
        }
      });
  }

  /**
   * One automatic checkpoint: when `every` events passed since the newest, or (timed) when the head
   * moved at all. Woken by appends before their transaction commits, a pass on PostgreSQL can
   * still see the old head: it then looks again shortly (a few times; a rolled-back batch never
   * shows, and the timer covers the rest).
   */
  private async pass(timed: boolean): Promise<void> {
    const head = await this.audit.head(this.db);
    if (this.lastHeadSeq < 0) this.lastHeadSeq = (await this.newest())?.headSeq ?? 0;
    const moved = head.seq - this.lastHeadSeq;
    if (moved > 0 && (timed || moved >= this.every)) {
      await this.create();
      return;
    }
    if (!timed && this.pending >= this.every && this.retries < 10 && !this.stopped) {
      this.retries++;
      setTimeout(() => this.wake(false), 100).unref();
      return;
    }
    this.retries = 0;
    this.pending = Math.max(0, moved);
  }

  /** Signs the committed head now and stores it in the table and the checkpoint file. */
  async create(): Promise<Checkpoint> {
    const head = await this.audit.head(this.db);
    const count = Number(
      (
        await own(this.db)
          .selectFrom('audit_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const keyed = await own(this.db).selectFrom('audit_chain_keys').select('from_seq').where('algorithm', '=', 'hmac-sha256').executeTakeFirst();
    const cp = signCheckpoint(this.key, {
      headSeq: head.seq,
      headHash: head.hash,
      count,
      at: new Date(this.now()).toISOString(),
      keyedFromSeq: keyed ? Number(keyed.from_seq) : null,
      macKeyId: this.audit.mac?.id ?? null,
    });
    await own(this.db)
      .insertInto('audit_checkpoints')
      .values({
        id: newId('acp', this.now()),
        head_seq: cp.headSeq,
        head_hash: cp.headHash,
        count: cp.count,
        at: cp.at,
        keyed_from_seq: cp.keyedFromSeq,
        mac_key_id: cp.macKeyId,
        public_key: cp.publicKey,
        public_key_fingerprint: cp.publicKeyFingerprint,
        signature: cp.signature,
      })
      .execute();
    this.writeFile(cp);
    this.lastHeadSeq = Math.max(this.lastHeadSeq, cp.headSeq);
    this.pending = 0;
    this.retries = 0;
    return cp;
  }

  /** The file only moves forward: an older head never replaces a newer one (a shrunk chain keeps its evidence). */
  private writeFile(cp: Checkpoint): void {
    const current = this.readFile();
    if (current.kind === 'ok' && current.value && typeof current.value === 'object' && Number((current.value as Checkpoint).headSeq) > cp.headSeq) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cp, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
    tighten(tmp, PRIVATE_FILE_MODE);
    renameSync(tmp, this.file);
  }

  private readFile(): { kind: 'none' } | { kind: 'ok'; value: unknown } | { kind: 'bad'; reason: string } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      return { kind: 'bad', reason: `cannot read ${this.file}: ${(e as Error).message}` };
    }
    try {
      return { kind: 'ok', value: JSON.parse(text) };
    } catch {
      return { kind: 'bad', reason: `${this.file} is not JSON` };
    }
  }

  /** The newest stored checkpoint signed with this server's key (not checked). */
  private async newest(): Promise<Checkpoint | undefined> {
    const r = await own(this.db)
      .selectFrom('audit_checkpoints')
      .selectAll()
      .where('public_key_fingerprint', '=', this.key.fingerprint)
      .orderBy('head_seq', 'desc')
      .orderBy('at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? rowToCheckpoint(r) : undefined;
  }

  /** Recent checkpoints, newest first. */
  async list(limit: number): Promise<Checkpoint[]> {
    const rows = await own(this.db).selectFrom('audit_checkpoints').selectAll().orderBy('head_seq', 'desc').orderBy('at', 'desc').limit(limit).execute();
    return rows.map(rowToCheckpoint);
  }

  /**
   * Walks the chain, then compares it with signed checkpoints: `given` (an exported one) alone
   * when passed, else the newest in the table signed with this server's key and the checkpoint file.
   * A checkpoint whose signature fails is itself a finding.
   */
  async verify(given?: unknown): Promise<AuditVerdict> {
    const chain = await this.audit.verify(this.db);
    const sources: { source: 'table' | 'file' | 'given'; raw: unknown }[] = [];
    if (given !== undefined) sources.push({ source: 'given', raw: given });
    else {
      const newest = await this.newest();
      if (newest) sources.push({ source: 'table', raw: newest });
      const f = this.readFile();
      if (f.kind === 'bad') return { ok: false, events: chain.events, seq: 0, reason: f.reason };
      if (f.kind === 'ok') sources.push({ source: 'file', raw: f.value });
    }
    const used: NonNullable<AuditVerdict['checkpoints']> = [];
    const checked: Checkpoint[] = [];
    for (const s of sources) {
      const c = checkCheckpoint(s.raw, this.key);
      // seq 0: no event is at fault, the checkpoint itself is (edited, forged, or another key's).
      if (!c.ok)
        return {
          ok: false,
          events: chain.events,
          seq: 0,
          reason: `${s.source === 'table' ? 'stored' : s.source === 'file' ? this.file + ':' : 'given'} ${c.reason}`,
        };
      checked.push(c.checkpoint);
      used.push({ source: s.source, headSeq: c.checkpoint.headSeq, at: c.checkpoint.at });
    }
    if (!chain.ok) return { ...chain, checkpoints: used };
    // The checkpoint reaching furthest first: a deleted tail shows as missing events against it.
    checked.sort((a, b) => b.headSeq - a.headSeq);
    for (const cp of checked) {
      const r = compareWithCheckpoint(chain, cp, await this.audit.hashAt(this.db, cp.headSeq), this.audit.mac?.id ?? null);
      if (!r.ok) return { ...r, checkpoints: used };
    }
    return { ...chain, checkpoints: used };
  }
}

/** Row → domain. */
function rowToCheckpoint(r: Selectable<AuditTables['audit_checkpoints']>): Checkpoint {
  return {
    v: 1,
    headSeq: Number(r.head_seq),
    headHash: r.head_hash,
    count: Number(r.count),
    at: r.at,
    keyedFromSeq: r.keyed_from_seq === null || r.keyed_from_seq === undefined ? null : Number(r.keyed_from_seq),
    macKeyId: r.mac_key_id ?? null,
    publicKeyFingerprint: r.public_key_fingerprint,
    publicKey: r.public_key,
    signature: r.signature,
  };
}
