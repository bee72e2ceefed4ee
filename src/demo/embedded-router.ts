import { egressPolicyOf } from '../egress/egress-policy';
import type { ServerContext } from '../core/capability';
import { RESOURCE_CHANGED, type ResourceChanged } from '../core/events';
import { HOOKS } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { MetricsService } from '../metrics/types';
import { ROUTE_TABLE_KIND } from '../router/route-table';
import { Router } from '../router/router';
import { MetricsServiceSink } from '../router/stats-sinks';
import { IN_PROCESS_ROUTER, type InProcessRouterView } from '../traffic/builtin-traffic-router';

export interface EmbeddedRouter {
  /** Base URL users send requests to, e.g. http://127.0.0.1:8080. */
  url: string;
  /** True when the router was started here (false: the server’s own in-process router serves). */
  owned: boolean;
  close(): Promise<void>;
}

/**
 * Makes sure a router serves the server's route table: the server's own in-process router when
 * it runs one (`--router`), else a router started here on `listen`, fed from the stored RouteTables
 * on every change and reporting its stats to the metrics service.
 */
export async function ensureRouter(ctx: ServerContext, listen: string, opts: { flushMs?: number } = {}): Promise<EmbeddedRouter> {
  const existing = ctx.services.get<InProcessRouterView>(IN_PROCESS_ROUTER);
  if (existing && ctx.config.router && !ctx.config.router.endsWith(':0')) return { url: `http://${ctx.config.router}`, owned: false, close: async () => {} };
  const router = new Router({
    sink: new MetricsServiceSink(() => ctx.services.get<MetricsService>(HOOKS.metrics)),
    flushMs: opts.flushMs ?? 1000,
    log: (m, err) => ctx.log.debug({ err }, m),
    egress: egressPolicyOf(ctx.config),
  });
  const load = async () => {
    const tables = await ctx.resources.list(SHIPGATE_API_VERSION, ROUTE_TABLE_KIND);
    if (tables.length) router.applyTable(tables.map((t) => t.manifest));
  };
  await load();
  let chain = Promise.resolve();
  const off = ctx.events.on<ResourceChanged>(RESOURCE_CHANGED, (e) => {
    if (e.kind !== ROUTE_TABLE_KIND) return;
    chain = chain.then(load).catch((err) => ctx.log.error({ err }, 'route table reload failed'));
    return chain;
  });
  const { listen: addr } = await router.start({ listen });
  ctx.services.provide(IN_PROCESS_ROUTER, router);
  return {
    url: `http://${addr.address}:${addr.port}`,
    owned: true,
    async close() {
      off();
      await router.close();
    },
  };
}
