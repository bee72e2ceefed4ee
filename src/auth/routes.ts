import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { ROLES, type Role } from './roles';
import { transaction } from '../store/db';
import { ConflictError, InputError, RefusedError } from '../core/errors';
import { reservedReason } from './users';

const createBody = z.strictObject({
  role: z.enum(ROLES),
  user: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s]+$/, 'no spaces')
    .optional(),
  environment: z.string().min(1).max(253).optional(),
  description: z.string().max(500).optional(),
});

const userBody = z.strictObject({
  name: z.string().min(1).max(200),
  displayName: z.string().min(1).max(200).optional(),
});
const userParams = z.object({ name: z.string().min(1).max(200) });

const tokenInfo = z.object({
  id: z.string(),
  role: z.enum(ROLES),
  user: z.string(),
  userId: z.string(),
  environment: z.string().nullable(),
  description: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
});
const userInfo = z.object({
  id: z.string(),
  name: z.string(),
  displayName: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  disabledAt: z.string().nullable(),
});
const principalSchema = z.object({
  tokenId: z.string(),
  role: z.enum(ROLES),
  user: z.string(),
  userId: z.string().optional(),
  environment: z.string().optional().describe('sdk tokens: the one environment whose flags they see'),
});

/**
 * Roles whose tokens act for a person (authors, approvals, implementations): their tokens name a
 * user. Viewer and sdk tokens may be service credentials with an identity of their own.
 */
const PERSON_ROLES: readonly Role[] = ['deployer', 'approver', 'oncall', 'admin'];

export function tokenRoutes(base: FastifyInstance, ctx: ServerContext): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const adminOnly = { access: { roles: [] } } as const;

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        body: createBody,
        tags: ['auth'],
        response: { 201: z.object({ token: z.string().describe('the secret, shown once'), info: tokenInfo }), ...errorResponses(404, 409, ...BODY_ERRORS) },
      },
      config: adminOnly,
    },
    async (req, reply) => {
      const body = req.body;
      if (body.role === 'sdk' && !body.environment)
        throw new InputError('an sdk token is bound to one environment: pass environment (--env)', [{ path: 'environment', message: 'required for role sdk' }]);
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
    },
  );

  app.get(
    '/api/v1/tokens',
    { schema: { tags: ['auth'], response: { 200: z.object({ items: z.array(tokenInfo) }), ...errorResponses() } }, config: adminOnly },
    async () => ({ items: await ctx.tokens.list() }),
  );

  app.get(
    '/api/v1/whoami',
    { schema: { tags: ['auth'], response: { 200: principalSchema, ...errorResponses() } }, config: { access: { roles: [...ROLES] } } },
    async (req) => req.principal!,
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: { params: z.object({ id: z.string().min(1).max(64) }), tags: ['auth'], response: { 200: tokenInfo, ...errorResponses(404) } },
      config: adminOnly,
    },
    async (req) => {
      const { id } = req.params;
      return transaction(ctx.db, async (trx) => {
        const info = await ctx.tokens.revoke(trx, id, ctx.clock.now());
        await ctx.audit.append(trx, { actor: req.principal!.user, action: 'token.revoke', kind: 'Token', name: id, after: info });
        return info;
      }).finally(() => ctx.tokens.forget());
    },
  );

  app.post(
    '/api/v1/users',
    { schema: { body: userBody, tags: ['auth'], response: { 201: userInfo, ...errorResponses(409, ...BODY_ERRORS) } }, config: adminOnly },
    async (req, reply) => {
      const body = req.body;
      const user = await transaction(ctx.db, async (trx) => {
        const u = await ctx.tokens.users.create(trx, {
          name: body.name,
          displayName: body.displayName,
          createdBy: req.principal!.user,
          nowMs: ctx.clock.now(),
        });
        await ctx.audit.append(trx, { actor: req.principal!.user, action: 'user.create', kind: 'User', name: u.name, after: u });
        return u;
      });
      return reply.status(201).send(user);
    },
  );

  app.get(
    '/api/v1/users',
    { schema: { tags: ['auth'], response: { 200: z.object({ items: z.array(userInfo) }), ...errorResponses() } }, config: adminOnly },
    async () => ({ items: await ctx.tokens.users.list() }),
  );

  app.post(
    '/api/v1/users/:name/disable',
    { schema: { params: userParams, tags: ['auth'], response: { 200: userInfo, ...errorResponses(404, 409, ...BODY_ERRORS) } }, config: adminOnly },
    async (req) => {
      const { name } = req.params;
      if (name === req.principal!.user) throw new ConflictError(`you may not disable your own user "${name}": another admin does that`);
      const after = await transaction(ctx.db, async (trx) => {
        const r = await ctx.tokens.users.disable(trx, name, ctx.clock.now());
        await ctx.audit.append(trx, { actor: req.principal!.user, action: 'user.disable', kind: 'User', name, before: r.before, after: r.after });
        return r.after;
      });
      // Tokens verified before the disable must not keep working from the cache.
      ctx.tokens.forget();
      return after;
    },
  );
}
