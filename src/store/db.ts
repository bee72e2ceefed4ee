import { join } from 'node:path';
import { Kysely, SqliteDialect, PostgresDialect, PostgresAdapter, sql, type Transaction } from 'kysely';
import type { AuditTables } from '../audit/audit-tables';
import type { TokenTables } from '../auth/auth-tables';
import type { ResourceTables } from '../resources/resource-tables';
import type { SeriesTables } from '../metrics/series-tables';
import type { OutboxTables } from '../outbox/outbox-tables';
import type { RolloutTables } from '../rollout/rollout-tables';
import type { ChangeTables } from '../change/change-tables';
import type { SloTables } from '../slo/slo-tables';
import type { AnalysisTables } from '../analysis/analysis-tables';
import type { FlagTables } from '../flags/flag-tables';
import type { VerifyTables } from '../verify/verify-tables';
import type { OpsTables } from '../ops/ops-tables';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type Pg from 'pg';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE, tighten } from '../core/private-files';

// The drivers load on first use, so CLI commands that never open a database start faster.
const require = createRequire(import.meta.url);
let pgModule: typeof Pg | undefined;
function loadPg(): typeof Pg {
  if (!pgModule) {
    pgModule = require('pg') as typeof Pg;
    // int8 (bigint) and numeric come back as strings by default; our values fit in a double.
    pgModule.types.setTypeParser(20, (v) => Number(v));
    pgModule.types.setTypeParser(1700, (v) => Number(v));
  }
  return pgModule;
}

/**
 * Every table of the store, as Kysely sees it: the intersection of what each owner declares
 * beside its migrations (`<capability>-tables.ts`). Column types are what both drivers return:
 * bigint and numeric as numbers (the pg type parsers above), booleans as 0/1 integers, JSON as text.
 */
export type Database = AuditTables &
  TokenTables &
  ResourceTables &
  SeriesTables &
  OutboxTables &
  RolloutTables &
  ChangeTables &
  SloTables &
  AnalysisTables &
  FlagTables &
  VerifyTables &
  OpsTables;

/** The shared handle, and a transaction on it: what services start transactions on and pass around. */
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

/** Any handle that runs queries, whatever tables it is typed with (a narrowed store handle too). */
type Executes = Pick<Db, 'getExecutor'>;
export type Dialect = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

/**
 * Opens the store: PostgreSQL when `url` starts with postgres://, else SQLite (WAL) in `dataDir`.
 * `onConnectionLost` hears of pooled PostgreSQL connections that broke (a restart, a failover, an
 * administrator ending them): a query running on one fails, and the pool opens new ones as needed.
 */
export function openDatabase(opts: {
  url?: string;
  dataDir: string;
  onConnectionLost?: (e: Error) => void;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
}): OpenedDatabase {
  if (opts.url && /^postgres(ql)?:\/\//.test(opts.url)) {
    const pool = new (loadPg().Pool)({ connectionString: opts.url, max: 10 });
    // A connection that breaks emits 'error': the pool re-emits it for idle ones, and nobody
    // listens on one in use (its query fails on its own). Unheard, either would end the process.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', (e) => opts.onConnectionLost?.(e)));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  ensurePrivateDir(opts.dataDir);
  const file = opts.url?.startsWith('sqlite:') ? opts.url.slice('sqlite:'.length) : join(opts.dataDir, 'shipgate.db');
  const onDisk = file !== '' && file !== ':memory:' && !file.startsWith('file:');
  // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database
  // file's mode, so the whole store stays readable by the server's user only.
  if (onDisk) ensurePrivateFile(file);
  const BetterSqlite = require('better-sqlite3') as typeof BetterSqlite3;
  const sqlite = new BetterSqlite(file);
  sqlite.pragma('journal_mode = WAL');
  // Files left by an earlier, wider-moded version are tightened too.
  if (onDisk) for (const f of [`${file}-wal`, `${file}-shm`]) tighten(f, PRIVATE_FILE_MODE);
  // FULL: a commit is on disk (WAL synced) before it returns, so an audited change survives a
  // power cut together with its audit event. NORMAL may lose the last commits; only the audit bench
  // asks for it, to measure what FULL costs.
  sqlite.pragma(`synchronous = ${opts.sqliteSynchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

export function dialectOf(db: Executes): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * One capability's view of the shared handle or of a transaction on it: only its own tables.
 * Kysely's types are invariant in the schema (`Kysely<Database>` is not a `Kysely<RolloutTables>`),
 * so the narrowing is a cast, and this is the one place it is written.
 */
export function tablesOf<T>(q: Db): Kysely<T> {
  return q as unknown as Kysely<T>;
}

/** Runs `fn` in one transaction: every mutation and its audit event commit together or not at all. */
export function transaction<T, DB = Database>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}

/** Serialises writers of one logical resource across server replicas (PostgreSQL); SQLite has one writer anyway. */
export async function lockKey(trx: Executes, key: number): Promise<void> {
  if (dialectOf(trx) === 'postgres') await sql`select pg_advisory_xact_lock(${key})`.execute(trx);
}

/** JSON columns are text in both databases. */
export function toJson(v: unknown): string {
  return JSON.stringify(v ?? null);
}
export function fromJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
