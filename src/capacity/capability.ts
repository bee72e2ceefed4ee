/** Capacity: traffic forecasts per service from the router's series, TrafficEvents, and instance plans against the Rollout's replicas. */
import { isDomainError } from '../core/errors';
import { HOOKS } from '../core/hooks';
import { planCapacity } from './capacity-plan';
import { CapacityService } from './capacity-service';
import { databaseKind } from './database-kind';
import { PoolService } from './pool-service';
import { memoryMigrations, MemoryStore } from './memory-store';
import { MemoryWatch, type MemoryOptions } from './memory-watch';
import type { Capability, ServerContext } from '../core/capability';
import { capacityCommands } from './capacity-cli';
import { capacityRoutes } from './capacity-routes';
import { trafficEventKind } from './traffic-event';

/** Server options under `options.capacity`. */
export interface CapacityOptions {
  memory?: MemoryOptions;
}

const watches = new WeakMap<ServerContext, MemoryWatch>();
function memoryOf(ctx: ServerContext): MemoryWatch {
  let w = watches.get(ctx);
  if (!w) watches.set(ctx, (w = new MemoryWatch(ctx, new MemoryStore(ctx.db), ((ctx.config.options.capacity ?? {}) as CapacityOptions).memory)));
  return w;
}

const poolServices = new WeakMap<ServerContext, PoolService>();
/** One per server, so its 5 s readings are shared by the route and the release check. */
function poolsOf(ctx: ServerContext): PoolService {
  let p = poolServices.get(ctx);
  if (!p) poolServices.set(ctx, (p = new PoolService(ctx)));
  return p;
}

export const capacityCapability: Capability = {
  name: 'capacity',
  kinds: [trafficEventKind, databaseKind],
  migrations: memoryMigrations,
  init(ctx) {
    ctx.services.provide(HOOKS.poolCheck, poolsOf(ctx).hook());
    ctx.services.provide(HOOKS.memoryFindings, memoryOf(ctx).hook());
    const svc = new CapacityService(ctx);
    ctx.services.provide(HOOKS.capacityPlan, {
      async plan(q) {
        try {
          const f = await svc.forecast({ service: q.service, environment: q.environment, horizonMs: q.horizonMs, historyMs: 28 * 24 * 3_600_000 });
          const p = planCapacity({ peakRps: f.peak.rps, headroom: q.headroom, perInstanceRps: q.perInstanceRps, replicas: q.replicas });
          return { needed: p.needed, fits: p.fits, message: `${p.message} (peak at ${new Date(f.peak.atMs).toISOString()}, ${f.model})` };
        } catch (e) {
          if (isDomainError(e)) return { unavailable: e.message };
          throw e;
        }
      },
    });
    ctx.services.provide(HOOKS.capacityPeak, {
      // Four weeks of history, as `capacity forecast` reads by default; no forecast is an answer, not an error.
      async peak(q) {
        try {
          const f = await svc.forecast({ ...q, historyMs: 28 * 24 * 3_600_000 });
          return { rps: f.peak.rps, atMs: f.peak.atMs, model: f.model };
        } catch (e) {
          if (isDomainError(e)) return { unavailable: e.message };
          throw e;
        }
      },
    });
  },
  routes: (app, ctx) => capacityRoutes(app, ctx, poolsOf(ctx), memoryOf(ctx)),
  start(ctx) {
    const w = memoryOf(ctx);
    if (w.options.sampleMs <= 0) return;
    let current: Promise<void> | undefined;
    let lastCheck = 0;
    const timer = setInterval(() => {
      if (current) return;
      const now = ctx.clock.now();
      current = (async () => {
        await w.sample(now);
        if (now - lastCheck >= w.options.checkMs) {
          lastCheck = now;
          await w.check(now);
        }
      })()
        .catch((e) => ctx.log.warn({ err: e }, 'memory sampling failed; will retry'))
        .finally(() => (current = undefined));
    }, w.options.sampleMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await current;
    };
  },
  cli: (program, cli) => capacityCommands(program, cli),
};
