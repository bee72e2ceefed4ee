import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
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
const agendaQuery = z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional() });
const calendarQuery = z.object({ from: z.string().max(100).optional(), to: z.string().max(100).optional() });
const doraQuery = z.object({ service: resourceName.optional(), team: z.string().min(1).max(200).optional(), since: z.string().max(20).default('90d') });

const WRITERS = { roles: ['deployer', 'approver', 'oncall'] } as const;
const tags = ['change'];

/** Change requests, CAB agenda, calendar, DORA and the risk model. */
export function changeRoutes(app: FastifyInstance, ctx: ServerContext, svc: ChangeService): void {
  const now = () => ctx.clock.now();
  const id = (req: { params: unknown }) => (req.params as z.infer<typeof idParams>).id;

  app.post('/api/v1/changes', { schema: { body: createBody, tags }, config: { access: { roles: [...WRITERS.roles] } } }, async (req, reply) => {
    const b = req.body as z.infer<typeof createBody>;
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
  });

  app.get('/api/v1/changes', { schema: { querystring: listQuery, tags } }, async (req) => {
    const q = req.query as z.infer<typeof listQuery>;
    const items = await svc.list({ service: q.service, environment: q.environment, states: q.state ? [q.state] : undefined, limit: q.limit });
    const t = now();
    return {
      items: items.map((c) => ({
        ...c,
        reviewOverdue: isReviewOverdue(c, t),
      })),
    };
  });

  app.get('/api/v1/changes/:id', { schema: { params: idParams, tags } }, async (req) => svc.view(id(req)));

  app.post('/api/v1/changes/:id/submit', { schema: { params: idParams, tags }, config: { access: { roles: [...WRITERS.roles] } } }, async (req) => svc.submit(id(req), req.principal!));

  app.post('/api/v1/changes/:id/approve', { schema: { params: idParams, body: commentBody, tags }, config: { access: { roles: ['approver'] } } }, async (req) =>
    svc.approve(id(req), req.principal!, (req.body as z.infer<typeof commentBody> | undefined)?.comment),
  );

  app.post('/api/v1/changes/:id/reject', { schema: { params: idParams, body: commentBody, tags }, config: { access: { roles: ['approver'] } } }, async (req) =>
    svc.reject(id(req), req.principal!, (req.body as z.infer<typeof commentBody> | undefined)?.comment),
  );

  app.post('/api/v1/changes/:id/schedule', { schema: { params: idParams, body: scheduleBody, tags }, config: { access: { roles: [...WRITERS.roles] } } }, async (req) => {
    const b = req.body as z.infer<typeof scheduleBody>;
    return svc.schedule(id(req), req.principal!, {
      startMs: parseInstant(b.start, now(), 'start'),
      endMs: b.end ? parseInstant(b.end, now(), 'end') : undefined,
    });
  });

  app.post('/api/v1/changes/:id/implement', { schema: { params: idParams, tags }, config: { access: { roles: ['deployer', 'oncall'] } } }, async (req) => svc.implement(id(req), req.principal!));

  app.post('/api/v1/changes/:id/complete', { schema: { params: idParams, body: completeBody, tags }, config: { access: { roles: ['deployer', 'oncall'] } } }, async (req) =>
    svc.complete(id(req), req.principal!, req.body as z.infer<typeof completeBody>),
  );

  app.post('/api/v1/changes/:id/review', { schema: { params: idParams, body: reviewBody, tags }, config: { access: { roles: [...WRITERS.roles] } } }, async (req) =>
    svc.review(id(req), req.principal!, req.body as z.infer<typeof reviewBody>),
  );

  app.post('/api/v1/changes/:id/cancel', { schema: { params: idParams, body: cancelBody, tags }, config: { access: { roles: [...WRITERS.roles] } } }, async (req) =>
    svc.cancel(id(req), req.principal!, (req.body as z.infer<typeof cancelBody> | undefined)?.reason),
  );

  app.get('/api/v1/cab/agenda', { schema: { querystring: agendaQuery, tags } }, async (req) => {
    const q = req.query as z.infer<typeof agendaQuery>;
    return { items: await cabAgenda(svc, now(), q.date ? parseInstant(q.date, now(), 'date') : undefined) };
  });

  app.get('/api/v1/calendar', { schema: { querystring: calendarQuery, tags } }, async (req) => {
    const q = req.query as z.infer<typeof calendarQuery>;
    const fromMs = q.from ? parseInstant(q.from, now(), 'from') : now();
    const toMs = q.to ? parseInstant(q.to, now(), 'to') : fromMs + 14 * 86_400_000;
    if (toMs <= fromMs) throw new InputError('to must be after from', [{ path: 'querystring.to', message: 'must be after from' }]);
    if (toMs - fromMs > 366 * 86_400_000) throw new InputError('the calendar shows at most a year', [{ path: 'querystring.to', message: 'at most 366 days after from' }]);
    return { fromMs, toMs, entries: await calendar(svc, fromMs, toMs) };
  });

  app.get('/api/v1/dora', { schema: { querystring: doraQuery, tags } }, async (req) => {
    const q = req.query as z.infer<typeof doraQuery>;
    const t = now();
    return doraReport(svc, { service: q.service, team: q.team, sinceMs: t - requireDurationMs(q.since, 'since'), nowMs: t });
  });

  app.get('/api/v1/risk/model', { schema: { tags } }, async () => riskModelReport(ctx, svc));
}
