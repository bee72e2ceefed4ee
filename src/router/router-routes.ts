import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BODY_ERRORS, errorResponses, textResponse } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { parseInput } from '../core/kinds';
import { CODE_CLASSES, BUCKET_MS, type RouterBucket } from '../metrics/types';
import { HISTOGRAM_BUCKETS } from '../metrics/latency-histogram';
import { ConflictError, NotFoundError } from '../core/errors';
import { sseStreams, type SseStream } from '../api/sse';
import { transaction } from '../store/db';
import { READ_ROLES, ROUTER_READ_ROLES } from '../auth/roles';
import { renderPrometheus } from './prometheus-text';
import type { Router } from './router';
import { checkRouteTable, mergeRouteTables } from './route-table';
import type { RouteTableHub, RouteTableSnapshot } from './route-table-hub';

const bucketSchema = z.strictObject({
  route: z.string().min(1).max(253),
  version: z.string().min(1).max(253),
  startMs: z
    .number()
    .int()
    .nonnegative()
    .refine((n) => n % BUCKET_MS === 0, `must be a multiple of ${BUCKET_MS}`),
  counts: z.partialRecord(z.enum(CODE_CLASSES), z.number().int().nonnegative()),
  latency: z.record(
    z
      .string()
      .regex(/^\d+$/)
      .refine((k) => Number(k) < HISTOGRAM_BUCKETS, `histogram bucket index must be < ${HISTOGRAM_BUCKETS}`),
    z.number().int().nonnegative(),
  ),
  mirror: z.boolean().optional(),
});
const statsBody = z.strictObject({ buckets: z.array(bucketSchema).max(100_000) });

// What routers load: the snapshot's top level exactly; the tables and the merged spec are the
// RouteTable kind's (route-table.ts), passed through whole since routers act on every field.
const tableSchema = z.object({
  generation: z.number().int(),
  etag: z.string(),
  tables: z.array(z.object({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }), spec: z.unknown() })),
  spec: z.unknown().describe('the tables merged: what a router serves'),
  problems: z.array(z.string()).describe('tables left out and merge conflicts'),
});

/** What a stats batch holds, for its one audit event. Routes are the services' routes. */
export function statsCounts(buckets: RouterBucket[]): {
  buckets: number;
  routes: number;
  services: number;
  versions: number;
  requests: number;
  errors: number;
  mirror: number;
} {
  const routes = new Set<string>();
  const versions = new Set<string>();
  let requests = 0;
  let errors = 0;
  let mirror = 0;
  for (const b of buckets) {
    routes.add(b.route);
    versions.add(`${b.route}\u0000${b.version}`);
    if (b.mirror) mirror++;
    for (const [k, v] of Object.entries(b.counts)) {
      requests += v ?? 0;
      if (k === '5xx' || k === 'connect_error' || k === 'timeout') errors += v ?? 0;
    }
  }
  return { buckets: buckets.length, routes: routes.size, services: routes.size, versions: versions.size, requests, errors, mirror };
}

/** One server-sent event carrying a snapshot. */
export function sseMessage(s: RouteTableSnapshot): string {
  return `id: ${s.etag}\nevent: table\ndata: ${JSON.stringify(s)}\n\n`;
}

/** Options read from `ctx.config.options.router`. */
export interface RouterServerOptions {
  /** Comment line sent on idle watch streams, ms. */
  heartbeatMs?: number;
}

