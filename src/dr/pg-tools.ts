/**
 * The I/O of a backup check against a real PostgreSQL server: the connection (through the egress
 * policy, purpose `database`), `pg_dump` and `pg_restore` as child processes, per-table row counts
 * and checksums, amcheck, and the throwaway `shipgate_restore_*` databases. Network I/O: never
 * call any of it inside a store transaction.
 */
import { spawn, spawnSync } from 'node:child_process';
import { egressUrlOf, parsePgUrl } from '../core/pg-url';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import pg from 'pg';
import { EgressDeniedError, type EgressPolicy } from '../egress/egress-policy';
import type { TableStat } from './compare';

/** Where to connect: `host` is the name (for TLS and messages), `address` the checked IP to dial. */
export interface PgTarget {
  host: string;
  address: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  tls: boolean;
}

/** Host, port, database and credentials of a postgres:// URL (the one reader in core). */
export function parseTarget(url: string): Omit<PgTarget, 'address' | 'tls'> | undefined {
  return parsePgUrl(url);
}

export { egressUrlOf };

/** Resolves and checks the address now (names may move between apply and run). */
export async function checkedTarget(policy: EgressPolicy, t: Omit<PgTarget, 'address' | 'tls'>, tls: boolean): Promise<PgTarget> {
  if (isIP(t.host)) {
    const v = policy.checkUrl('database', egressUrlOf(t.host, t.port));
    if (!v.allowed) throw new EgressDeniedError(v.reason);
    return { ...t, address: t.host, tls };
  }
  const lookup = policy.lookup('database');
  const address = await new Promise<string>((resolve, reject) =>
    (lookup as unknown as (h: string, o: object, cb: (e: Error | null, a?: string) => void) => void)(t.host, {}, (e, a) => (e ? reject(e) : resolve(a!))),
  );
  return { ...t, address, tls };
}

export async function connect(t: PgTarget, database = t.database): Promise<pg.Client> {
  const client = new pg.Client({
    host: t.address,
    port: t.port,
    database,
    user: t.user,
    password: t.password,
    connectionTimeoutMillis: 10_000,
    application_name: 'shipgate-dr',
    ...(t.tls ? { ssl: { servername: t.host, rejectUnauthorized: true } } : {}),
  });
  // An error after connect (the server went away) must not crash the process: the query fails instead.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * The environment of pg_dump and pg_restore: connection settings only, the password never on
 * the command line (other users see argv) and nothing of the server's own environment (its
 * DATABASE_URL, tokens) beyond PATH and the locale.
 */
export function toolEnv(t: PgTarget, database: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PGHOST: t.host,
    PGHOSTADDR: t.address,
    PGPORT: String(t.port),
    PGUSER: t.user,
    PGDATABASE: database,
    PGSSLMODE: t.tls ? 'verify-full' : 'disable',
    PGCONNECT_TIMEOUT: '10',
    PGAPPNAME: 'shipgate-dr',
  };
  if (t.password !== undefined) env.PGPASSWORD = t.password;
  if (process.env.LANG) env.LANG = process.env.LANG;
  return env;
}

export interface ToolResult {
  code: number | null;
  /** The last lines pg_dump/pg_restore wrote to stderr: the reason when it failed. */
  stderr: string;
  ms: number;
}

const STDERR_KEEP = 4000;

/** Runs a PostgreSQL client tool; killed (SIGTERM) on abort or after `timeoutMs`. Never throws for a non-zero exit. */
export function runTool(cmd: string, args: string[], env: Record<string, string>, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr = (stderr + s).slice(-STDERR_KEEP);
    });
    const kill = () => child.kill('SIGTERM');
    const timer = setTimeout(() => {
      stderr += `\n${cmd} stopped after ${Math.round(opts.timeoutMs / 1000)} s`;
      kill();
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      resolve({ code, stderr: stderr.trim(), ms: performance.now() - t0 });
    });
  });
}

