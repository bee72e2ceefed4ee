/**
 * Disaster recovery: rollback drills under user load (due by schedule) and BackupChecks (a
 * restore of a Database's backup into a throwaway database, judged against rto and rpo).
 */
import type { Capability, ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { backupCheckKind } from './backup-check-kind';
import { BackupChecks } from './backup-check';
import { BackupStore, drMigrations } from './backup-store';
import { drCommands } from './dr-cli';
import { drRoutes } from './dr-routes';
import { drillCommands } from './drill-cli';
import { drillRoutes } from './drill-routes';
import { DrillRunner } from './drill-runner';
import { drillKind } from './drill-spec';
import { drillStatuses } from './drill-status';
import { drillMigrations, DrillStore } from './drill-store';

const drills = new WeakMap<ServerContext, { runner: DrillRunner; store: DrillStore }>();
function drillsOf(ctx: ServerContext): { runner: DrillRunner; store: DrillStore } {
  let d = drills.get(ctx);
  if (!d) {
    const store = new DrillStore(ctx.db);
    drills.set(ctx, (d = { runner: new DrillRunner(ctx, store), store }));
  }
  return d;
}

const checks = new WeakMap<ServerContext, BackupChecks>();
/** One per server: it knows the runs in flight, so a stop can drop their throwaway databases. */
function checksOf(ctx: ServerContext): BackupChecks {
  let c = checks.get(ctx);
  if (!c) checks.set(ctx, (c = new BackupChecks(ctx, new BackupStore(ctx.db))));
  return c;
}

export const drCapability: Capability = {
  name: 'dr',
  kinds: [drillKind, backupCheckKind],
  init(ctx) {
    ctx.services.provide(HOOKS.drills, {
      overdue: async ({ service, atMs }) =>
        (await drillStatuses(ctx, drillsOf(ctx).store, atMs, service))
          .filter((d) => d.overdue)
          .map((d) => ({ name: d.name, environment: d.environment, dueAtMs: d.dueAtMs! })),
    });
    const store = new BackupStore(ctx.db);
    ctx.services.provide(HOOKS.backupChecks, {
      async latestPass({ database, environment }) {
        const r = await store.latestPass(database, environment);
        return r ? { runId: r.id, check: r.check, endedAtMs: r.endedMs ?? r.startedMs, restoreMs: r.restoreMs } : undefined;
      },
    });
  },
  migrations: { ...drillMigrations, ...drMigrations },
  routes(app, ctx) {
    const d = drillsOf(ctx);
    drillRoutes(app, ctx, d.runner, d.store);
    drRoutes(app, ctx, checksOf(ctx));
  },
  // On close, the drills in flight finish and the backup checks in flight stop, dropping their throwaways.
  start: (ctx) => async () => {
    await checksOf(ctx).stop();
    await drillsOf(ctx).runner.stop();
  },
  cli(program, cli) {
    drillCommands(program, cli);
    drCommands(program, cli);
  },
};