/** The router's API: the table routers load, the watch stream, and stats pushed by routers. */
export function routerRoutes(
  base: FastifyInstance,
  ctx: ServerContext,
  hub: () => RouteTableHub,
  streamsEnd: Set<() => void>,
  inProcess: () => Router | undefined = () => undefined,
): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const opts = (ctx.config.options.router ?? {}) as RouterServerOptions;

  // The in-process router's series for a Prometheus to scrape (with a reader's bearer token), as
  // a standalone router's admin /metrics gives them.
  app.get(
    '/api/v1/router/metrics',
    {
      schema: { tags: ['router'], response: { 200: textResponse('text/plain', 'Prometheus text exposition format 0.0.4'), ...errorResponses(404) } },
      config: { access: { roles: READ_ROLES } },
    },
    async (_req, reply) => {
      const r = inProcess();
      if (!r) throw new NotFoundError('this server runs no in-process router (start it with --router H:P); scrape a standalone router at its admin /metrics');
      reply.header('content-type', 'text/plain; version=0.0.4');
      return renderPrometheus(r.statsRecorder().all());
    },
  );

  app.get(
    '/api/v1/router/table',
    { schema: { tags: ['router'], response: { 200: tableSchema, ...errorResponses() } }, config: { access: { roles: ROUTER_READ_ROLES } } },
    async () => {
      const s = await hub().snapshot();
      const checked = [];
      const problems: string[] = [];
      for (const t of s.tables) {
        try {
          checked.push(checkRouteTable(t, `RouteTable ${t.metadata.name}`));
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      const merged = mergeRouteTables(checked);
      return { ...s, spec: merged.spec, problems: [...problems, ...merged.conflicts] };
    },
  );

  app.get(
    '/api/v1/router/watch',
    {
      schema: {
        tags: ['router'],
        response: {
          200: textResponse('text/event-stream', 'server-sent events: `table` events (id: the entity tag, data: the snapshot), resumable with Last-Event-ID'),
          ...errorResponses(),
        },
      },
      config: { access: { roles: ROUTER_READ_ROLES } },
    },
    async (req, reply) => {
      const streams = sseStreams(ctx);
      // Refused with 429 past the per-token cap; freed when the stream ends.
      const release = streams.acquire(req);
      const raw = reply.raw;
      let open = true;
      let stream: SseStream | undefined;
      let last = typeof req.headers['last-event-id'] === 'string' ? req.headers['last-event-id'] : undefined;
      const send = (s: RouteTableSnapshot) => {
        if (!open || !stream || s.etag === last) return;
        last = s.etag;
        stream.write(sseMessage(s));
      };
      let heartbeat: NodeJS.Timeout | undefined;
      let unsubscribe: () => void;
      try {
        unsubscribe = hub().subscribe(send);
      } catch (e) {
        release();
        throw e;
      }
      const end = () => {
        if (!open) return;
        open = false;
        unsubscribe();
        release();
        clearInterval(heartbeat);
        streamsEnd.delete(end);
        if (stream) stream.end();
        else raw.end();
      };
      // Listened for before the snapshot is read: a client gone by then must not leave a subscriber.
      // A client dropped for not reading closes the response too.
      raw.on('close', end);
      let current: RouteTableSnapshot;
      try {
        current = await hub().snapshot();
      } catch (e) {
        open = false;
        unsubscribe();
        release();
        raw.off('close', end);
        throw e;
      }
      reply.hijack();
      if (!open) return;
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const s = streams.stream(raw, 'router', req);
      s.write('retry: 1000\n\n');
      stream = s;
      // A reconnecting router that already has this table gets no repeat; everyone else gets it now.
      send(current);
      heartbeat = setInterval(() => !s.backedUp && s.write(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
      heartbeat.unref();
      streamsEnd.add(end);
    },
  );

  // Router buckets are what canary analysis and router-based SLOs judge: only a router's token
  // (role `router`, or admin) may push them, never a deployer whose own release is being judged.
  app.post(
    '/api/v1/router/stats',
    {
      schema: { handlerBody: statsBody, tags: ['router'], response: { 202: z.object({ accepted: z.number().int() }), ...errorResponses(409, ...BODY_ERRORS) } },
      config: { access: { roles: ['router'] } },
    },
    async (req, reply) => {
      const body = parseInput(statsBody, req.body);
      const metrics = ctx.services.get(HOOKS.metrics);
      if (!metrics) throw new ConflictError('this server has no metrics service to store router stats');
      const buckets = body.buckets as RouterBucket[];
      if (buckets.length) {
        // One audit event per batch, with counts, in the transaction that stores the buckets.
        await transaction(ctx.db, async (trx) => {
          await metrics.ingestRouterBuckets(buckets, trx);
          await ctx.audit.append(trx, {
            actor: req.principal!.user,
            action: 'router.stats.push',
            kind: 'RouterStats',
            name: req.principal!.user,
            details: { role: req.principal!.role, ...statsCounts(buckets) },
          });
        });
      }
      return reply.status(202).send({ accepted: body.buckets.length });
    },
  );
}
