import { randomBytes, scrypt as scryptCb, timingSafeEqual, createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { Migration, Selectable } from 'kysely';
import { UnauthenticatedError, NotFoundError, RateLimitedError } from '../core/errors';
import { tablesOf, type Db, type Tx } from '../store/db';
import type { Principal, Role } from './roles';
import { newId } from '../core/ids';
import { UserStore, userMigrations } from './users';
import { AuthGuard, type AuthGuardOptions } from './auth-guard';
import type { TokenTables } from './auth-tables';

/** The shared handle or a transaction, narrowed to these tables (src/store/db.ts tablesOf). */
const own = (q: Db) => tablesOf<TokenTables>(q);

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const tokenMigrations: Record<string, Migration> = {
  '202611270002_auth_tokens': {
    async up(db) {
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('salt', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('environment', 'text')
        .addColumn('description', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('tokens').execute();
    },
  },
  ...userMigrations,
};

export interface TokenInfo {
  id: string;
  role: Role;
  /** The name of the user the token belongs to. */
  user: string;
  userId: string;
  environment: string | null;
  description: string | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

/** How long a verified token is remembered in memory, so scrypt does not run on every request. */
const CACHE_MS = 30_000;

/**
 * The bucket key for a client address: IPv4 (also IPv4-mapped IPv6) as is, IPv6 by its /64, since
 * one host usually holds a whole /64 and could otherwise rotate through fresh buckets.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1];
  if (!a.includes(':')) return a;
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Bearer tokens: `sgt_<id>.<secret>`. Only a scrypt hash of the secret is stored; comparison is
 * constant-time. Every token belongs to a user (users.ts); the principal carries that user.
 */
export class TokenStore {
  readonly users: UserStore;
  /** Negative cache and per-address limit on failed verifications (auth-guard.ts). */
  readonly guard: AuthGuard;
  /** Secret verifications (scrypt runs) done by authenticate, for metrics and tests. */
  scryptCount = 0;
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  /** Bumped by forget(): a verification that started before a revoke or disable is not cached. */
  private generation = 0;
  /** Verifications under way, by token hash: concurrent requests with one token share one scrypt. */
  private readonly inflight = new Map<string, Promise<Principal>>();

  constructor(
    private readonly db: Db,
    opts: { guard?: AuthGuardOptions } = {},
  ) {
    this.users = new UserStore(db);
    this.guard = new AuthGuard(opts.guard);
  }

  /**
   * Creates a token for `user` (an existing, enabled user) or, without one, for a new service
   * identity `token:<id>`. The plain text is returned once and never stored.
   */
  async create(
    trx: Tx,
    opts: { role: Role; user?: string; environment?: string; description?: string; createdBy: string; nowMs: number },
  ): Promise<{ token: string; info: TokenInfo }> {
    const id = newId('tok', opts.nowMs).slice(4);
    const owner =
      opts.user !== undefined ? await this.users.usable(trx, opts.user) : await this.users.createServiceIdentity(trx, id, opts.createdBy, opts.nowMs);
    const secret = randomBytes(24).toString('base64url');
    const salt = randomBytes(16);
    const hash = await scrypt(secret, salt, 32);
    const info: TokenInfo = {
      id,
      role: opts.role,
      user: owner.name,
      userId: owner.id,
      environment: opts.environment ?? null,
      description: opts.description ?? null,
      createdAt: new Date(opts.nowMs).toISOString(),
      createdBy: opts.createdBy,
      revokedAt: null,
    };
    await own(trx)
      .insertInto('tokens')
      .values({
        id,
        salt: salt.toString('hex'),
        secret_hash: hash.toString('hex'),
        role: info.role,
        user_name: info.user,
        user_id: info.userId,
        environment: info.environment,
        description: info.description,
        created_at: info.createdAt,
        created_by: info.createdBy,
        revoked_at: null,
      })
      .execute();
    return { token: `sgt_${id}.${secret}`, info };
  }

  async count(): Promise<number> {
    const r = await own(this.db)
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private selectTokens(db: Db | Tx) {
    return own(db)
      .selectFrom('tokens')
      .leftJoin('users', 'users.id', 'tokens.user_id')
      .selectAll('tokens')
      .select(['users.name as owner_name', 'users.disabled_at as owner_disabled_at']);
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await this.selectTokens(this.db).orderBy('tokens.created_at').execute();
    return rows.map(rowToInfo);
  }

  async revoke(trx: Tx, id: string, nowMs: number): Promise<TokenInfo> {
    const row = await this.selectTokens(trx).where('tokens.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`token ${id} not found`);
    await own(trx)
      .updateTable('tokens')
      .set({ revoked_at: new Date(nowMs).toISOString() })
      .where('id', '=', id)
      .execute();
    this.forget();
    return rowToInfo({ ...row, revoked_at: new Date(nowMs).toISOString() });
  }

  /** Forgets every verified token, so a revoked token or a disabled user stops working at once. */
  forget(): void {
    this.generation++;
    this.cache.clear();
  }

  /**
   * Resolves a bearer token to its principal, or throws UnauthenticatedError (401). `client` is the
   * caller's address: an address that caused too many failed verifications gets RateLimitedError
   * (429) before any scrypt runs; a token verified recently still works from it.
   */
  async authenticate(token: string, nowMs: number = Date.now(), client?: string): Promise<Principal> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit && hit.until > nowMs) return hit.principal;
    const m = /^sgt_([0-9a-f]{20})\.([A-Za-z0-9_-]{16,64})$/.exec(token);
    if (!m) throw new UnauthenticatedError('malformed token: expected sgt_<id>.<secret>');
    const running = this.inflight.get(key);
    if (running) return running;
    const address = clientKey(client);
    const wait = this.guard.take(address, nowMs);
    if (wait > 0) {
      throw new RateLimitedError(`too many failed token checks from ${address}; try again in ${wait} s`, wait);
    }
    if (this.guard.knownBad(key, nowMs)) throw new UnauthenticatedError('unknown token');
    const generation = this.generation;
    const p = this.verify(m[1], m[2]).then(
      (principal) => {
        this.guard.give(address, nowMs);
        if (this.cache.size >= 10_000) this.cache.clear();
        if (generation === this.generation) this.cache.set(key, { principal, until: nowMs + CACHE_MS });
        return principal;
      },
      (e: unknown) => {
        if (e instanceof UnauthenticatedError) this.guard.rememberBad(key, nowMs);
        throw e;
      },
    );
    this.inflight.set(key, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(key);
    }
  }

  private async verify(id: string, secret: string): Promise<Principal> {
    const row = await this.selectTokens(this.db).where('tokens.id', '=', id).executeTakeFirst();
    // Hash even when the id is unknown, so timing does not reveal which ids exist.
    const salt = row ? Buffer.from(row.salt, 'hex') : Buffer.alloc(16);
    this.scryptCount++;
    const got = await scrypt(secret, salt, 32);
    const want = row ? Buffer.from(row.secret_hash, 'hex') : Buffer.alloc(32, 1);
    if (!row || !timingSafeEqual(got, want)) throw new UnauthenticatedError('unknown token');
    if (row.revoked_at) throw new UnauthenticatedError('token revoked');
    if (!row.user_id || !row.owner_name) throw new UnauthenticatedError('token belongs to no user; create a new one with shipgate token create --user NAME');
    if (row.owner_disabled_at) throw new UnauthenticatedError(`user ${row.owner_name} is disabled`);
    return {
      tokenId: row.id,
      role: row.role,
      user: row.owner_name,
      userId: row.user_id,
      ...(row.environment ? { environment: row.environment } : {}),
    };
  }
}

/** Row → domain: a token row with its owner's name (null when the user row is missing). */
function rowToInfo(r: Selectable<TokenTables['tokens']> & { owner_name: string | null }): TokenInfo {
  return {
    id: r.id,
    role: r.role,
    user: r.owner_name ?? r.user_name,
    userId: r.user_id ?? '',
    environment: r.environment ?? null,
    description: r.description ?? null,
    createdAt: r.created_at,
    createdBy: r.created_by,
    revokedAt: r.revoked_at ?? null,
  };
}
