/** Disaster recovery: drills that exercise recovery (a rollback under load), on demand and due by schedule. */
import type { Capability, ServerContext } from '../core/capability';
import { drillCommands } from './drill-cli';
import { drillRoutes } from './drill-routes';
import { DrillRunner } from './drill-runner';
import { drillKind } from './drill-spec';
import { drillMigrations, DrillStore } from './drill-store';

const runners = new WeakMap<ServerContext, { runner: DrillRunner; store: DrillStore }>();
function drillsOf(ctx: ServerContext): { runner: DrillRunner; store: DrillStore } {
  let d = runners.get(ctx);
  if (!d) {
    const store = new DrillStore(ctx.db);
    runners.set(ctx, (d = { runner: new DrillRunner(ctx, store), store }));
  }
  return d;
}

export const drCapability: Capability = {
  name: 'dr',
  kinds: [drillKind],
  migrations: drillMigrations,
  routes(app, ctx) {
    const d = drillsOf(ctx);
    drillRoutes(app, ctx, d.runner, d.store);
  },
  start(ctx) {
    return () => drillsOf(ctx).runner.stop();
  },
  cli: (program, cli) => drillCommands(program, cli),
};
