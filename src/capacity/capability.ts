/** Capacity: traffic forecasts per service from the router's series, TrafficEvents, and instance plans against the Rollout's replicas. */
import type { Capability } from '../core/capability';
import { capacityCommands } from './capacity-cli';
import { capacityRoutes } from './capacity-routes';
import { trafficEventKind } from './traffic-event';

export const capacityCapability: Capability = {
  name: 'capacity',
  kinds: [trafficEventKind],
  routes: (app, ctx) => capacityRoutes(app, ctx),
  cli: (program, cli) => capacityCommands(program, cli),
};
