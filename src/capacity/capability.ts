/** Capacity: traffic forecasts per service from the router's series, TrafficEvents, and instance plans against the Rollout's replicas. */
import type { Capability } from '../core/capability';
import { isDomainError } from '../core/errors';
import { HOOKS } from '../core/hooks';
import { CapacityService } from './capacity-service';
import { capacityCommands } from './capacity-cli';
import { capacityRoutes } from './capacity-routes';
import { trafficEventKind } from './traffic-event';

export const capacityCapability: Capability = {
  name: 'capacity',
  kinds: [trafficEventKind],
  init(ctx) {
    const svc = new CapacityService(ctx);
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
  routes: (app, ctx) => capacityRoutes(app, ctx),
  cli: (program, cli) => capacityCommands(program, cli),
};
