import type { Kysely, Migration, Selectable } from 'kysely';
import { ConflictError, InputError, NotFoundError, RefusedError } from '../core/errors';
import { tablesOf, type Db, type Tx } from '../store/db';
import { newId } from '../core/ids';
import type { TokenTables } from './auth-tables';

/** The shared handle or a transaction, narrowed to these tables (src/store/db.ts tablesOf). */
const own = (q: Db) => tablesOf<TokenTables>(q);

/**
 * People (and service identities) that tokens belong to. Segregation of duties looks at the user a
 * token resolves to, so one person's two tokens are one person. A user is never deleted or renamed:
 * disabling keeps the row, so a name stays bound to one identity for the life of the store and the
 * names stored on change requests, approvals and audit events keep meaning that one user.
 */
export interface UserInfo {
  id: string;
  name: string;
  displayName: string | null;
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
}

/** Names the system acts under (audit actors, rollout engine, schedules); no person may take one. */
export const RESERVED_USER_NAMES = ['system', 'shipgate', 'root', 'anonymous', 'unknown'] as const;

/** Why `name` may not be given to a person, or undefined when it may (case-insensitive). */
export function reservedReason(name: string): string | undefined {
  const n = name.trim().toLowerCase();
  if ((RESERVED_USER_NAMES as readonly string[]).includes(n)) return `"${name}" is a name the system acts under`;
  // Every actor the system writes has the form `kind:id` (system:rollout, token:<id>, rollout:<id>,
  // schedule:<user>), so no person's name may contain a colon.
  if (n.includes(':')) return `"${name}" has the form of a system actor (system:…, token:…): user names may not contain ":"`;
  return undefined;
}

/** What a person's user name looks like: no spaces, no colon, at most 100 characters. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$/;

/** Throws IDENTITY_REFUSED for a reserved name, INPUT_INVALID for a malformed one. */
export function assertUsableName(name: string): void {
  const why = reservedReason(name);
  if (why) throw new RefusedError('IDENTITY_REFUSED', `${why}; choose another user name`, { name });
  if (!USER_NAME_PATTERN.test(name)) {
    throw new InputError(`invalid user name "${name}": letters, digits and . _ @ + - only, starting with a letter or digit, at most 100 characters`, [
      { path: 'name', message: 'expected e.g. alice or alice@example.com' },
    ]);
  }
}

export const userMigrations: Record<string, Migration> = {
  /**
   * Users, and a user for every token. Existing tokens carried a free-text `user_name`; each distinct
   * value becomes a user (created when its oldest token was), so old databases keep working and
   * every name keeps meaning the same identity it did.
   */
  '202612031610_auth_users': {
    async up(db) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema.alterTable('tokens').addColumn('user_id', 'text').execute();
      await db.schema.createIndex('tokens_user_id').on('tokens').column('user_id').execute();
      await migrateTokenUsers(db);
    },
    async down(db) {
      await db.schema.dropIndex('tokens_user_id').execute();
      await db.schema.alterTable('tokens').dropColumn('user_id').execute();
      await db.schema.dropTable('users').execute();
    },
  },
};

/**
 * Turns each distinct `tokens.user_name` without a user into one, and links its tokens. A name
 * reserved for the system (`shipgate`, `system:…`) was an impersonation the old free-text field
 * allowed: its user is created disabled, so those tokens stop working. A token's own default
 * identity (`token:<its id>`) stays enabled.
 */
export async function migrateTokenUsers(db: Kysely<TokenTables>, nowMs: number = Date.now()): Promise<number> {
  const names = await db
    .selectFrom('tokens')
    .select(['user_name', (eb) => eb.fn.min('created_at').as('first'), (eb) => eb.fn.min('id').as('one'), (eb) => eb.fn.count('id').as('n')])
    .where('user_id', 'is', null)
    .groupBy('user_name')
    .orderBy('user_name')
    .execute();
  for (const r of names) {
    const name = String(r.user_name);
    const first = String(r.first);
    const ownIdentity = Number(r.n) === 1 && name === `token:${String(r.one)}`;
    const disabledAt = reservedReason(name) && !ownIdentity ? new Date(nowMs).toISOString() : null;
    const existing = await db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
    const id = existing ? String(existing.id) : newId('usr', Date.parse(first) || nowMs);
    if (!existing) {
      await db.insertInto('users').values({ id, name, display_name: null, created_at: first, created_by: 'shipgate', disabled_at: disabledAt }).execute();
    }
    await db.updateTable('tokens').set({ user_id: id }).where('user_name', '=', name).where('user_id', 'is', null).execute();
  }
  return names.length;
}

