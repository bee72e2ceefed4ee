/** Read-only routes over analysis runs. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../core/capability';
import { NotFoundError } from '../core/errors';
import type { AnalysisService } from './analysis-service';
import { toIntervalInput } from './analysis-service';
import type { AnalysisIntervalRow, AnalysisRunRow } from './analysis-store';

const runParams = z.object({ id: z.string().min(1).max(300) });
const listQuery = z.object({ service: z.string().min(1).max(253).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });

/** A run as the API shows it (the judge's internal state left out). */
export function runView(run: AnalysisRunRow) {
  const { state, ...rest } = run;
  return { ...rest, intervals: state.intervals, phases: state.phases };
}

/** The replay format, one line per stored interval (latency from the histogram buckets' upper bounds). */
export function exportLines(run: AnalysisRunRow, intervals: AnalysisIntervalRow[]): string {
  return intervals
    .filter((r) => r.input)
    .map((r) => JSON.stringify(toIntervalInput(r.input!, (r.fromMs - run.startedAtMs) / 1000)))
    .join('\n') + '\n';
}

export function analysisRoutes(app: FastifyInstance, _ctx: ServerContext, service: AnalysisService): void {
  const tags = ['analysis'];
  const load = async (id: string) => {
    const run = await service.store.getRun(id);
    if (!run) throw new NotFoundError(`analysis run "${id}" not found (list them with GET /api/v1/analysis/runs)`);
    return run;
  };
  app.get('/api/v1/analysis/runs', { schema: { querystring: listQuery, tags } }, async (req) => {
    const q = req.query as z.infer<typeof listQuery>;
    return { runs: (await service.store.listRuns(q)).map(runView) };
  });
  app.get('/api/v1/analysis/runs/:id', { schema: { params: runParams, tags } }, async (req) => {
    const run = await load((req.params as z.infer<typeof runParams>).id);
    const intervals = await service.store.intervals(run.id);
    return { run: runView(run), intervals: intervals.map((i) => ({ fromMs: i.fromMs, toMs: i.toMs, ...i.record })) };
  });
  app.get('/api/v1/analysis/runs/:id/export', { schema: { params: runParams, tags } }, async (req, reply) => {
    const run = await load((req.params as z.infer<typeof runParams>).id);
    reply.type('application/x-ndjson; charset=utf-8');
    return exportLines(run, await service.store.intervals(run.id));
  });
}
