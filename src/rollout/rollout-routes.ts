import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses, figure } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { NotFoundError } from '../core/errors';
import { resourceName } from '../core/kinds';
import { checkReleaseInput } from '../targets/release-input';
import type { RolloutRuntime } from './rollout-runtime';
import { RolloutService } from './rollout-service';
import { buildStatus, runView } from './rollout-status';
import { buildRunbook, renderRunbook } from './runbook';
import { backendNames } from './traffic-plan';
import { redactConfig } from './revision';
import { seesSecrets } from '../resources/secrets';

const tags = ['rollout'];
/** A config value: plain, or `{secret: true, value}`, stored as given but shown to non-admins as a marker. */
export const configSetSchema = z.union([z.string().max(10_000), z.strictObject({ secret: z.literal(true), value: z.string().max(10_000) })]);
const name = resourceName;
const serviceParams = z.object({ service: name });
const envQuery = z.object({ environment: name.default('production') });
const releaseBody = z.strictObject({
  service: name,
  environment: name.default('production'),
  version: z.string().min(1).max(50),
  set: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), configSetSchema).default({}),
  artifact: z.string().min(1).max(10_000).optional(),
  changeId: z.string().min(1).max(200).optional(),
  /** Reason for an emergency change (role oncall): the one way past a budget freeze or a freeze window. */
  emergency: z.string().trim().min(1).max(5000).optional(),
});
const commandParams = serviceParams.extend({ command: z.enum(['promote', 'pause', 'resume', 'abort', 'retry', 'undo']) });
const commandBody = z.strictObject({
  environment: name.default('production'),
  full: z.boolean().default(false),
  toRevision: z.number().int().min(1).optional(),
  /** For retry and undo: the change request that authorises it (else one is found or created). */
  changeId: z.string().min(1).max(200).optional(),
  /** For retry and undo: reason for an emergency change (role oncall). */
  emergency: z.string().trim().min(1).max(5000).optional(),
});
const markersQuery = z.object({
  service: name.optional(),
  environment: name.optional(),
  since: z.coerce.number().int().nonnegative().optional(),
  /** `grafana`: a list of Grafana annotations (time, text, tags), for a JSON API / Infinity datasource. */
  format: z.enum(['shipgate', 'grafana']).default('shipgate'),
});
const grafanaAnnotation = z.object({ time: z.number(), text: z.string(), tags: z.array(z.string()), title: z.string() });

const runViewSchema = z.object({
  id: z.string(),
  service: z.string(),
  environment: z.string(),
  strategy: z.string(),
  phase: z.string(),
  pausedBy: z.string().nullable(),
  fromRevision: z.string().nullable(),
  toRevision: z.string(),
  fromVersion: z.string().nullable(),
  toVersion: z.string(),
  step: z.object({ index: z.number().int(), label: z.string(), status: z.string(), message: z.string().optional() }).nullable(),
  steps: z.array(
    z.object({
      index: z.number().int(),
      kind: z.string(),
      label: z.string(),
      status: z.string(),
      startedAtMs: z.number().nullable(),
      finishedAtMs: z.number().nullable(),
      message: z.string().optional(),
      verdicts: z.array(z.string()),
      analysisRun: z.string().optional().describe('for analysis steps: the analysis run that judges it (`shipgate analysis show <id>`)'),
      loadTestRun: z
        .object({ ratePerSec: z.number(), rateFrom: z.string(), startedAtMs: z.number(), outcome: z.unknown().optional() })
        .optional()
        .describe('for loadTest steps: the rate chosen, where it came from, and the outcome (requests, errors, latency, thresholds) once judged'),
    }),
  ),
  rollback: z.unknown().describe('why and how far a rollback has gone (reason, message, stage, times), or null'),
  canaryTrafficAtMs: z.number().nullable(),
  createdAtMs: z.number(),
  finishedAtMs: z.number().nullable(),
  lastError: z.string().nullable(),
  actor: z.string(),
  changeId: z.string().nullable(),
});
const runResponse = z.object({ run: runViewSchema });
const statusSchema = z.object({
  run: runViewSchema.nullable(),
  versions: z.array(
    z.object({
      version: z.string(),
      revision: z.string(),
      role: z.enum(['stable', 'canary']),
      weightPercent: z.number().nullable(),
      instances: z.object({ ready: z.number(), desired: z.number(), restarts: z.number(), failed: z.boolean() }),
      requestsPerSecond: figure,
      errorRate: figure,
      p99Ms: figure,
    }),
  ),
  traffic: z
    .array(z.object({ version: z.string(), weightPercent: z.number() }))
    .nullable()
    .describe("the route's split as stored, if the traffic router can tell"),
});
const revisionSchema = z.object({
  id: z.string(),
  number: z.number().int(),
  version: z.string(),
  artifact: z.string(),
  config: z.record(z.string(), z.string()).describe('secret values are markers unless the caller is an admin'),
  secretKeys: z.array(z.string()),
  digest: z.string(),
  createdAt: z.string(),
});
const markerSchema = z.object({
  atMs: z.number(),
  service: z.string(),
  environment: z.string(),
  fromRevision: z.string().nullable(),
  toRevision: z.string(),
  event: z.string(),
  runId: z.string(),
});

