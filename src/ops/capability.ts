import type { Capability } from '../core/capability';
import { HOOKS, type ExternalAlerts } from '../core/hooks';
import { concernsRelease } from './alertmanager';
import { alertRoutes } from './alert-routes';
import { AlertStore, opsMigrations } from './alert-store';
import { alertCommands } from './alert-cli';

/**
 * Operations: alerts from the monitoring Shipgate does not run (an Alertmanager receiver), linked
 * to the services and versions they name, and a rollback trigger for the releases they concern.
 */
export const opsCapability: Capability = {
  name: 'ops',
  migrations: opsMigrations,
  init(ctx) {
    const store = new AlertStore(ctx.db);
    const hook: ExternalAlerts = {
      async firing(r) {
        return (await store.list({ service: r.service, status: 'firing', limit: 500 }))
          .filter((a) => concernsRelease(a, r))
          .map((a) => ({
            name: a.name,
            fingerprint: a.fingerprint,
            severity: a.severity,
            startsAtMs: a.startsAtMs,
            summary: a.annotations.summary ?? a.annotations.description ?? null,
          }));
      },
    };
    ctx.services.provide(HOOKS.externalAlerts, hook);
  },
  routes(app, ctx) {
    alertRoutes(app, ctx, new AlertStore(ctx.db));
  },
  cli(program, cli) {
    alertCommands(program, cli);
  },
};
