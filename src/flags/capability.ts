import type { Capability, ServerContext } from '../core/capability';
import { RESOURCE_CHANGED } from '../core/events';
import { featureFlagKind, segmentKind } from './kinds';
import { flagMigrations } from './flag-state-store';
import { flagRolloutMigrations } from './flag-rollout-store';
import { FlagRolloutService } from './flag-rollout-service';
import { FlagService } from './flag-service';
import { flagRoutes } from './flag-routes';
import { sdkRoutes } from './sdk-routes';
import { flagCommands } from './flag-cli';

/** Name under which the flag service is offered to other capabilities. */
export const FLAG_SERVICE = 'flags.service';

declare module '../core/hooks' {
  interface HookTypes {
    /** Not a contract between capabilities: the flag service itself, for tests. */
    [FLAG_SERVICE]: FlagService;
  }
}

const services = new WeakMap<ServerContext, { flags: FlagService; rollouts: FlagRolloutService }>();

function servicesOf(ctx: ServerContext): { flags: FlagService; rollouts: FlagRolloutService } {
  let s = services.get(ctx);
  if (!s) {
    const flags = new FlagService(ctx);
    s = { flags, rollouts: new FlagRolloutService(ctx, flags) };
    services.set(ctx, s);
  }
  return s;
}
const serviceOf = (ctx: ServerContext) => servicesOf(ctx).flags;

/** Feature flags: kinds, kill switch, schedules, guarded rollouts, OFREP, configuration stream, evaluation counts. */
export const flagsCapability: Capability = {
  name: 'flags',
  kinds: [featureFlagKind, segmentKind],
  migrations: { ...flagMigrations, ...flagRolloutMigrations },
  init(ctx) {
    const service = serviceOf(ctx);
    ctx.services.provide(FLAG_SERVICE, service);
    ctx.events.on(RESOURCE_CHANGED, (e) => {
      if (e.kind === 'FeatureFlag' || e.kind === 'Segment') return service.invalidate();
    });
  },
  routes(app, ctx) {
    const { flags: service, rollouts } = servicesOf(ctx);
    flagRoutes(app, ctx, service, rollouts);
    sdkRoutes(app, ctx, service);
  },
  start(ctx) {
    const { flags: service, rollouts } = servicesOf(ctx);
    const opts = (ctx.config.options.flags ?? {}) as { tickMs?: number };
    const tickMs = Math.max(10, Number(opts.tickMs ?? 1000));
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        await service.runDueSchedules();
        await rollouts.tick();
        await service.flushCounts();
        // Picks up changes other replicas made.
        await service.refresh();
      } catch (e) {
        ctx.log.warn({ err: e }, 'flags tick failed');
      } finally {
        running = false;
      }
    };
    const timer = setInterval(() => void tick(), tickMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      while (running) await new Promise((r) => setTimeout(r, 5));
      await service.flushCounts().catch(() => {});
    };
  },
  cli: flagCommands,
};
