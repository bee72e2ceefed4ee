/** Disaster recovery: BackupChecks, restore drills of a Database's backup into a throwaway database, judged against rto and rpo. */
import type { Capability, ServerContext } from '../core/capability';
import { backupCheckKind } from './backup-check-kind';
import { BackupChecks } from './backup-check';
import { BackupStore, drMigrations } from './backup-store';
import { drCommands } from './dr-cli';
import { drRoutes } from './dr-routes';

const runners = new WeakMap<ServerContext, BackupChecks>();
/** One per server: it knows the runs in flight, so a stop can drop their throwaway databases. */
function checksOf(ctx: ServerContext): BackupChecks {
  let c = runners.get(ctx);
  if (!c) runners.set(ctx, (c = new BackupChecks(ctx, new BackupStore(ctx.db))));
  return c;
}

export const drCapability: Capability = {
  name: 'dr',
  kinds: [backupCheckKind],
  migrations: drMigrations,
  routes: (app, ctx) => drRoutes(app, ctx, checksOf(ctx)),
  // Runs start from the route; on close, the ones in flight are stopped and their throwaways dropped.
  start: (ctx) => () => checksOf(ctx).stop(),
  cli: (program, cli) => drCommands(program, cli),
};
