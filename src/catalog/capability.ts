import type { Capability } from '../core/capability';
import { environmentKind, serviceKind } from './kinds';
import { graphRoutes } from './routes';
import { graphCommands } from './cli';

/** The service catalog: services, environments and their dependency graph. */
export const catalogCapability: Capability = {
  name: 'catalog',
  kinds: [serviceKind, environmentKind],
  routes: graphRoutes,
  cli: graphCommands,
};
