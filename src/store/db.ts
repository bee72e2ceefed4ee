import { join } from 'node:path';
import { Kysely, SqliteDialect, PostgresDialect, PostgresAdapter, sql, type Transaction } from 'kysely';
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

/** Tables are declared by each capability's store; the shared handle is untyped. */
export type Db = Kysely<any>;
export type Tx = Transaction<any>;
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
export function openDatabase(opts: { url?: string; dataDir: string; onConnectionLost?: (e: Error) => void; sqliteSynchronous?: 'FULL' | 'NORMAL' }): OpenedDatabase {
  if (opts.url && /^postgres(ql)?:\/\//.test(opts.url)) {
    const pool = new (loadPg().Pool)({ connectionString: opts.url, max: 10 });
    // A connection that breaks emits 'error': the pool re-emits it for idle ones, and nobody
    // listens on one in use (its query fails on its own). Unheard, either would end the process.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', (e) => opts.onConnectionLost?.(e)));
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  ensurePrivateDir(opts.dataDir);
  const file = opts.url?.startsWith('sqlite:') ? opts.url.slice('sqlite:'.length) : join(opts.dataDir, 'shipgate.db');
  const onDisk = file !== '' && file !== ':memory:' && !file.startsWith('file:');
  // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database
  // file's mode, so the whole store stays readable by the server's user only.
  if (onDisk) ensurePrivateFile(file);
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  // Files left by an earlier, wider-moded version are tightened too.
  if (onDisk) for (const f of [`${file}-wal`, `${file}-shm`]) tighten(f, PRIVATE_FILE_MODE);
  // FULL: a commit is on disk (WAL synced) before it returns, so an audited change survives a
  // power cut together with its audit event. NORMAL may lose the last commits; only the audit bench
  // asks for it, to measure what FULL costs.
  sqlite.pragma(`synchronous = ${opts.sqliteSynchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Runs `fn` in one transaction: every mutation and its audit event commit together or not at all. */
export function transaction<T>(db: Db, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}

/** Serialises writers of one logical resource across server replicas (PostgreSQL); SQLite has one writer anyway. */
export async function lockKey(trx: Tx, key: number): Promise<void> {
  if (dialectOf(trx) === 'postgres') await sql`select pg_advisory_xact_lock(${key})`.execute(trx);
}

/** JSON columns are text in both databases. */
export function toJson(v: unknown): string {
  return JSON.stringify(v ?? null);
}
export function fromJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
