/**
 * Reads a PostgreSQL server's connection limits and the connections open on it now, through the
 * egress policy (purpose `database`: the name is resolved and every address checked before the
 * socket opens). One short-lived connection, 5 s to connect and per query. Network I/O: never
 * call it inside a transaction.
 */
import { isIP } from 'node:net';
import pg from 'pg';
import { EgressDeniedError, type EgressPolicy } from '../egress/egress-policy';
import type { DatabaseLimits } from './pools';
import { egressUrlOf, parsePgUrl } from '../core/pg-url';

const TIMEOUT_MS = 5000;

/** The address to connect to: an IP literal checked as it is, a name resolved by the policy's lookup. */
async function checkedAddress(policy: EgressPolicy, host: string, port: number): Promise<string> {
  if (isIP(host)) {
    const v = policy.checkUrl('database', egressUrlOf(host, port));
    if (!v.allowed) throw new EgressDeniedError(v.reason);
    return host;
  }
  const lookup = policy.lookup('database');
  return new Promise((resolve, reject) =>
    (lookup as unknown as (h: string, o: object, cb: (e: Error | null, a?: string) => void) => void)(host, {}, (e, a) => (e ? reject(e) : resolve(a!))),
  );
}

export async function readDatabaseLimits(policy: EgressPolicy, url: string, tls: boolean): Promise<DatabaseLimits> {
  const p = parsePgUrl(url);
  if (!p) throw new Error('not a postgres:// URL');
  const address = await checkedAddress(policy, p.host, p.port);
  const client = new pg.Client({
    host: address,
    port: p.port,
    database: p.database,
    user: p.user,
    password: p.password,
    connectionTimeoutMillis: TIMEOUT_MS,
    query_timeout: TIMEOUT_MS,
    statement_timeout: TIMEOUT_MS,
    application_name: 'shipgate-capacity',
    ...(tls ? { ssl: { servername: p.host, rejectUnauthorized: true } } : {}),
  });
  // An error after connect (the server went away) must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
    const s = await client.query<{ max: string; su: string; reserved: string | null }>(
      "SELECT current_setting('max_connections') AS max, current_setting('superuser_reserved_connections') AS su, current_setting('reserved_connections', true) AS reserved",
    );
    const a = await client.query<{ usename: string | null; n: number }>(
      "SELECT usename, count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY usename",
    );
    const row = s.rows[0]!;
    return {
      maxConnections: Number(row.max),
      superuserReserved: Number(row.su),
      reserved: row.reserved ? Number(row.reserved) : 0,
      inUse: a.rows.map((r) => ({ user: r.usename ?? '', connections: r.n })).sort((x, y) => y.connections - x.connections || x.user.localeCompare(y.user)),
    };
  } finally {
    await client.end().catch(() => {});
  }
}
