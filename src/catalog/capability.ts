import type { Capability } from '../core/capability';
import { HOOKS, type GraphHook } from '../core/hooks';
import { environmentKind, serviceKind } from './kinds';
import { graphRoutes } from './routes';
import { graphCommands } from './cli';
import { CatalogReader } from './catalog-reader';
import { graphView } from './graph-view';

/** The service catalog: services, environments and their dependency graph. */
export const catalogCapability: Capability = {
  name: 'catalog',
  kinds: [serviceKind, environmentKind],
  routes: graphRoutes,
  cli: graphCommands,
  init(ctx) {
    const reader = new CatalogReader(ctx.resources);
    const hook: GraphHook = {
      async snapshot() {
        const [services, environments] = await Promise.all([reader.services(), reader.environments()]);
        return graphView(services, environments);
      },
    };
    ctx.services.provide(HOOKS.graph, hook);
  },
};