/** True when the command runs (`--version`); the message when it does not. */
export function toolProblem(cmd: string): string | undefined {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore', timeout: 5000 });
  return r.status === 0 ? undefined : `${cmd} is not installed on the server (Debian package postgresql-client)`;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * User tables (not catalogs, TOAST, temporary schemas, nor tables an extension owns: those come
 * with CREATE EXTENSION, not from the backup).
 */
const LIST_TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  ORDER BY 1, 2`;

/**
 * Rows and a checksum per table. The checksum is the sum (numeric, exact) of a 64-bit hash of each
 * row's text form: order-independent, so it needs no sort, and constant memory, where
 * `md5(string_agg(t::text, '' ORDER BY t::text))` sorts every row and breaks at 1 GB of text.
 * Both sides are read on the same PostgreSQL server (the throwaway database is created there),
 * so `hashtextextended` and the text forms of values agree. A row changed, added or lost changes
 * the sum; a swap of two rows' positions does not, and a table has no order.
 */
export async function tableStats(client: pg.Client, signal?: AbortSignal): Promise<TableStat[]> {
  const tables = await client.query<{ schema: string; name: string }>(LIST_TABLES_SQL);
  const out: TableStat[] = [];
  for (const t of tables.rows) {
    if (signal?.aborted) throw new Error('stopped');
    const r = await client.query<{ n: string; h: string }>(
      `SELECT count(*)::text AS n, coalesce(sum(hashtextextended(shipgate_row::text, 0)::numeric), 0)::text AS h FROM ${ident(t.schema)}.${ident(t.name)} AS shipgate_row`,
    );
    out.push({ table: `${t.schema}.${t.name}`, rows: Number(r.rows[0]!.n), checksum: r.rows[0]!.h });
  }
  return out;
}

export interface AmcheckResult {
  status: 'ok' | 'errors' | 'unavailable';
  indexes: number;
  errors: string[];
  message: string;
}

/** `bt_index_check` on every valid btree index of the restored database; 'unavailable' when amcheck is not installed (postgresql-contrib). */
export async function amcheck(client: pg.Client, signal?: AbortSignal): Promise<AmcheckResult> {
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS amcheck');
  } catch (e) {
    return { status: 'unavailable', indexes: 0, errors: [], message: `amcheck unavailable: ${(e as Error).message}` };
  }
  const idx = await client.query<{ oid: number; name: string }>(`
    SELECT c.oid::int AS oid, c.oid::regclass::text AS name
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE a.amname = 'btree' AND i.indisvalid AND i.indisready AND c.relpersistence <> 't'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
    ORDER BY 2`);
  const errors: string[] = [];
  for (const i of idx.rows) {
    if (signal?.aborted) throw new Error('stopped');
    try {
      await client.query('SELECT bt_index_check($1::oid::regclass)', [i.oid]);
    } catch (e) {
      errors.push(`${i.name}: ${(e as Error).message}`);
    }
  }
  return {
    status: errors.length ? 'errors' : 'ok',
    indexes: idx.rows.length,
    errors,
    message: errors.length ? `${errors.length} of ${idx.rows.length} btree index(es) corrupt` : `${idx.rows.length} btree index(es) sound`,
  };
}

export const THROWAWAY_PREFIX = 'shipgate_restore_';
/** A throwaway older than this is a leftover (a killed server): the next check drops it. One hour leaves any check still running alone. */
export const STALE_MS = 3_600_000;

/** `shipgate_restore_<ms base 36>_<random>`: the creation time in the name, since pg_database keeps none. */
export function throwawayName(nowMs: number): string {
  return `${THROWAWAY_PREFIX}${nowMs.toString(36)}_${randomBytes(5).toString('hex')}`;
}

/** The creation time a throwaway's name carries; undefined for a name not made by throwawayName. Pure. */
export function throwawayCreatedMs(name: string): number | undefined {
  const m = /^shipgate_restore_([0-9a-z]{1,11})_[0-9a-f]{10}$/.exec(name);
  if (!m) return undefined;
  const ms = Number.parseInt(m[1]!, 36);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Throwaways this process created and has not dropped yet: dropped on exit if all else failed. */
const live = new Map<string, PgTarget>();
let exitHook = false;

function dropAtExit(): void {
  // 'exit' allows no asynchronous work: psql (postgresql-client, with pg_restore) synchronously.
  for (const [name, t] of live) {
    spawnSync('psql', ['-X', '-q', '-c', `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`], {
      env: toolEnv(t, t.database),
      stdio: 'ignore',
      timeout: 5000,
    });
  }
  live.clear();
}

export async function createThrowaway(admin: pg.Client, t: PgTarget, nowMs: number): Promise<string> {
  const name = throwawayName(nowMs);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', dropAtExit);
  }
  live.set(name, t);
  try {
    // template0: nothing a site added to template1 may collide with what the dump creates.
    await admin.query(`CREATE DATABASE ${ident(name)} TEMPLATE template0`);
  } catch (e) {
    live.delete(name);
    throw e;
  }
  return name;
}

export async function dropThrowaway(admin: pg.Client, name: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
  live.delete(name);
}

/** Drops leftovers older than STALE_MS; returns their names. */
export async function dropStale(admin: pg.Client, nowMs: number): Promise<string[]> {
  const r = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'shipgate\\_restore\\_%'`);
  const dropped: string[] = [];
  for (const { datname } of r.rows) {
    const created = throwawayCreatedMs(datname);
    if (created === undefined || nowMs - created < STALE_MS || live.has(datname)) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${ident(datname)} WITH (FORCE)`);
    dropped.push(datname);
  }
  return dropped;
}
