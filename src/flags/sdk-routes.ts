import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses, errorSchema, textResponse } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { InputError, NotAllowedError } from '../core/errors';
import { canonicalJson, sha256 } from '../core/ids';
import { parseInput } from '../core/kinds';
import { READ_ROLES, type Role } from '../auth/roles';
import { sseStreams, type SseStream } from '../api/sse';
import type { ConfigChange, FlagService, VersionedConfig } from './flag-service';
import { fromOpenFeatureContext, type EvaluationResult } from './flag-engine';

/** Roles that may evaluate flags and read their configuration. */
export const SDK_ROLES: Role[] = [...READ_ROLES, 'sdk'];

const envQuery = z.object({ env: z.string().min(1).max(253).optional() });
const countsBody = z.strictObject({
  environment: z.string().min(1).max(253).optional(),
  counts: z
    .array(z.strictObject({ flag: z.string().min(1).max(255), variant: z.string().min(1).max(255), count: z.number().int().min(1).max(1e12) }))
    .max(10_000),
});

/** OFREP's own error body (refusals before the handler, such as a bad token, use errorSchema). */
const ofrepError = z.object({ key: z.string().optional(), errorCode: z.string(), errorDetails: z.string().optional() });
const ofrepSuccessSchema = z.object({
  key: z.string(),
  value: z.unknown(),
  reason: z.string(),
  variant: z.string().optional(),
  metadata: z.object({ environment: z.string() }),
});
// OFREP errors first: a success has no errorCode, an error has no reason.
/** What OFREP callers send; read as text by ofrepContext, so malformed JSON gets OFREP's PARSE_ERROR. */
const ofrepBody = z.object({ context: z.record(z.string(), z.unknown()).optional().describe('the evaluation context: targetingKey and attributes') });
/** Not modified: the entity tag matches If-None-Match; no body. */
const notModified = { 304: z.void().describe('not modified: the entity tag matches If-None-Match; no body') };
const ofrepErrors = { ...errorResponses(...BODY_ERRORS), 400: z.union([ofrepError, errorSchema]), 404: z.union([ofrepError, errorSchema]) };
// The configuration SDKs evaluate, exact to each flag's top level (the same object the stream sends):
// variants, rules and segments' constraints are the flag model's (flag-model.ts), passed through.
const flagConfigSchema = z.object({
  environment: z.string(),
  flags: z.array(
    z.object({
      key: z.string(),
      type: z.string(),
      valueType: z.string(),
      variants: z.record(z.string(), z.unknown()),
      defaultVariant: z.string(),
      serve: z.unknown().optional(),
      prerequisites: z.array(z.unknown()),
      environment: z.unknown().describe('this environment: enabled and rules'),
    }),
  ),
  segments: z.record(z.string(), z.object({ constraints: z.array(z.unknown()) })),
});

/**
 * The environment a request sees: an sdk token's own (asking for another is refused), else `?env=`.
 * Returns undefined when neither says.
 */
export function requestEnvironment(req: FastifyRequest, requested: string | undefined): string | undefined {
  const p = req.principal!;
  if (p.role === 'sdk') {
    if (!p.environment) throw new NotAllowedError('this sdk token is bound to no environment; create one with --env');
    if (requested && requested !== p.environment) throw new NotAllowedError(`this sdk token sees environment "${p.environment}" only`);
    return p.environment;
  }
  return requested;
}

function requireEnvironment(req: FastifyRequest, requested: string | undefined): string {
  const env = requestEnvironment(req, requested);
  if (!env) throw new InputError('name the environment with ?env=…, or use an sdk token bound to one', [{ path: 'querystring.env', message: 'required' }]);
  return env;
}

/**
 * The stream message of a configuration, serialised once however many subscribers receive it.
 * With `change`, a `changed:` field lists the keys that differ from the configuration with entity
 * tag `change.fromEtag`, so a subscriber that has that one need not diff (other SSE readers
 * ignore the field).
 */
const messages = new WeakMap<VersionedConfig, string>();
const changeMessages = new WeakMap<ConfigChange, string>();
function streamMessage(v: VersionedConfig, change?: ConfigChange): string {
  if (change) {
    let m = changeMessages.get(change);
    if (m === undefined) {
      m = `id: ${v.etag}\nevent: config\nchanged: ${JSON.stringify(change.flagsChanged)}\ndata: ${JSON.stringify(v.config)}\n\n`;
      changeMessages.set(change, m);
    }
    return m;
  }
  let m = messages.get(v);
  if (m === undefined) {
    m = `id: ${v.etag}\nevent: config\ndata: ${JSON.stringify(v.config)}\n\n`;
    messages.set(v, m);
  }
  return m;
}

