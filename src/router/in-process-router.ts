import type { ServerContext } from '../core/capability';
import { HOOKS, type EmbeddedRouter } from '../core/hooks';
import { egressPolicyOf } from '../egress/egress-policy';
import type { RouteTableHub } from './route-table-hub';
import { Router } from './router';
import { MetricsServiceSink } from './stats-sinks';

/** Options under `ctx.config.options.router`. */
export interface InProcessOptions {
  /** How often the in-process router hands its stats to the metrics service, ms. */
  flushMs?: number;
}

/**
 * Runs a Router inside the server on `listen`, fed from the stored RouteTables (through `hub`) and
 * reloaded on every change, handing its stats to HOOKS.metrics every `flushMs` (default
 * `options.router.flushMs`, else 2 s), and offers it as HOOKS.inProcessRouter. A table the router
 * refuses is logged and the one in force stays. The one way a router starts inside a server:
 * `shipgate server --router` and the embedded starter (demo, fixtures) both come here.
 */
export async function startInProcessRouter(
  ctx: ServerContext,
  hub: RouteTableHub,
  listen: string,
  opts: InProcessOptions = {},
): Promise<{ router: Router; close(): Promise<void> }> {
  const o = (ctx.config.options.router ?? {}) as InProcessOptions;
  const router = new Router({
    sink: new MetricsServiceSink(() => ctx.services.get(HOOKS.metrics)),
    flushMs: opts.flushMs ?? o.flushMs ?? 2_000,
    log: (m, err) => (err ? ctx.log.warn({ err }, m) : ctx.log.debug(m)),
    // Stored tables were checked when applied; checked again here (tables written by rollouts, a policy narrowed since).
    egress: egressPolicyOf(ctx.config),
  });
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
  try {
    await router.start({ listen });
  } catch (e) {
    off();
    await router.close();
    throw e;
  }
  ctx.services.provide(HOOKS.inProcessRouter, router);
  return {
    router,
    async close() {
      off();
      await router.close();
    },
  };
}

/**
 * The embedded starter (HOOKS.embeddedRouter): the server's own in-process router when `running()`
 * returns one, else a router started on `listen` that the caller owns and closes.
 */
export async function ensureInProcessRouter(
  ctx: ServerContext,
  hub: RouteTableHub,
  running: () => Router | undefined,
  listen: string,
  opts: InProcessOptions = {},
): Promise<EmbeddedRouter> {
  const existing = running();
  const existingUrl = existing?.url();
  if (existingUrl) return { url: existingUrl, owned: false, close: async () => {} };
  const started = await startInProcessRouter(ctx, hub, listen, opts);
  return { url: started.router.url()!, owned: true, close: () => started.close() };
}
