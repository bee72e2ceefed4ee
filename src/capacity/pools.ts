/**
 * Connection-pool arithmetic for one database in one environment, pure: each client service
 * holds at most `pool` connections per instance; at steady state it runs `replicas` instances,
 * during its own release `peakReplicas` (a canary beside stable, a rolling surge, blue-green's
 * double). A release fits when, with every other service at steady state and the connections
 * that roles other than the declared pools' hold now, the total stays within the database's
 * usable connections: `max_connections` − `superuser_reserved_connections` −
 * `reserved_connections` (PostgreSQL 16+) − the Database's own `reserve`.
 */

export interface PoolClient {
  service: string;
  pool: number;
  /** The database role the pool connects as; its open connections are the pool's own. */
  user?: string;
  replicas: number;
  peakReplicas: number;
  strategy: string;
}

export interface DatabaseLimits {
  maxConnections: number;
  superuserReserved: number;
  /** `reserved_connections` (PostgreSQL 16 and later; 0 before). */
  reserved: number;
  /** Open client connections by role (this reading's own connection excluded). */
  inUse: { user: string; connections: number }[];
}

export interface ReleasePeak {
  service: string;
  /** Connections the declared pools may open while this service releases. */
  pools: number;
  /** pools + connections held by others. */
  total: number;
  fits: boolean;
  /** `shop 20 × 3 (canary peak) + orders 10 × 2 = 80; + 7 held by others = 87 ≤ 97 usable` */
  arithmetic: string;
}

export interface PoolReport {
  usable: number;
  /** How `usable` was found: `100 max_connections − 3 superuser_reserved − 0 reserved − 5 reserve`. */
  usableArithmetic: string;
  /** Connections open now by roles no declared pool names (so not part of any pool's budget). */
  others: number;
  /** Connections open now by the declared pools' roles. */
  pooled: number;
  /** Σ pool × replicas. */
  steady: number;
  releases: ReleasePeak[];
  fits: boolean;
}

export function poolReport(clients: readonly PoolClient[], limits: DatabaseLimits, reserve: number): PoolReport {
  const usable = limits.maxConnections - limits.superuserReserved - limits.reserved - reserve;
  const usableArithmetic = `${limits.maxConnections} max_connections − ${limits.superuserReserved} superuser_reserved − ${limits.reserved} reserved − ${reserve} reserve`;
  const users = new Set(clients.map((c) => c.user).filter((u): u is string => u !== undefined));
  const others = limits.inUse.filter((u) => !users.has(u.user)).reduce((n, u) => n + u.connections, 0);
  const pooled = limits.inUse.filter((u) => users.has(u.user)).reduce((n, u) => n + u.connections, 0);
  const steady = clients.reduce((n, c) => n + c.pool * c.replicas, 0);
  const releases = clients.map((r): ReleasePeak => {
    const terms = clients.map((c) => (c === r ? `${c.service} ${c.pool} × ${c.peakReplicas} (${c.strategy} peak)` : `${c.service} ${c.pool} × ${c.replicas}`));
    const pools = clients.reduce((n, c) => n + c.pool * (c === r ? c.peakReplicas : c.replicas), 0);
    const total = pools + others;
    const fits = total <= usable;
    return {
      service: r.service,
      pools,
      total,
      fits,
      arithmetic: `${terms.join(' + ')} = ${pools}; + ${others} held by others = ${total} ${fits ? '≤' : '>'} ${usable} usable`,
    };
  });
  return { usable, usableArithmetic, others, pooled, steady, releases, fits: releases.every((r) => r.fits) };
}
