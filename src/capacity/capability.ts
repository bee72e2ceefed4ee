/** Capacity: traffic forecasts per service from the router's series, TrafficEvents, and instance plans against the Rollout's replicas. */
import { isDomainError } from '../core/errors';
import { HOOKS } from '../core/hooks';
import { planCapacity } from './capacity-plan';
import { CapacityService } from './capacity-service';
import { databaseKind } from './database-kind';
import { PoolService } from './pool-service';
import type { Capability, ServerContext } from '../core/capability';
import { capacityCommands } from './capacity-cli';
import { capacityRoutes } from './capacity-routes';
import { trafficEventKind } from './traffic-event';

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
  init(ctx) {
    ctx.services.provide(HOOKS.poolCheck, poolsOf(ctx).hook());
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
  routes: (app, ctx) => capacityRoutes(app, ctx, poolsOf(ctx)),
  cli: (program, cli) => capacityCommands(program, cli),
};
