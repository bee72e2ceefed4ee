import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { NotAllowedError, NotFoundError } from '../core/errors';
import { allows, READ_ROLES, type Principal } from '../auth/roles';
import type { KindDefinition } from '../core/kinds';
import { ApplyService } from './apply-service';
import { HOOKS } from '../core/hooks';
import { egressPolicyOf } from '../egress/egress-policy';
import { manifestFor } from './secrets';

const filesBody = z.object({
  files: z
    .array(z.object({ name: z.string().min(1).max(1024), content: z.string() }))
    .min(1)
    .max(10_000),
});
const kindParams = z.object({ kind: z.string().min(1).max(100) });
const nameParams = kindParams.extend({ name: z.string().min(1).max(253) });
// A manifest's envelope is exact (core/kinds.ts envelope); its spec is the kind's own schema, passed through.
const manifestSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string(), labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.unknown().describe("the kind's spec; secret fields are markers unless the caller is an admin"),
});
const applyResult = z.object({ apiVersion: z.string(), kind: z.string(), name: z.string(), action: z.enum(['created', 'updated', 'unchanged']) });
const diffEntry = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  action: z.enum(['create', 'update', 'unchanged']),
  diff: z.array(z.string()).describe('unified line diff of the YAML forms; empty when unchanged'),
});

function assertMayWrite(principal: Principal, def: KindDefinition): void {
  const roles = def.writeRoles ?? ['deployer'];
  if (!allows({ roles }, principal.role)) {
    throw new NotAllowedError(`role "${principal.role}" may not change ${def.kind} resources; allowed: ${[...roles, 'admin'].join(', ')}`);
  }
}

/** Generic resource routes: apply, diff, get, delete, for every registered kind. */
export function resourceRoutes(base: FastifyInstance, ctx: ServerContext): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const service = new ApplyService(
    ctx.db,
    ctx.kinds,
    ctx.resources,
    ctx.events,
    egressPolicyOf(ctx.config),
    () => ctx.services.get(HOOKS.authorizer),
    ctx.secretMarker,
  );

  app.post(
    '/api/v1/apply',
    {
      schema: { body: filesBody, tags: ['resources'], response: { 200: z.object({ results: z.array(applyResult) }), ...errorResponses(409, ...BODY_ERRORS) } },
      config: { access: { roles: ['deployer'] } },
    },
    async (req) => {
      const { files } = req.body;
      const checked = await service.check(files, req.principal!);
      for (const c of checked) assertMayWrite(req.principal!, c.def);
      return { results: await service.apply(files, req.principal!) };
    },
  );

  app.post(
    '/api/v1/diff',
    {
      schema: { body: filesBody, tags: ['resources'], response: { 200: z.object({ changes: z.array(diffEntry) }), ...errorResponses(...BODY_ERRORS) } },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      return { changes: await service.diff(req.body.files, req.principal) };
    },
  );

  app.get(
    '/api/v1/kinds',
    {
      schema: {
        tags: ['resources'],
        response: {
          200: z.object({ kinds: z.array(z.object({ apiVersion: z.string(), kind: z.string(), names: z.array(z.string()), description: z.string() })) }),
          ...errorResponses(),
        },
      },
    },
    async () => ({
      kinds: ctx.kinds.list().map((k) => ({ apiVersion: k.apiVersion, kind: k.kind, names: k.names, description: k.description ?? '' })),
    }),
  );

  app.get(
    '/api/v1/resources/:kind',
    { schema: { params: kindParams, tags: ['resources'], response: { 200: z.object({ items: z.array(manifestSchema) }), ...errorResponses(404) } } },
    async (req) => {
      const def = ctx.kinds.lookup(req.params.kind);
      const items = await ctx.resources.list(def.apiVersion, def.kind);
      // Secret fields (the kind's secretPaths) are shown to admins only; others get the marker.
      return { items: items.map((i) => manifestFor(ctx.kinds, req.principal, i.manifest, ctx.secretMarker)) };
    },
  );

  app.get(
    '/api/v1/resources/:kind/:name',
    {
      schema: {
        params: nameParams,
        tags: ['resources'],
        response: {
          200: z.object({ manifest: manifestSchema, generation: z.number().int(), updatedAt: z.string(), updatedBy: z.string() }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => {
      const p = req.params;
      const def = ctx.kinds.lookup(p.kind);
      const item = await ctx.resources.get(def.apiVersion, def.kind, p.name);
      if (!item) throw new NotFoundError(`${def.kind} "${p.name}" not found`);
      return {
        manifest: manifestFor(ctx.kinds, req.principal, item.manifest, ctx.secretMarker),
        generation: item.generation,
        updatedAt: item.updatedAt,
        updatedBy: item.updatedBy,
      };
    },
  );

  app.delete(
    '/api/v1/resources/:kind/:name',
    {
      schema: {
        params: nameParams,
        tags: ['resources'],
        response: { 200: z.object({ deleted: z.boolean(), kind: z.string(), name: z.string() }), ...errorResponses(404, 409) },
      },
      config: { access: { roles: ['deployer'] } },
    },
    async (req) => {
      const p = req.params;
      const def = ctx.kinds.lookup(p.kind);
      assertMayWrite(req.principal!, def);
      const deleted = await service.delete(p.kind, p.name, req.principal!);
      if (!deleted) throw new NotFoundError(`${def.kind} "${p.name}" not found`);
      return { deleted: true, kind: def.kind, name: p.name };
    },
  );
}