/** OFREP success body of one evaluation. */
function ofrepSuccess(r: EvaluationResult, environment: string) {
  return { key: r.key, value: r.value, reason: r.reason, variant: r.variant, metadata: { environment } };
}

function ofrepContext(body: unknown): { context?: Record<string, unknown>; error?: { errorCode: 'PARSE_ERROR' | 'INVALID_CONTEXT'; errorDetails: string } } {
  if (body === undefined || body === null || body === '') return { context: {} };
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return { error: { errorCode: 'PARSE_ERROR', errorDetails: `request body is not JSON: ${(e as Error).message}` } };
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { error: { errorCode: 'INVALID_CONTEXT', errorDetails: 'request body must be an object: {"context": {...}}' } };
  }
  const ctx = (parsed as { context?: unknown }).context;
  if (ctx === undefined) return { context: {} };
  if (typeof ctx !== 'object' || ctx === null || Array.isArray(ctx)) {
    return { error: { errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be an object' } };
  }
  return { context: ctx as Record<string, unknown> };
}

/**
 * What SDKs call: OFREP single and bulk evaluation, the configuration (ETag) and its event stream
 * (server-sent events, resumable with Last-Event-ID), and batched evaluation counts.
 */
export function sdkRoutes(base: FastifyInstance, ctx: ServerContext, service: FlagService): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const heartbeatMs = Number((ctx.config.options.flags as { heartbeatMs?: number } | undefined)?.heartbeatMs ?? 15_000);
  const access = { access: { roles: SDK_ROLES } };

  // OFREP answers malformed JSON with its own error shape, so this plugin reads bodies as text.
  void app.register(async (ofrepBase) => {
    const ofrep = ofrepBase.withTypeProvider<ZodTypeProvider>();
    ofrep.removeContentTypeParser('application/json');
    ofrep.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    const ofrepEnv = (req: FastifyRequest & { query: z.infer<typeof envQuery> }, reply: FastifyReply, key: string | undefined) => {
      const env = requestEnvironment(req, req.query.env);
      if (!env) {
        void reply
          .status(400)
          .send({ ...(key ? { key } : {}), errorCode: 'INVALID_CONTEXT', errorDetails: 'no environment: use an sdk token bound to one, or ?env=' });
      }
      return env;
    };

    ofrep.post(
      '/ofrep/v1/evaluate/flags/:key',
      {
        schema: {
          params: z.object({ key: z.string().min(1).max(255) }),
          querystring: envQuery,
          handlerBody: ofrepBody,
          tags: ['ofrep'],
          response: { 200: ofrepSuccessSchema, ...ofrepErrors },
        },
        config: access,
      },
      async (req, reply) => {
        const { key } = req.params;
        const env = ofrepEnv(req, reply, key);
        if (!env) return reply;
        const parsed = ofrepContext(req.body);
        if (parsed.error) return reply.status(400).send({ key, ...parsed.error });
        const { engine } = await service.engine(env);
        const r = engine.evaluate(key, fromOpenFeatureContext(parsed.context!));
        if (r.errorCode === 'FLAG_NOT_FOUND') return reply.status(404).send({ key, errorCode: 'FLAG_NOT_FOUND', errorDetails: r.errorMessage });
        if (r.errorCode) return reply.status(400).send({ key, errorCode: 'GENERAL', errorDetails: r.errorMessage });
        service.countLocal(key, env, r.variant ?? 'unknown');
        return ofrepSuccess(r, env);
      },
    );

    ofrep.post(
      '/ofrep/v1/evaluate/flags',
      {
        schema: {
          querystring: envQuery,
          handlerBody: ofrepBody,
          tags: ['ofrep'],
          response: { 200: z.object({ flags: z.array(z.union([ofrepError, ofrepSuccessSchema])) }), ...notModified, ...ofrepErrors },
        },
        config: access,
      },
      async (req, reply) => {
        const env = ofrepEnv(req, reply, undefined);
        if (!env) return reply;
        const parsed = ofrepContext(req.body);
        if (parsed.error) return reply.status(400).send(parsed.error);
        const { engine, etag } = await service.engine(env);
        const tag = `"${sha256(etag + canonicalJson(parsed.context)).slice(0, 32)}"`;
        if (req.headers['if-none-match'] === tag) return reply.status(304).header('etag', tag).send();
        const flags = engine.evaluateAll(fromOpenFeatureContext(parsed.context!)).map((r) => {
          if (r.errorCode) return { key: r.key, errorCode: r.errorCode === 'FLAG_NOT_FOUND' ? 'FLAG_NOT_FOUND' : 'GENERAL', errorDetails: r.errorMessage };
          service.countLocal(r.key, env, r.variant ?? 'unknown');
          return ofrepSuccess(r, env);
        });
        return reply.header('etag', tag).send({ flags });
      },
    );
  });

  app.get(
    '/api/v1/sdk/flags',
    { schema: { querystring: envQuery, tags: ['flags'], response: { 200: flagConfigSchema, ...notModified, ...errorResponses() } }, config: access },
    async (req, reply) => {
      const env = requireEnvironment(req, req.query.env);
      const v = await service.config(env);
      if (req.headers['if-none-match'] === v.etag) return reply.status(304).header('etag', v.etag).send();
      return reply.header('etag', v.etag).send(v.config);
    },
  );

  app.get(
    '/api/v1/sdk/flags/stream',
    {
      schema: {
        querystring: envQuery,
        tags: ['flags'],
        response: {
          200: textResponse(
            'text/event-stream',
            'server-sent events: `config` events (id: the entity tag, data: the configuration), resumable with Last-Event-ID',
          ),
          ...errorResponses(),
        },
      },
      config: access,
    },
    async (req, reply) => {
      const env = requireEnvironment(req, req.query.env);
      const streams = sseStreams(ctx);
      // Refused with 429 past the per-token cap; freed when the response closes.
      const release = streams.acquire(req);
      const lastEventId = typeof req.headers['last-event-id'] === 'string' ? req.headers['last-event-id'] : undefined;
      const raw = reply.raw;
      let stream: SseStream | undefined;
      let lastSent = lastEventId;
      let pending: VersionedConfig | undefined;
      const send = (v: VersionedConfig, change?: ConfigChange) => {
        if (!stream) {
          // A change arrived before the headers went out: keep the newest, send it once open.
          pending = v;
          return;
        }
        if (v.etag === lastSent) return;
        const contiguous = change !== undefined && change.fromEtag === lastSent;
        lastSent = v.etag;
        stream.write(streamMessage(v, contiguous ? change : undefined));
      };
      // Subscribe before reading, so a change in between is not lost.
      let unsubscribe: () => void;
      try {
        unsubscribe = service.subscribe(env, send);
      } catch (e) {
        release();
        throw e;
      }
      let heartbeat: NodeJS.Timeout | undefined;
      let closed = false;
      // The response closes when the client goes away (the request may complete long before), or
      // when a client that does not read is dropped.
      raw.on('close', () => {
        closed = true;
        stream = undefined;
        pending = undefined;
        unsubscribe();
        release();
        clearInterval(heartbeat);
      });
      let current: VersionedConfig;
      try {
        current = await service.config(env);
      } catch (e) {
        unsubscribe();
        release();
        throw e;
      }
      reply.hijack();
      if (closed) return;
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const open = streams.stream(raw, 'flags', req);
      open.write('retry: 1000\n\n');
      stream = open;
      send(pending ?? current);
      // A client still draining needs no keep-alive; one that never drains is dropped by the stream.
      heartbeat = setInterval(() => !open.backedUp && open.write(': keep-alive\n\n'), heartbeatMs);
      heartbeat.unref();
    },
  );

  app.post(
    '/api/v1/sdk/evaluations',
    {
      schema: { handlerBody: countsBody, tags: ['flags'], response: { 202: z.object({ accepted: z.number().int() }), ...errorResponses(...BODY_ERRORS) } },
      config: { access: { roles: ['sdk', 'deployer'] } },
    },
    async (req, reply) => {
      const body = parseInput(countsBody, req.body);
      const env = requireEnvironment(req, body.environment);
      await service.recordCounts(body.counts.map((c) => ({ ...c, environment: env })));
      return reply.status(202).send({ accepted: body.counts.length });
    },
  );
}
