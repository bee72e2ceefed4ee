import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { InputError } from '../core/errors';
import { parseInput } from '../core/kinds';
import type { FlagService } from './flag-service';
import type { FlagRolloutService } from './flag-rollout-service';
import { parseDurationMs } from '../core/duration';

const envQuery = z.object({ env: z.string().min(1).max(253) });
const refParams = z.object({ ref: z.string().min(1).max(255) });
const envBody = z.strictObject({ env: z.string().min(1).max(253), reason: z.string().max(1000).optional() });
const scheduleBody = z.strictObject({
  env: z.string().min(1).max(253),
  /** ISO-8601 time the change takes effect. */
  at: z.iso.datetime({ offset: true }),
  action: z.enum(['enable', 'disable', 'percentage']),
  percentage: z.number().min(0).max(100).optional(),
});
const staleQuery = envQuery.extend({
  unchangedDays: z.coerce.number().min(0).max(3650).optional(),
  graceDays: z.coerce.number().min(0).max(3650).optional(),
});

const DAY_MS = 86_400_000;
const rolloutBody = z.strictObject({
  env: z.string().min(1).max(253),
  /** Rising percentages in (0, 100]. */
  steps: z.array(z.number().gt(0).max(100)).min(1).max(100),
  /** How long each step lasts without a regression: "5m", "30s", or ms. */
  interval: z.union([z.string().max(32), z.number().int().positive()]),
  /** AnalysisTemplate whose sequential settings judge each interval. */
  analysis: z.string().min(1).max(253),
});

const flagSummary = {
  name: z.string(),
  key: z.string(),
  type: z.string(),
  valueType: z.string(),
  environment: z.string(),
  enabled: z.boolean().describe('effective: the state override, else the manifest'),
  killed: z.boolean(),
  killedAtMs: z.number().nullable(),
  percentage: z.number().nullable(),
  rules: z.number().int(),
  evaluations: z.number(),
  updatedAtMs: z.number(),
};
const flagSchedule = z.object({
  id: z.string(),
  flag: z.string(),
  environment: z.string(),
  atMs: z.number(),
  action: z.enum(['enable', 'disable', 'percentage']),
  percentage: z.number().nullable(),
  status: z.enum(['pending', 'done', 'cancelled']),
  createdBy: z.string(),
  createdAtMs: z.number(),
  doneAtMs: z.number().nullable(),
});
const evaluationCount = z.object({
  flag: z.string(),
  environment: z.string(),
  variant: z.string(),
  count: z.number(),
  firstAtMs: z.number(),
  lastAtMs: z.number(),
});
const flagRolloutRun = z.object({
  id: z.string(),
  flag: z.string(),
  key: z.string(),
  environment: z.string(),
  steps: z.array(z.number()),
  stepIndex: z.number().int(),
  intervalMs: z.number(),
  template: z.string(),
  status: z.string(),
  stepStartedMs: z.number(),
  judgedUntilMs: z.number(),
  judgeState: z.unknown().describe("the current step's judge state, serialised"),
  reason: z.string(),
  createdBy: z.string(),
  createdMs: z.number(),
  updatedMs: z.number(),
  changeId: z.string().nullable(),
});
// The manifest's envelope; its spec is the FeatureFlag kind's, passed through.
const flagManifest = z.object({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }), spec: z.unknown() });
const stateResult = z.object({
  flag: z.string(),
  environment: z.string(),
  enabled: z.boolean().nullable(),
  killedAtMs: z.number().nullable(),
  updatedAtMs: z.number(),
});

