/**
 * The one reader of PostgreSQL URLs (`postgres://user[:password]@host[:port]/database`) and the
 * http URL the egress policy judges for a database's host and port. Pure.
 */
export interface PgUrl {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

/** Host, port, database and credentials of a postgres:// URL; undefined when it is not one. */
export function parsePgUrl(url: string): PgUrl | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return undefined;
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!u.hostname || !database || database.includes('/')) return undefined;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 5432,
    database,
    user: decodeURIComponent(u.username) || 'postgres',
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** The http URL the egress policy judges for a database host and port. */
export function egressUrlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}
