import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../core/capability';
import { ROLES } from './roles';
import { transaction } from '../store/db';
import { InputError } from '../core/errors';

const createBody = z.strictObject({
  role: z.enum(ROLES),
  user: z.string().min(1).max(200).regex(/^[^\s]+$/, 'no spaces').optional(),
  environment: z.string().min(1).max(253).optional(),
  description: z.string().max(500).optional(),
});

export function tokenRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const adminOnly = { access: { roles: [] } } as const;

  app.post('/api/v1/tokens', { schema: { body: createBody, tags: ['auth'] }, config: adminOnly }, async (req, reply) => {
    const body = req.body as z.infer<typeof createBody>;
    if (body.role === 'sdk' && !body.environment) throw new InputError('an sdk token is bound to one environment: pass environment (--env)', [{ path: 'environment', message: 'required for role sdk' }]);
    const created = await transaction(ctx.db, async (trx) => {
      const r = await ctx.tokens.create(trx, { ...body, createdBy: req.principal!.user, nowMs: ctx.clock.now() });
      await ctx.audit.append(trx, { actor: req.principal!.user, action: 'token.create', kind: 'Token', name: r.info.id, after: r.info });
      return r;
    });
    return reply.status(201).send(created);
  });

  app.get('/api/v1/tokens', { schema: { tags: ['auth'] }, config: adminOnly }, async () => ({ items: await ctx.tokens.list() }));

  app.get('/api/v1/whoami', { schema: { tags: ['auth'] }, config: { access: { roles: [...ROLES] } } }, async (req) => req.principal);

  app.delete('/api/v1/tokens/:id', { schema: { params: z.object({ id: z.string().min(1).max(64) }), tags: ['auth'] }, config: adminOnly }, async (req) => {
    const { id } = req.params as { id: string };
    return transaction(ctx.db, async (trx) => {
      const info = await ctx.tokens.revoke(trx, id, ctx.clock.now());
      await ctx.audit.append(trx, { actor: req.principal!.user, action: 'token.revoke', kind: 'Token', name: id, after: info });
      return info;
    });
  });
}
