/** Capacity routes (readers): GET /api/v1/capacity/forecast and /plan, computed from stored series; /pools, from the databases' real limits. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../api/route-schemas';
import { READ_ROLES } from '../auth/roles';
import type { ServerContext } from '../core/capability';
import { parseDurationMs } from '../core/duration';
import { resourceName } from '../core/kinds';
import { versionName } from '../core/revision';
import { CapacityService } from './capacity-service';
import type { PoolService } from './pool-service';
import type { MemoryWatch } from './memory-watch';

const duration = (def: string, maxMs: number) =>
  z
    .string()
    .max(50)
    .default(def)
    .transform((s, c) => {
      try {
        const ms = parseDurationMs(s);
        if (ms > 0 && ms <= maxMs) return ms;
        c.addIssue({ code: 'custom', message: `must be above 0 and at most ${maxMs / 86_400_000}d` });
      } catch (e) {
        c.addIssue({ code: 'custom', message: (e as Error).message });
      }
      return z.NEVER;
    });

const forecastQuery = z.strictObject({
  service: resourceName,
  environment: resourceName.default('production'),
  horizon: duration('14d', 90 * 86_400_000),
  history: duration('28d', 365 * 86_400_000),
});
const planQuery = forecastQuery.extend({
  version: versionName,
  /** Fraction over the peak, 0.3 = 30%. */
  headroom: z.coerce.number().min(0).max(10).default(0.3),
  /** Requests/s one instance serves at the SLO latency. */
  perInstance: z.coerce.number().positive().max(1e9),
});

const mapeOrNull = z.number().nullable();
const forecastView = z.object({
  service: z.string(),
  environment: z.string(),
  route: z.string(),
  rollout: z.string(),
  historyFromMs: z.number(),
  historyHours: z.number(),
  model: z.string(),
  params: z.object({ alpha: z.number(), beta: z.number(), gammaDay: z.number(), gammaWeek: z.number() }),
  backtestMape: mapeOrNull,
  candidates: z.array(z.object({ name: z.string(), mape: mapeOrNull })),
  interval: z.object({ level: z.number(), method: z.string() }),
  events: z.array(z.object({ name: z.string(), multiplier: z.number(), hours: z.number() })),
  peak: z.object({ atMs: z.number(), rps: z.number(), lowerRps: z.number(), upperRps: z.number() }),
  points: z.array(z.object({ atMs: z.number(), rps: z.number(), lowerRps: z.number(), upperRps: z.number(), eventFactor: z.number() })),
});
const planView = z.object({
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  rollout: z.string(),
  peakRps: z.number(),
  peakAtMs: z.number(),
  headroom: z.number(),
  perInstanceRps: z.number(),
  replicas: z.number(),
  requiredRps: z.number(),
  needed: z.number(),
  fits: z.boolean(),
  message: z.string(),
  forecastModel: z.string(),
  backtestMape: mapeOrNull,
});

const tags = ['capacity'];

const poolClient = z.object({
  service: z.string(),
  pool: z.number(),
  user: z.string().optional(),
  replicas: z.number(),
  peakReplicas: z.number(),
  strategy: z.string(),
});
const poolsView = z.object({
  environment: z.string(),
  databases: z.array(
    z.object({
      database: z.string(),
      clients: z.array(poolClient),
      limits: z
        .object({
          maxConnections: z.number(),
          superuserReserved: z.number(),
          reserved: z.number(),
          reserve: z.number(),
          inUse: z.array(z.object({ user: z.string(), connections: z.number() })),
        })
        .optional(),
      usable: z.number().optional(),
      usableArithmetic: z.string().optional(),
      others: z.number().optional(),
      pooled: z.number().optional(),
      steady: z.number().optional(),
      releases: z
        .array(z.object({ service: z.string(), pools: z.number(), total: z.number(), fits: z.boolean(), arithmetic: z.string() }))
        .optional()
        .describe('one row per client service: the connections while it releases (its peak of instances, the others at steady state)'),
      fits: z.boolean().optional(),
      error: z.string().optional(),
    }),
  ),
  notCounted: z.array(z.object({ service: z.string(), database: z.string(), reason: z.string() })),
  fits: z.boolean(),
});

