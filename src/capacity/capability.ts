/** Capacity: traffic forecasts per service from the router's series, TrafficEvents, and instance plans against the Rollout's replicas. */
import { isDomainError } from '../core/errors';
import { HOOKS } from '../core/hooks';
import { planCapacity } from './capacity-plan';
import { CapacityService } from './capacity-service';
import { databaseKind } from './database-kind';
import { PoolService } from './pool-service';
import { memoryMigrations, MemoryStore } from './memory-store';
import { MemoryWatch, type MemoryOptions } from './memory-watch';
import { reservationKind } from './reservation';
import { ReservationWatch } from './reservation-watch';
import type { Capability, ServerContext } from '../core/capability';
import { capacityCommands } from './capacity-cli';
import { capacityRoutes } from './capacity-routes';
import { trafficEventKind } from './traffic-event';

/** Server options under `options.capacity`. */
export interface CapacityOptions {
  memory?: MemoryOptions;
  /** Time between two rounds of keeping CapacityReservations, ms (default 30 s; 0 turns it off). */
  reservationTickMs?: number;
}

const reservationWatches = new WeakMap<ServerContext, ReservationWatch>();
function reservationsOf(ctx: ServerContext): ReservationWatch {
  let w = reservationWatches.get(ctx);
  if (!w) reservationWatches.set(ctx, (w = new ReservationWatch(ctx)));
  return w;
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
  kinds: [trafficEventKind, databaseKind, reservationKind],
  migrations: memoryMigrations,
  init(ctx) {
    ctx.services.provide(HOOKS.poolCheck, poolsOf(ctx).hook());
    ctx.services.provide(HOOKS.memoryFindings, memoryOf(ctx).hook());
    ctx.services.provide(HOOKS.reservations, reservationsOf(ctx).hook());
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
    const stops = [startReservations(ctx), startMemory(ctx)];
    return async () => {
      for (const s of stops) await s?.();
    };
  },
  cli: (program, cli) => capacityCommands(program, cli),
};

/** A loop that runs `round` every `everyMs`, one round at a time; its stop waits for the round in flight. */
function loop(ctx: ServerContext, everyMs: number, what: string, round: (nowMs: number) => Promise<unknown>): (() => Promise<void>) | undefined {
  if (everyMs <= 0) return undefined;
  let current: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (current) return;
    current = round(ctx.clock.now())
      .catch((e) => ctx.log.warn({ err: e }, `${what} failed; will retry`))
      .finally(() => (current = undefined));
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await current;
  };
}

function startMemory(ctx: ServerContext): (() => Promise<void>) | undefined {
  const w = memoryOf(ctx);
  let lastCheck = 0;
  return loop(ctx, w.options.sampleMs, 'memory sampling', async (now) => {
    await w.sample(now);
    if (now - lastCheck >= w.options.checkMs) {
      lastCheck = now;
      await w.check(now);
    }
  });
}

function startReservations(ctx: ServerContext): (() => Promise<void>) | undefined {
  const every = ((ctx.config.options.capacity ?? {}) as CapacityOptions).reservationTickMs ?? 30_000;
  const w = reservationsOf(ctx);
  return loop(ctx, every, 'keeping capacity reservations', async (now) => {
    for (const s of await w.tick(now)) ctx.log.info(s, 'scaled for a capacity reservation');
  });
}