export class UserStore {
  constructor(private readonly db: Db) {}

  async list(): Promise<UserInfo[]> {
    const rows = await own(this.db).selectFrom('users').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map(rowToUser);
  }

  async find(name: string, trx: Tx | Db = this.db): Promise<UserInfo | undefined> {
    const row = await own(trx).selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? rowToUser(row) : undefined;
  }

  /** The user a token may be created for: exists and is enabled. */
  async usable(trx: Tx, name: string): Promise<UserInfo> {
    const u = await this.find(name, trx);
    if (!u) throw new NotFoundError(`user "${name}" does not exist: run \`shipgate user create ${name}\` first, then create the token`);
    if (u.disabledAt)
      throw new RefusedError('IDENTITY_REFUSED', `user "${name}" was disabled at ${u.disabledAt}; its tokens no longer work and no new ones are issued`, {
        name,
      });
    return u;
  }

  /** Creates a person's user; refuses reserved and taken names (also those differing only in case). */
  async create(trx: Tx, opts: { name: string; displayName?: string; createdBy: string; nowMs: number }): Promise<UserInfo> {
    assertUsableName(opts.name);
    return this.insert(trx, opts);
  }

  /**
   * A token's own identity (`token:<id>`), for service tokens created without a user. The name has
   * the reserved form, so no person can ever be given it.
   */
  async createServiceIdentity(trx: Tx, tokenId: string, createdBy: string, nowMs: number): Promise<UserInfo> {
    return this.insert(trx, { name: `token:${tokenId}`, displayName: `service identity of token ${tokenId}`, createdBy, nowMs });
  }

  private async insert(trx: Tx, opts: { name: string; displayName?: string; createdBy: string; nowMs: number }): Promise<UserInfo> {
    const clash = await own(trx)
      .selectFrom('users')
      .select('name')
      .where((eb) => eb(eb.fn('lower', ['name']), '=', opts.name.toLowerCase()))
      .executeTakeFirst();
    if (clash) {
      throw new ConflictError(
        clash.name === opts.name
          ? `user "${opts.name}" already exists`
          : `user "${clash.name}" already exists; names differing only in case would be two people who look like one`,
        { name: opts.name },
      );
    }
    const u: UserInfo = {
      id: newId('usr', opts.nowMs),
      name: opts.name,
      displayName: opts.displayName ?? null,
      createdAt: new Date(opts.nowMs).toISOString(),
      createdBy: opts.createdBy,
      disabledAt: null,
    };
    await own(trx)
      .insertInto('users')
      .values({ id: u.id, name: u.name, display_name: u.displayName, created_at: u.createdAt, created_by: u.createdBy, disabled_at: null })
      .execute();
    return u;
  }

  /** Disables a user: every token of theirs stops working (the caller clears the token cache). */
  async disable(trx: Tx, name: string, nowMs: number): Promise<{ before: UserInfo; after: UserInfo }> {
    const before = await this.find(name, trx);
    if (!before) throw new NotFoundError(`user "${name}" does not exist`);
    if (before.disabledAt) throw new ConflictError(`user "${name}" is already disabled (since ${before.disabledAt})`);
    const at = new Date(nowMs).toISOString();
    await own(trx).updateTable('users').set({ disabled_at: at }).where('id', '=', before.id).execute();
    return { before, after: { ...before, disabledAt: at } };
  }
}

/** Row → domain. */
function rowToUser(r: Selectable<TokenTables['users']>): UserInfo {
  return {
    id: r.id,
    name: r.name,
    displayName: r.display_name ?? null,
    createdAt: r.created_at,
    createdBy: r.created_by,
    disabledAt: r.disabled_at ?? null,
  };
}