const leakVerdict = z.object({
  leak: z.boolean(),
  slopeBytesPerMinute: z.number().nullable(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  pUp: z.number(),
  blocks: z.number(),
  floorBytes: z.number().nullable(),
  timeToLimitMs: z.number().nullable(),
  reason: z.string(),
});
const memoryView = z.object({
  service: z.string(),
  environment: z.string(),
  limitBytes: z.number().nullable(),
  revisions: z.array(
    z.object({
      revision: z.string(),
      firstMs: z.number(),
      lastMs: z.number(),
      live: z.boolean(),
      instances: z.array(z.object({ instance: z.string(), samples: z.number(), lastBytes: z.number(), verdict: leakVerdict })),
      slopeBytesPerMinute: z.number().nullable(),
      leak: z.boolean(),
      reason: z.string(),
      finding: z.object({ detectedAtMs: z.number(), slopeBytesPerMinute: z.number(), timeToLimitMs: z.number().nullable(), message: z.string() }).optional(),
    }),
  ),
});
/** NaN (no verdict yet) is not JSON: null. */
const finiteOrNull = (x: number | null) => (x === null || !Number.isFinite(x) ? null : x);

export function capacityRoutes(base: FastifyInstance, ctx: ServerContext, pools: PoolService, memory: MemoryWatch): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const svc = new CapacityService(ctx);
  app.get(
    '/api/v1/capacity/forecast',
    {
      schema: {
        querystring: forecastQuery,
        tags,
        description:
          "Hourly request-rate forecast of a service's route (double-seasonal Holt-Winters chosen by a one-week backtest) with 80% intervals, TrafficEvents applied, and its peak.",
        response: { 200: forecastView, ...errorResponses(404) },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => svc.forecast({ service: req.query.service, environment: req.query.environment, horizonMs: req.query.horizon, historyMs: req.query.history }),
  );
  app.get(
    '/api/v1/capacity/plan',
    {
      schema: {
        querystring: planQuery,
        tags,
        description: "Instances needed at the forecast peak × (1 + headroom) from one instance's capacity, against the Rollout's replicas.",
        response: { 200: planView, ...errorResponses(404) },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      const q = req.query;
      return svc.plan({
        service: q.service,
        environment: q.environment,
        horizonMs: q.horizon,
        historyMs: q.history,
        version: q.version,
        headroom: q.headroom,
        perInstanceRps: q.perInstance,
      });
    },
  );
  app.get(
    '/api/v1/capacity/pools',
    {
      schema: {
        querystring: z.strictObject({ environment: resourceName.default('production') }),
        tags,
        description:
          "Connection pools per database of an environment: each Service's declared pool × its instances at steady state and at its release's peak, against the database's real max_connections less its reservations and the connections others hold now (each database read at most once per 5 s).",
        response: { 200: poolsView, ...errorResponses(404) },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => pools.pools(req.query.environment),
  );
  app.get(
    '/api/v1/capacity/memory',
    {
      schema: {
        querystring: z.strictObject({ service: resourceName, environment: resourceName.default('production') }),
        tags,
        description:
          "Resident memory of a service's latest three revisions (sampled from its process-target instances), each judged for a leak (block floors, Mann–Kendall, Theil–Sen) against the revision before it, with its finding when one was raised.",
        response: { 200: memoryView, ...errorResponses() },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      const v = await memory.view(req.query.service, req.query.environment);
      return {
        ...v,
        revisions: v.revisions.map((r) => ({
          ...r,
          instances: r.instances.map((i) => ({
            ...i,
            verdict: {
              ...i.verdict,
              slopeBytesPerMinute: finiteOrNull(i.verdict.slopeBytesPerMinute),
              lower: finiteOrNull(i.verdict.lower),
              upper: finiteOrNull(i.verdict.upper),
              floorBytes: finiteOrNull(i.verdict.floorBytes),
            },
          })),
        })),
      };
    },
  );
}
