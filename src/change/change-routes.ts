import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses, figure } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { resourceName } from '../core/kinds';
import { InputError } from '../core/errors';
import { CHANGE_OUTCOMES, CHANGE_STATES, CHANGE_TYPES, isReviewOverdue } from './change-state-machine';
import { CHANGE_KINDS } from './risk-points';
import type { ChangeService } from './change-service';
import { parseInstant } from './change-time';
import { requireDurationMs } from '../core/duration';
import { cabAgenda, calendar, doraReport, riskModelReport } from './change-reports';

const idParams = z.object({ id: z.string().regex(/^[Cc][Hh][Gg]-\d{1,12}$/, 'expected a change request id such as CHG-000001') });
const user = z.string().min(1).max(200);

const createBody = z.strictObject({
  service: resourceName,
  environment: resourceName,
  type: z.enum(CHANGE_TYPES),
  title: z.string().min(1).max(500),
  kind: z.enum(CHANGE_KINDS).optional(),
  description: z.string().max(20_000).optional(),
  rollbackPlan: z.string().min(1).max(20_000).optional(),
  oncall: user.optional(),
  irreversible: z.boolean().optional(),
  linesChanged: z.number().int().min(0).max(10_000_000).optional(),
  version: z.string().min(1).max(200).optional(),
  artifact: z.string().min(1).max(1000).optional(),
  set: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string().max(10_000)).optional(),
  template: resourceName.optional(),
  emergencyReason: z.string().min(1).max(5000).optional(),
  scheduledStart: z.string().min(1).max(100).optional(),
  scheduledEnd: z.string().min(1).max(100).optional(),
});
const commentBody = z.strictObject({ comment: z.string().max(5000).optional() }).default({});
const scheduleBody = z.strictObject({ start: z.string().min(1).max(100), end: z.string().min(1).max(100).optional() });
const completeBody = z.strictObject({ outcome: z.enum(CHANGE_OUTCOMES), budgetConsumedFraction: z.number().min(0).max(10).optional() });
const reviewBody = z.strictObject({ summary: z.string().min(1).max(20_000), compensating: z.boolean().optional() });
const cancelBody = z.strictObject({ reason: z.string().max(5000).optional() }).default({});
const listQuery = z.object({
  service: resourceName.optional(),
  environment: resourceName.optional(),
  state: z.enum(CHANGE_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const agendaQuery = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .optional(),
});
const calendarQuery = z.object({ from: z.string().max(100).optional(), to: z.string().max(100).optional() });
const doraQuery = z.object({ service: resourceName.optional(), team: z.string().min(1).max(200).optional(), since: z.string().max(20).default('90d') });

// A change's own fields exactly; its risk assessment, approval requirements, conflicts and reviews
// are the change model's (change-state-machine.ts, risk-points.ts), passed through.
const changeRequestShape = {
  id: z.string(),
  service: z.string(),
  environment: z.string(),
  environmentKind: z.enum(['dev', 'staging', 'production']),
  type: z.enum(CHANGE_TYPES),
  kind: z.enum(CHANGE_KINDS),
  title: z.string(),
  description: z.string().nullable(),
  rollbackPlan: z.string().nullable(),
  oncall: z.string().nullable(),
  irreversible: z.boolean(),
  linesChanged: z.number().nullable(),
  version: z.string().nullable(),
  artifact: z.string().nullable(),
  configHash: z.string().nullable(),
  template: z.string().nullable(),
  runId: z.string().nullable(),
  emergencyReason: z.string().nullable(),
  rowVersion: z.number().int(),
  state: z.enum(CHANGE_STATES),
  author: z.string(),
  cycle: z.number().int(),
  createdAtMs: z.number(),
  updatedAtMs: z.number(),
  submittedAtMs: z.number().nullable(),
  authorizedAtMs: z.number().nullable(),
  scheduledStartMs: z.number().nullable(),
  scheduledEndMs: z.number().nullable(),
  implementedAtMs: z.number().nullable(),
  implementer: z.string().nullable(),
  completedAtMs: z.number().nullable(),
  outcome: z.enum(CHANGE_OUTCOMES).nullable(),
  closedAtMs: z.number().nullable(),
  risk: z.unknown().describe('the points assessment (score, level, factors), blended with the learned model when there is one; null before submit'),
  riskInput: z.unknown(),
  requirements: z.unknown().describe('the approvals required, or null'),
  reviewReasons: z.array(z.string()),
  budgetRemainingAtImplement: figure,
  reviewOverdue: z.boolean(),
};
const approvalRow = z.object({
  id: z.string(),
  changeId: z.string(),
  cycle: z.number().int(),
  user: z.string(),
  role: z.string(),
  decision: z.enum(['approve', 'reject']),
  groups: z.array(z.string()),
  comment: z.string().nullable(),
  atMs: z.number(),
});
const changeView = z.object({
  ...changeRequestShape,
  approvals: z.array(approvalRow),
  reviews: z.array(z.unknown()),
  approvalStatus: z.unknown().describe('requirements and who met them in the current round, or null'),
  conflicts: z.array(z.unknown()).describe('conflicts of the planned slot; empty while not scheduled'),
  reviewDueAtMs: z.number().nullable(),
  verifications: z
    .object({
      required: z.array(z.string()),
      latest: z.array(
        z.object({
          kind: z.string(),
          evidenceId: z.string(),
          verdict: z.enum(['pass', 'fail']),
          summary: z.string(),
          irreversible: z.boolean(),
          recordedAtMs: z.number(),
          recordedBy: z.string(),
        }),
      ),
    })
    .describe("the bound revision's verification evidence: kinds the approval rules require, and the latest result of each kind"),
});
const changeListItem = z.object(changeRequestShape);
const doraMetric = z.object({ value: figure, unit: z.string(), band: z.enum(['elite', 'high', 'medium', 'low']).nullable(), note: z.string().optional() });
const doraReportSchema = z.object({
  fromMs: z.number(),
  toMs: z.number(),
  deployments: z.number(),
  failures: z.number(),
  deploymentFrequency: doraMetric,
  leadTimeForChanges: doraMetric,
  changeFailRate: doraMetric,
  failedDeploymentRecoveryTime: doraMetric,
  deploymentReworkRate: doraMetric,
  changeSuccessRate: doraMetric,
});
const riskModelSchema = z.object({
  outcomes: z.number(),
  failures: z.number(),
  learnedWeight: z.number(),
  minOutcomes: z.number(),
  fullOutcomes: z.number(),
  status: z.string(),
  drivers: z.array(z.unknown()),
  holdout: z.object({ trainCount: z.number(), holdoutCount: z.number(), holdoutFromMs: z.number(), learned: z.unknown(), points: z.unknown() }).nullable(),
});
const changeErrors = errorResponses(404, 409);
const changeBodyErrors = errorResponses(404, 409, ...BODY_ERRORS);

const WRITERS = { roles: ['deployer', 'approver', 'oncall'] } as const;
const tags = ['change'];

/** Change requests, CAB agenda, calendar, DORA and the risk model. */
export function changeRoutes(base: FastifyInstance, ctx: ServerContext, svc: ChangeService): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => ctx.clock.now();
  const id = (req: { params: z.infer<typeof idParams> }) => req.params.id;

  app.post(
    '/api/v1/changes',
    {
      schema: { body: createBody, tags, response: { 201: changeView, ...errorResponses(404, ...BODY_ERRORS) } },
      config: { access: { roles: [...WRITERS.roles] } },
    },
    async (req, reply) => {
      const b = req.body;
      const { scheduledStart, scheduledEnd, ...rest } = b;
      const view = await svc.create(
        {
          ...rest,
          scheduledStartMs: scheduledStart ? parseInstant(scheduledStart, now(), 'scheduledStart') : undefined,
          scheduledEndMs: scheduledEnd ? parseInstant(scheduledEnd, now(), 'scheduledEnd') : undefined,
        },
        req.principal!,
      );
      return reply.status(201).send(view);
    },
  );

  app.get(
    '/api/v1/changes',
    { schema: { querystring: listQuery, tags, response: { 200: z.object({ items: z.array(changeListItem) }), ...errorResponses() } } },
    async (req) => {
      const q = req.query;
      const items = await svc.list({ service: q.service, environment: q.environment, states: q.state ? [q.state] : undefined, limit: q.limit });
      const t = now();
      return {
        items: items.map((c) => ({
          ...c,
          reviewOverdue: isReviewOverdue(c, t),
        })),
      };
    },
  );

  app.get('/api/v1/changes/:id', { schema: { params: idParams, tags, response: { 200: changeView, ...errorResponses(404) } } }, async (req) =>
    svc.view(id(req)),
  );

  app.post(
    '/api/v1/changes/:id/submit',
    { schema: { params: idParams, tags, response: { 200: changeView, ...changeBodyErrors } }, config: { access: { roles: [...WRITERS.roles] } } },
    async (req) => svc.submit(id(req), req.principal!),
  );

  app.post(
    '/api/v1/changes/:id/approve',
    { schema: { params: idParams, body: commentBody, tags, response: { 200: changeView, ...changeBodyErrors } }, config: { access: { roles: ['approver'] } } },
    async (req) => svc.approve(id(req), req.principal!, req.body.comment),
  );

  app.post(
    '/api/v1/changes/:id/reject',
    { schema: { params: idParams, body: commentBody, tags, response: { 200: changeView, ...changeBodyErrors } }, config: { access: { roles: ['approver'] } } },
    async (req) => svc.reject(id(req), req.principal!, req.body.comment),
  );

  app.post(
    '/api/v1/changes/:id/schedule',
    {
      schema: { params: idParams, body: scheduleBody, tags, response: { 200: changeView, ...changeBodyErrors } },
      config: { access: { roles: [...WRITERS.roles] } },
    },
    async (req) => {
      const b = req.body;
      return svc.schedule(id(req), req.principal!, {
        startMs: parseInstant(b.start, now(), 'start'),
        endMs: b.end ? parseInstant(b.end, now(), 'end') : undefined,
      });
    },
  );

  app.post(
    '/api/v1/changes/:id/implement',
    { schema: { params: idParams, tags, response: { 200: changeView, ...changeBodyErrors } }, config: { access: { roles: ['deployer', 'oncall'] } } },
    async (req) => svc.implement(id(req), req.principal!),
  );

  app.post(
    '/api/v1/changes/:id/complete',
    {
      schema: { params: idParams, body: completeBody, tags, response: { 200: changeView, ...changeBodyErrors } },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req) => svc.complete(id(req), req.principal!, req.body),
  );

  app.post(
    '/api/v1/changes/:id/review',
    {
      schema: { params: idParams, body: reviewBody, tags, response: { 200: changeView, ...changeBodyErrors } },
      config: { access: { roles: [...WRITERS.roles] } },
    },
    async (req) => svc.review(id(req), req.principal!, req.body),
  );

  app.post(
    '/api/v1/changes/:id/cancel',
    {
      schema: { params: idParams, body: cancelBody, tags, response: { 200: changeView, ...changeBodyErrors } },
      config: { access: { roles: [...WRITERS.roles] } },
    },
    async (req) => svc.cancel(id(req), req.principal!, req.body.reason),
  );

  app.get(
    '/api/v1/cab/agenda',
    {
      schema: {
        querystring: agendaQuery,
        tags,
        response: { 200: z.object({ items: z.array(z.unknown()).describe('changes due for the CAB, with their risk and conflicts') }), ...errorResponses() },
      },
    },
    async (req) => {
      const q = req.query;
      return { items: await cabAgenda(svc, now(), q.date ? parseInstant(q.date, now(), 'date') : undefined) };
    },
  );

  app.get(
    '/api/v1/calendar',
    {
      schema: {
        querystring: calendarQuery,
        tags,
        response: {
          200: z.object({ fromMs: z.number(), toMs: z.number(), entries: z.array(z.unknown()).describe('changes and windows in the range') }),
          ...errorResponses(),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const fromMs = q.from ? parseInstant(q.from, now(), 'from') : now();
      const toMs = q.to ? parseInstant(q.to, now(), 'to') : fromMs + 14 * 86_400_000;
      if (toMs <= fromMs) throw new InputError('to must be after from', [{ path: 'querystring.to', message: 'must be after from' }]);
      if (toMs - fromMs > 366 * 86_400_000)
        throw new InputError('the calendar shows at most a year', [{ path: 'querystring.to', message: 'at most 366 days after from' }]);
      return { fromMs, toMs, entries: await calendar(svc, fromMs, toMs) };
    },
  );

  app.get(
    '/api/v1/dora',
    {
      schema: {
        querystring: doraQuery,
        tags,
        response: {
          200: z.object({
            overall: doraReportSchema,
            services: z.array(z.object({ service: z.string(), report: doraReportSchema })),
            team: z.string().optional(),
          }),
          ...errorResponses(),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const t = now();
      return doraReport(svc, { service: q.service, team: q.team, sinceMs: t - requireDurationMs(q.since, 'since'), nowMs: t });
    },
  );

  app.get('/api/v1/risk/model', { schema: { tags, response: { 200: riskModelSchema, ...errorResponses() } } }, async () => riskModelReport(ctx, svc));
}
