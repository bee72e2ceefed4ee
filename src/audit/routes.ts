import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../core/capability';

const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  kind: z.string().max(100).optional(),
  name: z.string().max(253).optional(),
});

export function auditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/audit/verify', { schema: { tags: ['audit'] } }, async () => ctx.audit.verify(ctx.db));
  app.get('/api/v1/audit/events', { schema: { querystring: eventsQuery, tags: ['audit'] } }, async (req) => {
    const q = req.query as z.infer<typeof eventsQuery>;
    const items = await ctx.audit.list(ctx.db, { afterSeq: q.after, limit: q.limit, kind: q.kind, name: q.name });
    return { items };
  });
}
