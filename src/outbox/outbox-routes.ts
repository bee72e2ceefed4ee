import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../core/capability';
import { NotFoundError } from '../core/errors';
import { toView, type OutboxStore } from './outbox-store';

const listQuery = z.strictObject({
  status: z.enum(['pending', 'sent', 'dead']).optional(),
  kind: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const idParams = z.object({ id: z.string().regex(/^obx_[0-9a-f]{20}$/, 'expected an outbox id such as obx_0190a1b2c3d4e5f6a7b8') });

/**
 * The outbox view for those who answer for deliveries (oncall, admin): each message's kind,
 * target host (never the URL: its path may hold a secret), attempts and last outcome. Payloads
 * stay out too: they may carry what a viewer is not meant to read.
 */
export function outboxRoutes(app: FastifyInstance, _ctx: ServerContext, store: OutboxStore): void {
  const access = { roles: ['oncall' as const] };
  app.get('/api/v1/outbox', { schema: { querystring: listQuery, tags: ['outbox'] }, config: { access } }, async (req) => {
    const q = req.query as z.infer<typeof listQuery>;
    return { items: (await store.list(q)).map(toView) };
  });
  app.get('/api/v1/outbox/:id', { schema: { params: idParams, tags: ['outbox'] }, config: { access } }, async (req) => {
    const r = await store.get((req.params as z.infer<typeof idParams>).id);
    if (!r) throw new NotFoundError(`no outbox message ${(req.params as { id: string }).id}`);
    return toView(r);
  });
}
