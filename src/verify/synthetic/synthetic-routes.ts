import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../api/route-schemas';
import { READ_ROLES } from '../../auth/roles';
import type { ServerContext } from '../../core/capability';
import { NotFoundError } from '../../core/errors';
import { resourceName, SHIPGATE_API_VERSION } from '../../core/kinds';
import { SYNTHETIC_CHECK_KIND } from './synthetic-spec';
import type { SyntheticStore } from './synthetic-store';

const assertionView = z.object({ assertion: z.string(), ok: z.boolean(), expected: z.string(), actual: z.string() });
const runView = z.object({
  id: z.string(),
  environment: z.string(),
  kind: z.string(),
  check: z.string(),
  target: z.string(),
  ok: z.boolean(),
  startedAt: z.string(),
  durationMs: z.number(),
  version: z.string().nullable(),
  steps: z.array(
    z.object({
      name: z.string(),
      method: z.string(),
      path: z.string(),
      status: z.number().nullable(),
      latencyMs: z.number(),
      outcome: z.enum(['pass', 'fail', 'error', 'skipped']),
      error: z.string().optional(),
      assertions: z.array(assertionView),
      excerpt: z.string().optional(),
      version: z.string().optional(),
    }),
  ),
});

/** The server's scheduled runs of a SyntheticCheck (readers). Secrets never appear: the runner masks them. */
export function syntheticRoutes(base: FastifyInstance, ctx: ServerContext, store: SyntheticStore): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/synthetic-checks/:name/runs',
    {
      schema: {
        params: z.strictObject({ name: resourceName }),
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
        tags: ['verify'],
        description:
          'Scheduled runs of a SyntheticCheck, newest first (the latest 200 are kept); the series are synthetic.runs, synthetic.success and synthetic.latency.',
        response: { 200: z.object({ runs: z.array(runView) }), ...errorResponses(404) },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      const runs = await store.runs(req.params.name, req.query.limit);
      if (!runs.length && !(await ctx.resources.get(SHIPGATE_API_VERSION, SYNTHETIC_CHECK_KIND, req.params.name)))
        throw new NotFoundError(`no SyntheticCheck "${req.params.name}"`);
      return { runs };
    },
  );
}
