/**
 * `shipgate capacity pools ENV` and the release check (HOOKS.poolCheck): the Database resources,
 * the pools each Service declares (HOOKS.graph), each Rollout's replicas and release peak
 * (HOOKS.deployments), each database's real limits read now (pg-limits.ts), then the pure
 * arithmetic (pools.ts). Databases are read in parallel, outside any transaction.
 */
import type { ServerContext } from '../core/capability';
import { NotFoundError } from '../core/errors';
import { HOOKS, type PoolCheck } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { egressPolicyOf } from '../egress/egress-policy';
import { DATABASE_KIND, databaseSpec, type DatabaseSpec } from './database-kind';
import { readDatabaseLimits } from './pg-limits';
import { poolReport, type DatabaseLimits, type PoolClient, type PoolReport } from './pools';

export interface DatabasePools extends Partial<PoolReport> {
  database: string;
  clients: PoolClient[];
  limits?: { maxConnections: number; superuserReserved: number; reserved: number; reserve: number; inUse: DatabaseLimits['inUse'] };
  /** Why the database could not be read; the report's figures are absent then. */
  error?: string;
}

export interface PoolsView {
  environment: string;
  databases: DatabasePools[];
  /** Pools declared but not counted, and why (no Rollout in the environment, an unknown database). */
  notCounted: { service: string; database: string; reason: string }[];
  /** Every database read and every release fits. */
  fits: boolean;
}

/** How long one reading of a database's limits is reused: however many callers, at most one connection per database per window. */
const READING_MS = 5000;

export class PoolService {
  private readonly readings = new Map<string, { atMs: number; limits: Promise<DatabaseLimits> }>();

  constructor(private readonly ctx: ServerContext) {}

  private read(url: string, tls: boolean): Promise<DatabaseLimits> {
    const key = `${tls}|${url}`;
    const now = Date.now();
    const hit = this.readings.get(key);
    if (hit && now - hit.atMs < READING_MS) return hit.limits;
    const limits = readDatabaseLimits(egressPolicyOf(this.ctx.config), url, tls);
    this.readings.set(key, { atMs: now, limits });
    // A failed reading is not kept: the next caller tries again.
    limits.catch(() => this.readings.delete(key));
    for (const [k, v] of this.readings) if (now - v.atMs >= READING_MS) this.readings.delete(k);
    return limits;
  }

  async pools(environment: string, only?: { service: string }): Promise<PoolsView> {
    const graph = this.ctx.services.get(HOOKS.graph);
    const deployments = this.ctx.services.get(HOOKS.deployments);
    if (!graph || !deployments) throw new NotFoundError('the catalog and rollout capabilities are needed to know who holds which pool');
    const [view, rollouts, stored] = await Promise.all([
      graph.snapshot(),
      deployments.rollouts(environment),
      this.ctx.resources.list<DatabaseSpec>(SHIPGATE_API_VERSION, DATABASE_KIND),
    ]);
    const dbs = new Map<string, DatabaseSpec>();
    for (const r of stored) {
      const p = databaseSpec.safeParse(r.manifest.spec);
      if (p.success) dbs.set(r.manifest.metadata.name, p.data);
    }
    const clients = new Map<string, PoolClient[]>();
    const notCounted: PoolsView['notCounted'] = [];
    for (const s of view.services()) {
      for (const d of s.databases) {
        const db = dbs.get(d.database);
        const rollout = rollouts.find((r) => r.service === s.name);
        if (!db) notCounted.push({ service: s.name, database: d.database, reason: `no Database resource named ${d.database}` });
        else if (!db.environments[environment]) continue;
        else if (!rollout)
          notCounted.push({ service: s.name, database: d.database, reason: `no Rollout of ${s.name} in ${environment}: its instances are unknown` });
        else {
          const list = clients.get(d.database) ?? [];
          list.push({
            service: s.name,
            pool: d.pool,
            ...(d.user ? { user: d.user } : {}),
            replicas: rollout.replicas,
            peakReplicas: rollout.peakReplicas,
            strategy: rollout.strategy,
          });
          clients.set(d.database, list);
        }
      }
    }
    const names = [...clients.keys()].filter((n) => !only || clients.get(n)!.some((c) => c.service === only.service)).sort();
    const databases = await Promise.all(
      names.map(async (database): Promise<DatabasePools> => {
        const env = dbs.get(database)!.environments[environment]!;
        const cs = clients.get(database)!;
        try {
          const limits = await this.read(env.url, env.tls);
          return {
            database,
            clients: cs,
            limits: { ...limits, reserve: env.reserve },
            ...poolReport(cs, limits, env.reserve),
          };
        } catch (e) {
          // The message names the cause (refused, timeout, egress), never the URL: it may carry a password.
          return { database, clients: cs, error: `cannot read the limits of ${database} in ${environment}: ${(e as Error).message}` };
        }
      }),
    );
    return { environment, databases, notCounted, fits: databases.every((d) => d.error === undefined && d.fits === true) };
  }

  /** HOOKS.poolCheck: whether the release of `service` fits every database its pools reach. */
  hook(): PoolCheck {
    return {
      check: async ({ service, environment }) => {
        const v = await this.pools(environment, { service });
        const reasons: string[] = [];
        let fits = true;
        let unreadable = false;
        for (const d of v.databases) {
          if (d.error) {
            unreadable = true;
            reasons.push(d.error);
            continue;
          }
          const r = d.releases!.find((x) => x.service === service)!;
          if (!r.fits) fits = false;
          reasons.push(`${d.database}: ${r.arithmetic} (${d.usableArithmetic})`);
        }
        return { fits, unreadable, reasons };
      },
    };
  }
}