/** Release, status, history, commands and deploy markers. */
export function rolloutRoutes(base: FastifyInstance, ctx: ServerContext, rt: () => RolloutRuntime): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const status = async (service: string, environment: string) => {
    const r = rt();
    const { spec } = await r.service.rolloutFor(service, environment);
    const run = (await r.store.runs(service, environment, 1))[0];
    return buildStatus({
      store: r.store,
      run,
      stable: await r.store.stableRevision(service, environment),
      target: r.targetFor(service, environment, run?.spec ?? spec),
      traffic: r.traffic,
      metrics: ctx.services.get(HOOKS.metrics),
      route: (run?.spec ?? spec).route,
      nowMs: ctx.clock.now(),
    });
  };

  // On-call may release too, which is how an emergency change ships; the authorisation path decides.
  app.post(
    '/api/v1/releases',
    {
      schema: { body: releaseBody, tags, response: { 201: runResponse, ...errorResponses(404, 409, ...BODY_ERRORS) } },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req, reply) => {
      const b = req.body;
      RolloutService.checkVersion(b.version);
      checkReleaseInput(b, (await rt().service.rolloutFor(b.service, b.environment)).spec.target);
      const run = await rt().service.release(
        { service: b.service, environment: b.environment, version: b.version, set: b.set, artifact: b.artifact, changeId: b.changeId, emergency: b.emergency },
        req.principal!,
      );
      reply.status(201);
      return { run: runView(run) };
    },
  );

  app.get(
    '/api/v1/rollouts/:service/status',
    { schema: { params: serviceParams, querystring: envQuery, tags, response: { 200: statusSchema, ...errorResponses(404) } } },
    async (req) => {
      const { service } = req.params;
      return status(service, req.query.environment);
    },
  );

  app.get(
    '/api/v1/rollouts/:service/runbook',
    {
      schema: {
        params: serviceParams,
        querystring: envQuery,
        tags,
        description:
          'The manual runbook for when the automatic path fails: the exact commands to stop the release, start the revision to restore by hand, put all traffic on it and check it, data-recovery steps for an irreversible migration, and whom to page. Secret config values are named, never shown.',
        response: {
          200: z.object({
            service: z.string(),
            environment: z.string(),
            situation: z.string(),
            restore: z.object({ revision: z.string(), version: z.string() }).nullable(),
            steps: z.array(z.object({ title: z.string(), why: z.string(), commands: z.array(z.string()) })),
            page: z.object({ owner: z.string().nullable(), oncall: z.string().nullable() }),
            markdown: z.string(),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => {
      const { service } = req.params;
      const { environment } = req.query;
      const r = rt();
      const rollout = await r.service.rolloutFor(service, environment);
      const run = (await r.store.runs(service, environment, 1))[0] ?? null;
      // A finished release's revision is what serves; an unfinished one goes back to the revision before it.
      const restoreId = run && run.phase !== 'completed' ? run.fromRevision : ((await r.store.stableRevision(service, environment))?.id ?? null);
      const restore = restoreId ? ((await r.store.revision(restoreId)) ?? null) : null;
      const to = run ? await r.store.revision(run.toRevision) : undefined;
      const backend = restore && to && run && run.phase !== 'completed' ? backendNames(restore, to).stable : (restore?.version ?? null);
      const spec = run?.spec ?? rollout.spec;
      const instances = restore
        ? (
            await r
              .targetFor(service, environment, spec)
              .instances(restore)
              .catch(() => [])
          )
            .filter((i) => i.ready)
            .map((i) => i.url)
        : [];
      const graph = await ctx.services.get(HOOKS.graph)?.snapshot();
      const svc = graph?.service(service);
      const evidence =
        to && run && run.phase !== 'completed'
          ? await ctx.services.get(HOOKS.verifyEvidence)?.latest({ service, version: to.version, artifact: to.artifact })
          : [];
      const book = buildRunbook({
        service,
        environment,
        rollout: rollout.name,
        spec,
        restore,
        run,
        backend,
        instances,
        ...(svc?.owner ? { owner: svc.owner } : {}),
        ...(svc?.oncall ? { oncall: svc.oncall } : {}),
        irreversible: (evidence ?? []).filter((e) => e.irreversible).map((e) => ({ kind: e.kind, summary: e.summary })),
        baseDir: r.options.baseDir ?? process.cwd(),
      });
      return { ...book, markdown: renderRunbook(book) };
    },
  );

  app.get(
    '/api/v1/rollouts/:service/history',
    {
      schema: {
        params: serviceParams,
        querystring: envQuery,
        tags,
        response: {
          200: z.object({ stableRevision: z.string().nullable(), runs: z.array(runViewSchema), revisions: z.array(revisionSchema) }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => {
      const { service } = req.params;
      const { environment } = req.query;
      const r = rt();
      const runs = await r.store.runs(service, environment, 100);
      const revisions = await r.store.revisions(service, environment);
      if (!runs.length && !revisions.length) await r.service.rolloutFor(service, environment);
      const stable = await r.store.stableRevision(service, environment);
      return {
        stableRevision: stable?.id ?? null,
        runs: runs.map(runView),
        // Secret config values (given as {secret: true, value}) are for admins only; others get markers.
        revisions: revisions.map((v) => ({
          id: v.id,
          number: v.number,
          version: v.version,
          artifact: v.artifact,
          config: seesSecrets(req.principal) ? v.config : redactConfig(v.config, v.secretKeys, ctx.secretMarker),
          secretKeys: v.secretKeys,
          digest: v.digest,
          createdAt: v.createdAt,
        })),
      };
    },
  );

  app.get(
    '/api/v1/rollout-runs/:id',
    {
      schema: {
        params: z.object({ id: z.string().min(1).max(100) }),
        tags,
        response: {
          200: z.object({ run: runViewSchema, steps: z.array(z.unknown()).describe('the stored steps with their measurements') }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => {
      const run = await rt().store.run(req.params.id);
      if (!run) throw new NotFoundError(`no rollout run "${req.params.id}"`);
      return { run: runView(run), steps: run.steps };
    },
  );

  app.post(
    '/api/v1/rollouts/:service/:command',
    {
      schema: { params: commandParams, body: commandBody, tags, response: { 200: runResponse, ...errorResponses(404, 409, ...BODY_ERRORS) } },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req) => {
      const { service, command } = req.params;
      const b = req.body;
      const s = rt().service;
      const p = req.principal!;
      let run: Awaited<ReturnType<typeof s.retry>>;
      const gate = { changeId: b.changeId, emergency: b.emergency };
      if (command === 'retry') run = await s.retry(service, b.environment, p, gate);
      else if (command === 'undo') run = await s.undo(service, b.environment, b.toRevision, p, gate);
      else run = await s.command(service, b.environment, command === 'promote' && b.full ? 'promoteFull' : command, p);
      return { run: runView(run) };
    },
  );

  app.get(
    '/api/v1/deploy-markers',
    {
      schema: {
        querystring: markersQuery,
        tags,
        response: { 200: z.union([z.object({ markers: z.array(markerSchema) }), z.array(grafanaAnnotation).describe('format=grafana')]), ...errorResponses() },
      },
    },
    async (req) => {
      const q = req.query;
      const markers = await rt().store.markers({ service: q.service, environment: q.environment, sinceMs: q.since });
      if (q.format === 'shipgate') return { markers };
      return markers.map((m) => ({
        time: m.atMs,
        title: `${m.service} ${m.event}`,
        text: `${m.service} in ${m.environment}: ${m.event} ${m.fromRevision ?? '(first release)'} → ${m.toRevision} (run ${m.runId})`,
        tags: ['shipgate', `service:${m.service}`, `environment:${m.environment}`, `event:${m.event}`],
      }));
    },
  );

  app.get(
    '/api/v1/deployments',
    {
      schema: {
        querystring: z.object({ environment: name.optional() }),
        tags,
        description: 'What serves in each (service, environment): the revision of its latest completed release or undo.',
        response: {
          200: z.object({
            deployments: z.array(
              z.object({
                service: z.string(),
                environment: z.string(),
                version: z.string(),
                artifact: z.string(),
                revision: z.string(),
                runId: z.string(),
                sinceMs: z.number(),
                configKeys: z.array(z.string()).describe("the serving revision's config keys (never their values)"),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async (req) => ({ deployments: await rt().store.deployed(req.query.environment) }),
  );
}
