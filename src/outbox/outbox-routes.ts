import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { NotFoundError } from '../core/errors';
import { toView, type OutboxStore } from './outbox-store';

const listQuery = z.strictObject({
  status: z.enum(['pending', 'sent', 'dead']).optional(),
  kind: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const idParams = z.object({ id: z.string().regex(/^obx_[0-9a-f]{20}$/, 'expected an outbox id such as obx_0190a1b2c3d4e5f6a7b8') });
const outboxView = z.object({
  id: z.string(),
  kind: z.string(),
  host: z.string().describe('the target host only: a URL may carry a secret in its path'),
  status: z.enum(['pending', 'sent', 'dead']),
  attempts: z.number().int(),
  createdMs: z.number(),
  nextAttemptMs: z.number(),
  lastAttemptMs: z.number().nullable(),
  sentMs: z.number().nullable(),
  lastStatus: z.number().nullable().describe('HTTP status of the last attempt'),
  lastError: z.string().nullable(),
});

/**
 * The outbox view for those who answer for deliveries (oncall, admin): each message's kind,
 * target host (never the URL: its path may hold a secret), attempts and last outcome. Payloads
 * stay out too: they may carry what a viewer is not meant to read.
 */
export function outboxRoutes(base: FastifyInstance, _ctx: ServerContext, store: OutboxStore): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const access = { roles: ['oncall' as const] };
  app.get(
    '/api/v1/outbox',
    {
      schema: { querystring: listQuery, tags: ['outbox'], response: { 200: z.object({ items: z.array(outboxView) }), ...errorResponses() } },
      config: { access },
    },
    async (req) => {
      return { items: (await store.list(req.query)).map(toView) };
    },
  );
  app.get(
    '/api/v1/outbox/:id',
    { schema: { params: idParams, tags: ['outbox'], response: { 200: outboxView, ...errorResponses(404) } }, config: { access } },
    async (req) => {
      const r = await store.get(req.params.id);
      if (!r) throw new NotFoundError(`no outbox message ${req.params.id}`);
      return toView(r);
    },
  );
}
