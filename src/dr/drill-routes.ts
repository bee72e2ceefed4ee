/** Drill routes: start a run (deployer, oncall), read runs and the list with what is overdue (readers). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../api/route-schemas';
import { READ_ROLES } from '../auth/roles';
import type { ServerContext } from '../core/capability';
import { NotFoundError } from '../core/errors';
import { resourceName } from '../core/kinds';
import type { DrillRunner } from './drill-runner';
import type { DrillStore } from './drill-store';
import { drillStatuses } from './drill-status';

const tags = ['dr'];
const runView = z.object({
  id: z.string(),
  drill: z.string(),
  service: z.string(),
  environment: z.string(),
  actor: z.string(),
  startedAtMs: z.number(),
  finishedAtMs: z.number().nullable(),
  verdict: z.enum(['running', 'pass', 'fail']),
  steps: z.array(z.object({ atMs: z.number(), what: z.string() })),
  figures: z
    .object({ timeToRollbackMs: z.number().nullable(), timeToRolledBackMs: z.number().nullable(), userRequests: z.number(), userErrors: z.number() })
    .nullable(),
  reasons: z.array(z.string()),
  rolloutRun: z.string().nullable(),
});

export function drillRoutes(base: FastifyInstance, ctx: ServerContext, runner: DrillRunner, store: DrillStore): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/v1/drills/:name/runs',
    {
      schema: {
        params: z.strictObject({ name: resourceName }),
        body: z.strictObject({}).default({}).describe('nothing: the Drill says what to run'),
        tags,
        description:
          "Starts a run of a stored Drill: user load through the router, the serving version released again as a new revision (through the one authorisation path, as the caller), rolled back once it takes traffic; the run's steps and figures are judged against the objectives.",
        response: { 202: runView, ...errorResponses(404, 409) },
      },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req, reply) => reply.code(202).send(await runner.start(req.params.name, req.principal!)),
  );
  app.get(
    '/api/v1/drill-runs/:id',
    {
      schema: {
        params: z.strictObject({ id: z.string().regex(/^drl_[0-9a-f]{20}$/, 'expected a drill run id such as drl_0193…') }),
        tags,
        description: 'One run of a Drill: its steps with their times, the figures and the verdict.',
        response: { 200: runView, ...errorResponses(404) },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      const r = await store.get(req.params.id);
      if (!r) throw new NotFoundError(`no drill run "${req.params.id}"`);
      return r;
    },
  );
  app.get(
    '/api/v1/drills',
    {
      schema: {
        tags,
        description: 'Every Drill with its last run, its last pass, when the next is due (RRULE after the last pass) and whether it is overdue.',
        response: {
          200: z.object({
            drills: z.array(
              z.object({
                name: z.string(),
                service: z.string(),
                environment: z.string(),
                exercise: z.string(),
                last: runView.nullable(),
                lastPassAtMs: z.number().nullable(),
                dueAtMs: z.number().nullable(),
                overdue: z.boolean(),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async () => ({ drills: await drillStatuses(ctx, store, ctx.clock.now()) }),
  );
}
