import { randomBytes, scrypt as scryptCb, timingSafeEqual, createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { Migration } from 'kysely';
import { UnauthenticatedError, NotFoundError } from '../core/errors';
import type { Db, Tx } from '../store/db';
import type { Principal, Role } from './roles';
import { newId } from '../core/ids';

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
};

export interface TokenInfo {
  id: string;
  role: Role;
  user: string;
  environment: string | null;
  description: string | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

/** How long a verified token is remembered in memory, so scrypt does not run on every request. */
const CACHE_MS = 30_000;

/**
 * Bearer tokens: `sgt_<id>.<secret>`. Only a scrypt hash of the secret is stored; comparison is
 * constant-time.
 */
export class TokenStore {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly db: Db) {}

  /** Creates a token; the plain text is returned once and never stored. */
  async create(
    trx: Tx,
    opts: { role: Role; user?: string; environment?: string; description?: string; createdBy: string; nowMs: number },
  ): Promise<{ token: string; info: TokenInfo }> {
    const id = newId('tok', opts.nowMs).slice(4);
    const secret = randomBytes(24).toString('base64url');
    const salt = randomBytes(16);
    const hash = await scrypt(secret, salt, 32);
    const info: TokenInfo = {
      id,
      role: opts.role,
      user: opts.user ?? `token:${id}`,
      environment: opts.environment ?? null,
      description: opts.description ?? null,
      createdAt: new Date(opts.nowMs).toISOString(),
      createdBy: opts.createdBy,
      revokedAt: null,
    };
    await trx
      .insertInto('tokens')
      .values({
        id,
        salt: salt.toString('hex'),
        secret_hash: hash.toString('hex'),
        role: info.role,
        user_name: info.user,
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
    const r = await this.db.selectFrom('tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('created_at').execute();
    return rows.map(rowToInfo);
  }

  async revoke(trx: Tx, id: string, nowMs: number): Promise<TokenInfo> {
    const row = await trx.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`token ${id} not found`);
    await trx.updateTable('tokens').set({ revoked_at: new Date(nowMs).toISOString() }).where('id', '=', id).execute();
    this.cache.clear();
    return rowToInfo({ ...row, revoked_at: new Date(nowMs).toISOString() });
  }

  /** Resolves a bearer token to its principal, or throws UnauthenticatedError. */
  async authenticate(token: string, nowMs: number = Date.now()): Promise<Principal> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit && hit.until > nowMs) return hit.principal;
    const m = /^sgt_([0-9a-f]{20})\.([A-Za-z0-9_-]{16,64})$/.exec(token);
    if (!m) throw new UnauthenticatedError('malformed token: expected sgt_<id>.<secret>');
    const row = await this.db.selectFrom('tokens').selectAll().where('id', '=', m[1]).executeTakeFirst();
    // Hash even when the id is unknown, so timing does not reveal which ids exist.
    const salt = row ? Buffer.from(String(row.salt), 'hex') : Buffer.alloc(16);
    const got = await scrypt(m[2], salt, 32);
    const want = row ? Buffer.from(String(row.secret_hash), 'hex') : Buffer.alloc(32, 1);
    if (!row || !timingSafeEqual(got, want)) throw new UnauthenticatedError('unknown token');
    if (row.revoked_at) throw new UnauthenticatedError('token revoked');
    const principal: Principal = {
      tokenId: String(row.id),
      role: row.role as Role,
      user: String(row.user_name),
      ...(row.environment ? { environment: String(row.environment) } : {}),
    };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { principal, until: nowMs + CACHE_MS });
    return principal;
  }
}

function rowToInfo(r: Record<string, unknown>): TokenInfo {
  return {
    id: String(r.id),
    role: r.role as Role,
    user: String(r.user_name),
    environment: (r.environment as string | null) ?? null,
    description: (r.description as string | null) ?? null,
    createdAt: String(r.created_at),
    createdBy: String(r.created_by),
    revokedAt: (r.revoked_at as string | null) ?? null,
  };
}
