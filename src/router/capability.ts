import type { Capability, ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { egressPolicyOf } from '../egress/egress-policy';
import type { MetricsService } from '../metrics/types';
import { routeTableKind } from './route-table';
import { RouteTableHub } from './route-table-hub';
import { Router } from './router';
import { routerCommand } from './router-cli';
import { routerRoutes } from './router-routes';
import { MetricsServiceSink } from './stats-sinks';

/** Name under which the in-process router is offered to other capabilities. */
export const IN_PROCESS_ROUTER_SERVICE = 'router.inprocess';

interface RouterState {
  hub: RouteTableHub;
  streams: Set<() => void>;
}

/** One state per server context (several servers may share a process in tests). */
const states = new WeakMap<ServerContext, RouterState>();

function state(ctx: ServerContext): RouterState {
  let s = states.get(ctx);
  if (!s) {
    s = { hub: new RouteTableHub(ctx), streams: new Set() };
    states.set(ctx, s);
  }
  return s;
}

/** Options under `ctx.config.options.router`. */
interface InProcessOptions {
  /** How often the in-process router hands its stats to the metrics service, ms. */
  flushMs?: number;
}

/**
 * Runs a Router inside the server, fed from the stored RouteTables and reloaded on every change.
 * A table the router refuses is logged and the one in force stays.
 */
async function startInProcess(ctx: ServerContext, listen: string): Promise<() => Promise<void>> {
  const o = (ctx.config.options.router ?? {}) as InProcessOptions;
  const router = new Router({
    sink: new MetricsServiceSink(() => ctx.services.get<MetricsService>(HOOKS.metrics)),
    flushMs: o.flushMs ?? 2_000,
    log: (m, err) => (err ? ctx.log.warn({ err }, m) : ctx.log.debug(m)),
    // Stored tables were checked when applied; checked again here (tables written by rollouts, a policy narrowed since).
    egress: egressPolicyOf(ctx.config),
  });
  const hub = state(ctx).hub;
  const apply = (tables: Parameters<Router['applyTable']>[0], etag: string) => {
    try {
      const g = router.applyTable(tables);
      ctx.log.info({ generation: g, etag }, 'router table applied');
    } catch (err) {
      ctx.log.error({ err }, 'router refused the stored route table; the one in force stays');
    }
  };
  const first = await hub.snapshot();
  apply(first.tables, first.etag);
  const off = hub.subscribe((s) => apply(s.tables, s.etag));
  await router.start({ listen });
  ctx.services.provide(IN_PROCESS_ROUTER_SERVICE, router);
  return async () => {
    off();
    await router.close();
  };
}

/** The built-in router: RouteTable kind, the API routers follow, the in-process router and `shipgate router`. */
export const routerCapability: Capability = {
  name: 'router',
  kinds: [routeTableKind],
  routes(app, ctx) {
    routerRoutes(app, ctx, () => state(ctx).hub, state(ctx).streams);
  },
  async start(ctx) {
    const s = state(ctx);
    const stopRouter = ctx.config.router ? await startInProcess(ctx, ctx.config.router) : undefined;
    return async () => {
      for (const end of [...s.streams]) end();
      await stopRouter?.();
      s.hub.close();
    };
  },
  cli(program, cli) {
    routerCommand(program, cli);
  },
};
