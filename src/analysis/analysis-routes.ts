/** Read-only routes over analysis runs. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses, textResponse } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { NotFoundError } from '../core/errors';
import type { AnalysisService } from './analysis-service';
import { toIntervalInput } from './analysis-service';
import type { AnalysisIntervalRow, AnalysisRunRow } from './analysis-store';

const runParams = z.object({ id: z.string().min(1).max(300) });
const listQuery = z.object({ service: z.string().min(1).max(253).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });
// The run's top level exactly; its template spec and measurement phases are the judge's, passed through.
const runViewSchema = z.object({
  id: z.string(),
  template: z.string(),
  service: z.string(),
  environment: z.string(),
  route: z.string(),
  baselineVersion: z.string(),
  canaryVersion: z.string(),
  judge: z.string(),
  startedAtMs: z.number(),
  updatedAtMs: z.number(),
  verdict: z.string().nullable(),
  decidedAt: z.number().nullable().describe('0-based index of the interval that decided'),
  reason: z.string(),
  spec: z.looseObject({}).describe('the AnalysisTemplate spec the run was started with'),
  intervals: z.number().int().describe('intervals judged so far'),
  phases: z.array(z.string()).describe('measurement phase per interval'),
});
const intervalSchema = z.looseObject({ fromMs: z.number(), toMs: z.number() }).describe('the interval record: verdict, phase and the judged values');

/** A run as the API shows it (the judge's internal state left out). */
export function runView(run: AnalysisRunRow) {
  const { state, ...rest } = run;
  return { ...rest, intervals: state.intervals, phases: state.phases };
}

/** The replay format, one line per stored interval (latency from the histogram buckets' upper bounds). */
export function exportLines(run: AnalysisRunRow, intervals: AnalysisIntervalRow[]): string {
  return (
    intervals
      .filter((r) => r.input)
      .map((r) => JSON.stringify(toIntervalInput(r.input!, (r.fromMs - run.startedAtMs) / 1000)))
      .join('\n') + '\n'
  );
}

export function analysisRoutes(base: FastifyInstance, _ctx: ServerContext, service: AnalysisService): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const tags = ['analysis'];
  const load = async (id: string) => {
    const run = await service.store.getRun(id);
    if (!run) throw new NotFoundError(`analysis run "${id}" not found (list them with GET /api/v1/analysis/runs)`);
    return run;
  };
  app.get(
    '/api/v1/analysis/runs',
    { schema: { querystring: listQuery, tags, response: { 200: z.object({ runs: z.array(runViewSchema) }), ...errorResponses() } } },
    async (req) => {
      return { runs: (await service.store.listRuns(req.query)).map(runView) };
    },
  );
  app.get(
    '/api/v1/analysis/runs/:id',
    { schema: { params: runParams, tags, response: { 200: z.object({ run: runViewSchema, intervals: z.array(intervalSchema) }), ...errorResponses(404) } } },
    async (req) => {
      const run = await load(req.params.id);
      const intervals = await service.store.intervals(run.id);
      return { run: runView(run), intervals: intervals.map((i) => ({ fromMs: i.fromMs, toMs: i.toMs, ...i.record })) };
    },
  );
  app.get(
    '/api/v1/analysis/runs/:id/export',
    {
      schema: {
        params: runParams,
        tags,
        response: { 200: textResponse('application/x-ndjson', 'one interval input per line, the replay format'), ...errorResponses(404) },
      },
    },
    async (req, reply) => {
      const run = await load(req.params.id);
      reply.type('application/x-ndjson; charset=utf-8');
      return exportLines(run, await service.store.intervals(run.id));
    },
  );
}
