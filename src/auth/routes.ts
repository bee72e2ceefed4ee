import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../core/capability';
import { ROLES, type Role } from './roles';
import { transaction } from '../store/db';
import { ConflictError, InputError, RefusedError } from '../core/errors';
import { reservedReason } from './users';

const createBody = z.strictObject({
  role: z.enum(ROLES),
  user: z.string().min(1).max(200).regex(/^[^\s]+$/, 'no spaces').optional(),
  environment: z.string().min(1).max(253).optional(),
  description: z.string().max(500).optional(),
});

const userBody = z.strictObject({
  name: z.string().min(1).max(200),
  displayName: z.string().min(1).max(200).optional(),
});
const userParams = z.object({ name: z.string().min(1).max(200) });

/**
 * Roles whose tokens act for a person (authors, approvals, implementations): their tokens name a
 * user. Viewer and sdk tokens may be service credentials with an identity of their own.
 */
const PERSON_ROLES: readonly Role[] = ['deployer', 'approver', 'oncall', 'admin'];

export function tokenRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const adminOnly = { access: { roles: [] } } as const;

  app.post('/api/v1/tokens', { schema: { body: createBody, tags: ['auth'] }, config: adminOnly }, async (req, reply) => {
    const body = req.body as z.infer<typeof createBody>;
    if (body.role === 'sdk' && !body.environment) throw new InputError('an sdk token is bound to one environment: pass environment (--env)', [{ path: 'environment', message: 'required for role sdk' }]);
    if (!body.user && PERSON_ROLES.includes(body.role)) {
      throw new InputError(`a ${body.role} token acts for a person: pass user (--user NAME), after \`shipgate user create NAME\` if the user is new`, [
        { path: 'user', message: `required for role ${body.role}` },
      ]);
    }
    const reserved = body.user !== undefined ? reservedReason(body.user) : undefined;
    if (reserved) throw new RefusedError('IDENTITY_REFUSED', `${reserved}: no token is issued in a system name`, { name: body.user });
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
    }).finally(() => ctx.tokens.forget());
  });

  app.post('/api/v1/users', { schema: { body: userBody, tags: ['auth'] }, config: adminOnly }, async (req, reply) => {
    const body = req.body as z.infer<typeof userBody>;
    const user = await transaction(ctx.db, async (trx) => {
      const u = await ctx.tokens.users.create(trx, { name: body.name, displayName: body.displayName, createdBy: req.principal!.user, nowMs: ctx.clock.now() });
      await ctx.audit.append(trx, { actor: req.principal!.user, action: 'user.create', kind: 'User', name: u.name, after: u });
      return u;
    });
    return reply.status(201).send(user);
  });

  app.get('/api/v1/users', { schema: { tags: ['auth'] }, config: adminOnly }, async () => ({ items: await ctx.tokens.users.list() }));

  app.post('/api/v1/users/:name/disable', { schema: { params: userParams, tags: ['auth'] }, config: adminOnly }, async (req) => {
    const { name } = req.params as z.infer<typeof userParams>;
    if (name === req.principal!.user) throw new ConflictError(`you may not disable your own user "${name}": another admin does that`);
    const after = await transaction(ctx.db, async (trx) => {
      const r = await ctx.tokens.users.disable(trx, name, ctx.clock.now());
      await ctx.audit.append(trx, { actor: req.principal!.user, action: 'user.disable', kind: 'User', name, before: r.before, after: r.after });
      return r.after;
    });
    // Tokens verified before the disable must not keep working from the cache.
    ctx.tokens.forget();
    return after;
  });
}
