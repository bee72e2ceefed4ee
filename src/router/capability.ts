import type { Capability, ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { ensureInProcessRouter, startInProcessRouter } from './in-process-router';
import { routeTableKind } from './route-table';
import { RouteTableHub } from './route-table-hub';
import type { Router } from './router';
import { routerCommand } from './router-cli';
import { routerRoutes } from './router-routes';

interface RouterState {
  hub: RouteTableHub;
  streams: Set<() => void>;
  /** The server's own in-process router (`--router`), once started. */
  inProcess?: Router;
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

/** The built-in router: RouteTable kind, the API routers follow, the in-process router and `shipgate router`. */
export const routerCapability: Capability = {
  name: 'router',
  kinds: [routeTableKind],
  init(ctx) {
    const s = state(ctx);
    ctx.services.provide(HOOKS.embeddedRouter, { ensure: (listen, opts) => ensureInProcessRouter(ctx, s.hub, () => s.inProcess, listen, opts) });
  },
  routes(app, ctx) {
    routerRoutes(
      app,
      ctx,
      () => state(ctx).hub,
      state(ctx).streams,
      () => state(ctx).inProcess,
    );
  },
  async start(ctx) {
    const s = state(ctx);
    let stopRouter: (() => Promise<void>) | undefined;
    if (ctx.config.router) {
      const started = await startInProcessRouter(ctx, s.hub, ctx.config.router);
      s.inProcess = started.router;
      stopRouter = started.close;
    }
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
