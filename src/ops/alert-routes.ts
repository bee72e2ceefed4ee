import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BODY_ERRORS, errorResponses } from '../api/route-schemas';
import { READ_ROLES } from '../auth/roles';
import type { ServerContext } from '../core/capability';
import { InputError } from '../core/errors';
import { canonicalJson, sha256 } from '../core/ids';
import { resourceName } from '../core/kinds';
import { transaction } from '../store/db';
import { alertmanagerPayload, alertsOf } from './alertmanager';
import type { AlertStore } from './alert-store';

const alertView = z.object({
  fingerprint: z.string(),
  name: z.string(),
  status: z.enum(['firing', 'resolved']),
  severity: z.string().nullable(),
  service: z.string().nullable(),
  environment: z.string().nullable(),
  version: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAtMs: z.number(),
  endsAtMs: z.number().nullable(),
  generatorURL: z.string().nullable(),
  receivedAtMs: z.number(),
});

/**
 * The Alertmanager receiver. Only an `alerts` token posts (Alertmanager's
 * `http_config.authorization`): nobody who releases can raise or clear the alerts a rollout is
 * rolled back on. One `alerts.receive` audit event per notification, with counts, in the
 * transaction that stores them.
 */
export function alertRoutes(base: FastifyInstance, ctx: ServerContext, store: AlertStore): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const tags = ['ops'];
  app.post(
    '/api/v1/alerts/alertmanager',
    {
      schema: {
        body: z.unknown().describe('an Alertmanager webhook notification (version 4)'),
        tags,
        response: { 200: z.object({ stored: z.number(), firing: z.number(), resolved: z.number() }), ...errorResponses(...BODY_ERRORS) },
      },
      config: { access: { roles: ['alerts'] } },
    },
    async (req) => {
      const parsed = alertmanagerPayload.safeParse(req.body);
      if (!parsed.success)
        throw new InputError(
          'not an Alertmanager webhook notification',
          parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
        );
      const now = ctx.clock.now();
      const alerts = alertsOf(parsed.data, now, (l) => sha256(canonicalJson(l)).slice(0, 16));
      const firing = alerts.filter((a) => a.status === 'firing').length;
      await transaction(ctx.db, async (trx) => {
        await store.upsert(trx, alerts);
        await ctx.audit.append(trx, {
          actor: req.principal!.user,
          action: 'alerts.receive',
          kind: 'Alert',
          name: parsed.data.receiver ?? 'alertmanager',
          details: {
            alerts: alerts.length,
            firing,
            resolved: alerts.length - firing,
            names: [...new Set(alerts.map((a) => a.name))].slice(0, 20),
            services: [...new Set(alerts.map((a) => a.service).filter(Boolean))].slice(0, 20),
          },
        });
      });
      return { stored: alerts.length, firing, resolved: alerts.length - firing };
    },
  );
  app.get(
    '/api/v1/alerts',
    {
      schema: {
        querystring: z.strictObject({
          service: resourceName.optional(),
          status: z.enum(['firing', 'resolved']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        tags,
        response: { 200: z.object({ items: z.array(alertView) }), ...errorResponses() },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => ({ items: await store.list(req.query) }),
  );
}
