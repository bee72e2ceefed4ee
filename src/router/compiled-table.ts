import { assignRanges, bucketTable, type BucketRange } from './buckets';
import { createBalancer, type Balancer } from './balancer';
import { ADAPTIVE_DEFAULTS, AdaptiveLimit } from './adaptive-limit';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { RetryBudget } from './retry-budget';
import { TokenBucket } from './token-bucket';
import type { ConcurrencySpec, FaultSpec, RouteSpec, RouteTableSpec } from './route-table';
import type { StatsRecorder, StatsSeries } from './stats-recorder';
import type { Upstream, UpstreamPool } from './upstream-pool';

/** A version of a route, ready for the hot path. */
export interface CompiledVersion {
  name: string;
  weight: number;
  upstreams: Upstream[];
  balancer: Balancer<Upstream>;
  fault?: FaultSpec;
  stats: StatsSeries;
  mirrorStats: StatsSeries;
}

/** Protection state of a route that survives reloads (by route name) when its settings do not change. */
export interface RouteGuards {
  rate?: TokenBucket;
  concurrency?: ConcurrencyLimiter;
  retryBudget: RetryBudget;
  /** Retries granted so far. */
  retried: number;
  /** Settings the guards were built from, to know when to rebuild. */
  key: string;
}

export interface CompiledRoute {
  spec: RouteSpec;
  name: string;
  /** Lower-cased host to match; undefined = any. */
  host?: string;
  /** For "*.example.com": ".example.com". */
  hostSuffix?: string;
  pathPrefix: string;
  versions: CompiledVersion[];
  byName: Map<string, CompiledVersion>;
  ranges: BucketRange[];
  /** Bucket → index in `versions`. */
  owner: Uint8Array;
  guards: RouteGuards;
  mirror?: { version: CompiledVersion; percent: number };
}

/** An immutable snapshot of the routing table; a request keeps the one it started with. */
export class CompiledTable {
  constructor(
    readonly generation: number,
    readonly spec: RouteTableSpec,
    /** Most specific first: exact hosts, then suffixes, then any; longer path prefixes first. */
    readonly routes: CompiledRoute[],
  ) {}

  /** The route for a host (no port, lower case) and path, or undefined. */
  match(host: string, path: string): CompiledRoute | undefined {
    for (const r of this.routes) {
      if (r.host !== undefined && r.host !== host) continue;
      if (r.hostSuffix !== undefined && !host.endsWith(r.hostSuffix)) continue;
      if (path.startsWith(r.pathPrefix)) return r;
    }
    return undefined;
  }
}

function guardsKey(r: RouteSpec): string {
  return JSON.stringify([r.rateLimit, r.concurrency, r.retries.budgetPercent, r.retries.minPerSecond]);
}

/** Builds guards for a route, reusing the previous ones when the settings are the same. */
export function routeGuards(r: RouteSpec, previous: RouteGuards | undefined, nowMs: number): RouteGuards {
  const key = guardsKey(r);
  if (previous && previous.key === key) return previous;
  return {
    key,
    rate: r.rateLimit
      ? new TokenBucket(r.rateLimit.requestsPerSecond, r.rateLimit.burst ?? Math.max(1, Math.ceil(r.rateLimit.requestsPerSecond)), nowMs)
      : undefined,
    concurrency: r.concurrency ? concurrencyLimiter(r.concurrency) : undefined,
    retryBudget: new RetryBudget(r.retries.budgetPercent / 100, r.retries.minPerSecond),
    retried: previous?.retried ?? 0,
  };
}

function concurrencyLimiter(c: ConcurrencySpec): ConcurrencyLimiter {
  const a = c.adaptive;
  const adaptive = a ? new AdaptiveLimit({ ...ADAPTIVE_DEFAULTS, ...a }) : undefined;
  return new ConcurrencyLimiter(c.max ?? 0, adaptive ? c.queue : (c.queue ?? 0), c.queueTimeoutMs, adaptive);
}

function specificity(r: CompiledRoute): number {
  const hostRank = r.host !== undefined ? 2 : r.hostSuffix !== undefined ? 1 : 0;
  return hostRank * 1e6 + r.pathPrefix.length;
}

/**
 * Compiles a validated spec. `previous` supplies guards and balancer state by route name so a
 * reload that changes weights does not reset rate limits or round-robin positions.
 */
export function compileTable(
  spec: RouteTableSpec,
  generation: number,
  pool: UpstreamPool,
  stats: StatsRecorder,
  previous: CompiledTable | undefined,
  nowMs: number,
): CompiledTable {
  const prevRoutes = new Map(previous?.routes.map((r) => [r.name, r]));
  const routes = spec.routes.map((r): CompiledRoute => {
    const prev = prevRoutes.get(r.name);
    const outlier = r.outlier;
    const versions = r.backends.map((b): CompiledVersion => {
      const prevV = prev?.byName.get(b.version);
      return {
        name: b.version,
        weight: b.weight,
        upstreams: b.instances.map((url) => pool.get(url, outlier)),
        balancer: prevV && prev?.spec.balancer === r.balancer ? prevV.balancer : createBalancer<Upstream>(r.balancer),
        fault: b.fault ?? r.fault,
        stats: stats.series(r.name, b.version),
        mirrorStats: stats.series(r.name, b.version, true),
      };
    });
    const ranges = assignRanges(versions.map((v) => ({ version: v.name, weight: v.weight })));
    const host = r.match.host.toLowerCase();
    const byName = new Map(versions.map((v) => [v.name, v]));
    return {
      spec: r,
      name: r.name,
      host: host === '*' || host.startsWith('*.') ? undefined : host,
      hostSuffix: host.startsWith('*.') ? host.slice(1) : undefined,
      pathPrefix: r.match.pathPrefix,
      versions,
      byName,
      ranges,
      owner: bucketTable(ranges),
      guards: routeGuards(r, prev?.guards, nowMs),
      mirror: r.mirror ? { version: byName.get(r.mirror.version)!, percent: r.mirror.percent } : undefined,
    };
  });
  const sorted = routes
    .map((r, i) => ({ r, i }))
    .sort((a, b) => specificity(b.r) - specificity(a.r) || a.i - b.i)
    .map((x) => x.r);
  return new CompiledTable(generation, spec, sorted);
}
