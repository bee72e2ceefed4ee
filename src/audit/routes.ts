import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses } from '../api/route-schemas';
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

// A verdict's fields depend on how the chain failed (seq, missing, reason): the common ones named, the rest kept.
const verdictSchema = z.looseObject({
  ok: z.boolean(),
  events: z.number().int(),
  headSeq: z.number().int().optional(),
  headHash: z.string().optional(),
  seq: z.number().int().optional().describe('the first event at fault; 0 when a checkpoint itself is'),
  reason: z.string().optional(),
  checkpoints: z.array(z.object({ source: z.enum(['table', 'file', 'given']), headSeq: z.number().int(), at: z.string() })).optional(),
});
const eventSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  kind: z.string(),
  name: z.string(),
  beforeHash: z.string().nullable(),
  afterHash: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  prevHash: z.string(),
  hash: z.string(),
  before: z.unknown().optional().describe('the state before, when kept'),
  after: z.unknown().optional().describe('the state after, when kept'),
});
const checkpointSchema = z.object({
  v: z.literal(1),
  headSeq: z.number().int(),
  headHash: z.string(),
  count: z.number().int(),
  at: z.string(),
  keyedFromSeq: z.number().int().nullable(),
  macKeyId: z.string().nullable(),
  publicKeyFingerprint: z.string(),
  publicKey: z.string().describe('SPKI PEM'),
  signature: z.string().describe('Ed25519, base64'),
});

/**
 * Verifying and checkpointing only read the chain (a checkpoint records its head, signed): any
 * reader may, so a low-privilege token can run the off-host export from cron.
 */
const readers = { access: { roles: READ_ROLES } } as const;

export function auditRoutes(base: FastifyInstance, ctx: ServerContext): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const checkpoints = () => ctx.services.get(AUDIT_CHECKPOINTS);
  const verify = async (given?: unknown) => {
    const c = checkpoints();
    return c ? c.verify(given) : ctx.audit.verify(ctx.db);
  };
  app.get('/api/v1/audit/verify', { schema: { tags: ['audit'], response: { 200: verdictSchema, ...errorResponses() } } }, async () => verify());
  app.post(
    '/api/v1/audit/verify',
    {
      bodyLimit: 64 * 1024,
      schema: { body: verifyBody, tags: ['audit'], response: { 200: verdictSchema, ...errorResponses(...BODY_ERRORS) } },
      config: readers,
    },
    async (req) => {
      return verify(req.body.checkpoint);
    },
  );
  app.get(
    '/api/v1/audit/events',
    { schema: { querystring: eventsQuery, tags: ['audit'], response: { 200: z.object({ items: z.array(eventSchema) }), ...errorResponses() } } },
    async (req) => {
      const q = req.query;
      const items = await ctx.audit.list(ctx.db, { afterSeq: q.after, limit: q.limit, kind: q.kind, name: q.name });
      return { items };
    },
  );
  app.post(
    '/api/v1/audit/checkpoints',
    { schema: { body: createBody, tags: ['audit'], response: { 201: checkpointSchema, ...errorResponses(...BODY_ERRORS) } }, config: readers },
    async (_req, reply) => {
      const c = checkpoints();
      if (!c) throw new Error('audit checkpoints are not configured on this server');
      return reply.status(201).send(await c.create());
    },
  );
  app.get(
    '/api/v1/audit/checkpoints',
    { schema: { querystring: listQuery, tags: ['audit'], response: { 200: z.object({ items: z.array(checkpointSchema) }), ...errorResponses() } } },
    async (req) => {
      const q = req.query;
      const c = checkpoints();
      return { items: c ? await c.list(q.limit) : [] };
    },
  );
}