/** Operator routes: list, show, kill, enable, disable, schedule, stale report. */
export function flagRoutes(base: FastifyInstance, ctx: ServerContext, service: FlagService, rollouts: FlagRolloutService): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const tags = ['flags'];

  app.get(
    '/api/v1/flags',
    {
      schema: {
        querystring: envQuery,
        tags,
        response: { 200: z.object({ environment: z.string(), items: z.array(z.object(flagSummary)) }), ...errorResponses() },
      },
    },
    async (req) => {
      const { env } = req.query;
      return { environment: env, items: await service.list(env) };
    },
  );

  app.get(
    '/api/v1/flags/:ref',
    {
      schema: {
        params: refParams,
        querystring: envQuery,
        tags,
        response: {
          200: z.object({ ...flagSummary, manifest: flagManifest, schedules: z.array(flagSchedule), evaluations: z.array(evaluationCount) }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => {
      const { ref } = req.params;
      const { env } = req.query;
      const stored = await service.find(ref);
      const name = stored.manifest.metadata.name;
      const summary = (await service.list(env)).find((s) => s.name === name)!;
      return {
        ...summary,
        manifest: stored.manifest,
        schedules: await service.store.schedules({ flag: name, environment: env }),
        evaluations: await service.store.counts({ flag: summary.key, environment: env }),
      };
    },
  );

  const stateRoute = (action: 'kill' | 'enable' | 'disable', roles: Array<'oncall' | 'deployer'>) =>
    app.post(
      `/api/v1/flags/:ref/${action}`,
      {
        schema: { params: refParams, handlerBody: envBody, tags, response: { 200: stateResult, ...errorResponses(404, 409, ...BODY_ERRORS) } },
        config: { access: { roles } },
      },
      async (req) => {
        const { ref } = req.params;
        const body = parseInput(envBody, req.body);
        // Switching a flag on in production gives users something new: it asks the gate first.
        const auth = action === 'enable' ? await service.authorize(ref, body.env, 'flag.enable', 'enable', req.principal!) : undefined;
        const state = await service.setState(ref, body.env, { action, reason: body.reason }, req.principal!.user, auth);
        return { flag: state.flag, environment: state.environment, enabled: state.enabled, killedAtMs: state.killedAtMs, updatedAtMs: state.updatedAtMs };
      },
    );
  // The kill switch is an emergency action: on-call may use it where other flag changes need a deployer.
  stateRoute('kill', ['oncall', 'deployer']);
  stateRoute('enable', ['deployer']);
  stateRoute('disable', ['deployer']);

  app.post(
    '/api/v1/flags/:ref/schedules',
    {
      schema: { params: refParams, handlerBody: scheduleBody, tags, response: { 201: flagSchedule, ...errorResponses(404, 409, ...BODY_ERRORS) } },
      config: { access: { roles: ['deployer'] } },
    },
    async (req, reply) => {
      const { ref } = req.params;
      const body = parseInput(scheduleBody, req.body);
      if (body.action === 'percentage' && body.percentage === undefined) {
        throw new InputError('a percentage change needs a percentage', [{ path: 'percentage', message: 'required when action is "percentage"' }]);
      }
      const atMs = Date.parse(body.at);
      const s = await service.schedule(ref, body.env, { atMs, action: body.action, percentage: body.percentage }, req.principal!.user);
      return reply.status(201).send(s);
    },
  );

  app.get(
    '/api/v1/flags/:ref/schedules',
    { schema: { params: refParams, querystring: envQuery, tags, response: { 200: z.object({ items: z.array(flagSchedule) }), ...errorResponses(404) } } },
    async (req) => {
      const { ref } = req.params;
      const { env } = req.query;
      const stored = await service.find(ref);
      return { items: await service.store.schedules({ flag: stored.manifest.metadata.name, environment: env }) };
    },
  );

  app.get(
    '/api/v1/flag-reports/stale',
    {
      schema: {
        querystring: staleQuery,
        tags,
        response: {
          200: z.object({
            environment: z.string(),
            items: z.array(
              z.object({
                name: z.string(),
                key: z.string(),
                type: z.string(),
                ageDays: z.number(),
                reasons: z.array(z.enum(['past-expected-lifetime', 'fully-rolled-out', 'never-evaluated'])),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async (req) => {
      const q = req.query;
      return {
        environment: q.env,
        items: await service.stale(q.env, {
          ...(q.unchangedDays !== undefined ? { unchangedForMs: q.unchangedDays * DAY_MS } : {}),
          ...(q.graceDays !== undefined ? { evaluationGraceMs: q.graceDays * DAY_MS } : {}),
        }),
      };
    },
  );

  app.post(
    '/api/v1/flags/:ref/rollouts',
    {
      schema: { params: refParams, handlerBody: rolloutBody, tags, response: { 201: flagRolloutRun, ...errorResponses(404, 409, ...BODY_ERRORS) } },
      config: { access: { roles: ['deployer'] } },
    },
    async (req, reply) => {
      const { ref } = req.params;
      const body = parseInput(rolloutBody, req.body);
      const issues = body.steps.flatMap((s, i) =>
        i > 0 && s <= body.steps[i - 1] ? [{ path: `steps[${i}]`, message: `steps must rise: ${body.steps[i - 1]} then ${s}` }] : [],
      );
      const intervalMs = parseDurationMs(body.interval);
      if (!(intervalMs > 0)) issues.push({ path: 'interval', message: 'expected a positive duration such as "30s", "5m" or "1h"' });
      if (issues.length) throw new InputError(`invalid rollout: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
      const run = await rollouts.start(ref, body.env, { steps: body.steps, intervalMs, template: body.analysis }, req.principal!);
      return reply.status(201).send(run);
    },
  );

  app.get(
    '/api/v1/flags/:ref/rollouts',
    { schema: { params: refParams, querystring: envQuery, tags, response: { 200: z.object({ items: z.array(flagRolloutRun) }), ...errorResponses(404) } } },
    async (req) => {
      const { ref } = req.params;
      const { env } = req.query;
      const stored = await service.find(ref);
      return { items: await rollouts.store.list({ flag: stored.manifest.metadata.name, environment: env }) };
    },
  );

  void ctx;
}
