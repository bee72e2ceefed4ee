import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { collectDefaultMetrics, Counter, Histogram } from 'prom-client';
import { randomUUID } from 'node:crypto';
import './fastify-types';
import { allows, READ_ROLES, type Access } from '../auth/roles';
import { InputError, NotAllowedError, UnauthenticatedError } from '../core/errors';
import type { Capability, ServerContext } from '../core/capability';
import { errorHandler } from './errors';
import { openApiTransform } from './openapi-transform';
import { publicErrorResponses, textResponse } from './route-schemas';

/** A route as registered, with who may call it (for the access matrix test and `shipgate help api`). */
export interface RouteInfo {
  method: string;
  url: string;
  access: Access;
}

const routeLists = new WeakMap<object, RouteInfo[]>();

/** Every route registered on an app built by buildApp. */
export function routesOf(app: FastifyInstance): RouteInfo[] {
  return routeLists.get(app) ?? [];
}

/** Largest request body accepted, in bytes. */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Builds the HTTP API: shared infrastructure (auth, errors, metrics, OpenAPI, health) plus one
 * encapsulated plugin per capability.
 */
export async function buildApp(ctx: ServerContext, capabilities: Capability[], opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger === false ? undefined : (ctx.log as unknown as FastifyBaseLogger),
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 64) : randomUUID()),
    requestTimeout: 120_000,
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: null });
  });
  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }

  const routes: RouteInfo[] = [];
  routeLists.set(app, routes);
  // Every route that changes something must say who may call it.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) if (m !== 'HEAD') routes.push({ method: m, url: route.url, access: route.config?.access ?? { roles: READ_ROLES } });
    const mutating = methods.some((m) => !['GET', 'HEAD', 'OPTIONS'].includes(m));
    if (mutating && !route.config?.access) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no access roles`);
    }
  });

  app.addHook('onRequest', async (req) => {
    const access: Access = req.routeOptions.config?.access ?? { roles: READ_ROLES };
    if (access === 'public') return;
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ')) throw new UnauthenticatedError();
    // The socket's address (no trustProxy): a header cannot move a caller into another's bucket.
    req.principal = await ctx.tokens.authenticate(header.slice(7).trim(), ctx.clock.now(), req.ip);
    if (!allows(access, req.principal.role)) {
      throw new NotAllowedError(
        `role "${req.principal.role}" may not ${req.method} ${req.routeOptions.url}; allowed: ${[...access.roles, 'admin'].join(', ')}`,
      );
    }
  });

  // No store keeps a NUL character (PostgreSQL refuses it in text and jsonb), so a request that
  // carries one, in its path, query or JSON body, is refused before any route sees it.
  app.addHook('preValidation', async (req) => {
    const at = findNul({ params: req.params, query: req.query, body: req.body });
    if (at !== undefined) throw new InputError(`${at} holds a NUL character (\\0)`, [{ path: at, message: 'remove the NUL character (\\0)' }]);
  });

  collectDefaultMetrics({ register: ctx.metrics, prefix: 'shipgate_' });
  const requests = new Counter({
    name: 'shipgate_http_requests_total',
    help: 'API requests',
    labelNames: ['method', 'route', 'status'],
    registers: [ctx.metrics],
  });
  const duration = new Histogram({
    name: 'shipgate_http_request_duration_seconds',
    help: 'API request duration',
    labelNames: ['method', 'route'],
    registers: [ctx.metrics],
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Shipgate API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: openApiTransform,
  });

  const pub = { config: { access: 'public' as const } };
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['server'];
  typed.get('/healthz', { ...pub, schema: { tags, response: { 200: z.object({ status: z.literal('ok') }), ...publicErrorResponses() } } }, async () => ({
    status: 'ok' as const,
  }));
  const readiness = z.object({ status: z.enum(['ready', 'not ready']) });
  typed.get('/readyz', { ...pub, schema: { tags, response: { 200: readiness, ...publicErrorResponses(), 503: readiness } } }, async (_req, reply) => {
    try {
      await ctx.db.selectFrom('resources').select('name').limit(1).execute();
      return { status: 'ready' as const };
    } catch {
      return reply.status(503).send({ status: 'not ready' as const });
    }
  });
  typed.get(
    '/metrics',
    { ...pub, schema: { tags, response: { 200: textResponse('text/plain', 'Prometheus text exposition format'), ...publicErrorResponses() } } },
    async (_req, reply) => {
      reply.header('content-type', ctx.metrics.contentType);
      return ctx.metrics.metrics();
    },
  );
  // The document's top level; its paths are every route's schemas, checked by openapi-completeness.e2e.test.ts.
  const openApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) });
  typed.get(
    '/api/v1/openapi.json',
    { ...pub, schema: { tags, response: { 200: openApiDocument, ...publicErrorResponses() } } },
    async () => app.swagger() as z.input<typeof openApiDocument>,
  );

  for (const cap of capabilities) {
    if (!cap.routes) continue;
    const routes = cap.routes;
    await app.register(async (child) => {
      await routes(child, ctx);
    });
  }
  return app as unknown as FastifyInstance;
}

/** Path (`body.files[0].content`) of the first string or key holding U+0000, depth-first. */
function findNul(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = findNul(value[i], `${path}[${i}]`, depth + 1);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const p = path ? `${path}.${k}` : k;
    if (k.includes('\u0000')) return p;
    const at = findNul(v, p, depth + 1);
    if (at !== undefined) return at;
  }
  return undefined;
}
