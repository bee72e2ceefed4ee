/**
 * The experiment API: start a run on the server (deployer, oncall), read a run with its journal,
 * list runs. The CLI follows a run by reading it until it ends.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../api/route-schemas';
import { READ_ROLES } from '../../auth/roles';
import { NotFoundError } from '../../core/errors';
import { resourceName } from '../../core/kinds';
import type { ExperimentRunner } from './experiment-runner';
import { RUN_STATUSES, type ExperimentRun, type ExperimentStore } from './experiment-store';

const entryView = z.object({
  at: z.string(),
  phase: z.enum(['before', 'method', 'during', 'rollback', 'after', 'end']),
  type: z.enum(['probe', 'action', 'rollback', 'pause', 'note']),
  name: z.string(),
  ok: z.boolean(),
  inconclusive: z.boolean().optional(),
  detail: z.string(),
  values: z.record(z.string(), z.number().nullable()).optional(),
  tookMs: z.number().optional(),
});

const runSummary = z.object({
  id: z.string(),
  experiment: z.string(),
  service: z.string(),
  environment: z.string(),
  status: z.enum(RUN_STATUSES),
  actor: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  summary: z.string(),
});
const runView = runSummary.extend({
  journal: z.array(entryView),
  /** Faults injected and not yet rolled back. */
  faults: z.array(z.object({ route: z.string(), version: z.string().nullable(), expiresAt: z.string(), pausedInstance: z.string().optional() })),
});

const iso = (ms: number) => new Date(ms).toISOString();

function summaryOf(r: ExperimentRun): z.infer<typeof runSummary> {
  return {
    id: r.id,
    experiment: r.experiment,
    service: r.service,
    environment: r.environment,
    status: r.status,
    actor: r.actor,
    startedAt: iso(r.startedMs),
    endedAt: r.endedMs === null ? null : iso(r.endedMs),
    summary: r.summary,
  };
}

export function viewOf(r: ExperimentRun): z.infer<typeof runView> {
  return {
    ...summaryOf(r),
    journal: r.journal.map(({ atMs, ...e }) => ({ at: iso(atMs), ...e })),
    faults: r.faults.map((f) => ({ route: f.route, version: f.version, expiresAt: iso(f.expiresAtMs), ...(f.paused ? { pausedInstance: f.paused.id } : {}) })),
  };
}

export function experimentRoutes(base: FastifyInstance, runner: ExperimentRunner, store: ExperimentStore): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const tags = ['verify'];
  app.post(
    '/api/v1/experiments/:name/runs',
    {
      schema: {
        params: z.strictObject({ name: resourceName }),
        body: z.strictObject({ environment: resourceName.optional() }),
        tags,
        description:
          'Starts a run of a stored Experiment on this server: hypothesis before (not met: nothing injected), the method with probes every probeInterval (a failing probe rolls back at once), rollback, hypothesis after. Production needs spec.allowProduction and the authorizer.',
        response: { 201: runView, ...errorResponses(404, 409) },
      },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req, reply) => {
      const run = await runner.start(req.params.name, req.body.environment, req.principal!);
      return reply.code(201).send(viewOf(run));
    },
  );
  app.get(
    '/api/v1/experiment-runs/:id',
    {
      schema: {
        params: z.strictObject({ id: z.string().regex(/^exp_[0-9a-f]{20}$/, 'expected a run id such as exp_0193…') }),
        tags,
        description: 'One run of an Experiment with its journal: every probe and action with its time and result.',
        response: { 200: runView, ...errorResponses(404) },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      const run = await store.get(req.params.id);
      if (!run) throw new NotFoundError(`no experiment run "${req.params.id}"`);
      return viewOf(run);
    },
  );
  app.get(
    '/api/v1/experiment-runs',
    {
      schema: {
        querystring: z.strictObject({ experiment: resourceName.optional(), limit: z.coerce.number().int().min(1).max(200).default(20) }),
        tags,
        description: 'Runs of Experiments, newest first.',
        response: { 200: z.object({ runs: z.array(runSummary) }), ...errorResponses() },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => ({ runs: (await store.list(req.query)).map(summaryOf) }),
  );
}
