import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../core/capability';
import { READ_ROLES } from '../auth/roles';
import { AUDIT_CHECKPOINTS } from './checkpoints';

const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  kind: z.string().max(100).optional(),
  name: z.string().max(253).optional(),
});

// The checkpoint is checked field by field by checkCheckpoint, so an edited one is a finding
// (exit 1), not a refused request; only its size is bounded here.
const verifyBody = z.strictObject({ checkpoint: z.record(z.string().max(64), z.unknown()).optional() });
const createBody = z.strictObject({});
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(20) });

/**
 * Verifying and checkpointing only read the chain (a checkpoint records its head, signed): any
 * reader may, so a low-privilege token can run the off-host export from cron.
 */
const readers = { access: { roles: READ_ROLES } } as const;

export function auditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const checkpoints = () => ctx.services.get(AUDIT_CHECKPOINTS);
  const verify = async (given?: unknown) => {
    const c = checkpoints();
    return c ? c.verify(given) : ctx.audit.verify(ctx.db);
  };
  app.get('/api/v1/audit/verify', { schema: { tags: ['audit'] } }, async () => verify());
  app.post('/api/v1/audit/verify', { bodyLimit: 64 * 1024, schema: { body: verifyBody, tags: ['audit'] }, config: readers }, async (req) => {
    const body = req.body as z.infer<typeof verifyBody>;
    return verify(body.checkpoint);
  });
  app.get('/api/v1/audit/events', { schema: { querystring: eventsQuery, tags: ['audit'] } }, async (req) => {
    const q = req.query as z.infer<typeof eventsQuery>;
    const items = await ctx.audit.list(ctx.db, { afterSeq: q.after, limit: q.limit, kind: q.kind, name: q.name });
    return { items };
  });
  app.post('/api/v1/audit/checkpoints', { schema: { body: createBody, tags: ['audit'] }, config: readers }, async (_req, reply) => {
    const c = checkpoints();
    if (!c) throw new Error('audit checkpoints are not configured on this server');
    return reply.status(201).send(await c.create());
  });
  app.get('/api/v1/audit/checkpoints', { schema: { querystring: listQuery, tags: ['audit'] } }, async (req) => {
    const q = req.query as z.infer<typeof listQuery>;
    const c = checkpoints();
    return { items: c ? await c.list(q.limit) : [] };
  });
}
