import type { Capability } from '../core/capability';
import { auditMigrations } from '../audit/audit-log';
import { auditRoutes } from '../audit/routes';
import { auditCommands } from '../audit/cli';
import { tokenMigrations } from '../auth/token-store';
import { tokenRoutes } from '../auth/routes';
import { tokenCommands } from '../auth/cli';
import { resourceMigrations } from './resource-store';
import { resourceRoutes } from './routes';
import { resourceCommands } from './cli';

/** The base every capability stands on: resources (apply/get/delete/diff), tokens and the audit log. */
export const coreCapability: Capability = {
  name: 'core',
  migrations: { ...auditMigrations, ...tokenMigrations, ...resourceMigrations },
  routes(app, ctx) {
    resourceRoutes(app, ctx);
    tokenRoutes(app, ctx);
    auditRoutes(app, ctx);
  },
  cli(program, cli) {
    resourceCommands(program, cli);
    tokenCommands(program, cli);
    auditCommands(program, cli);
  },
};
