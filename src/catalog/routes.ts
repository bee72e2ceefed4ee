import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses, textResponse } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { resourceName } from '../core/kinds';
import { InputError } from '../core/errors';
import { buildGraph } from './graph';
import { findSinglePointsOfFailure } from './spof';
import { blastRadius } from './blast-radius';
import { compositeAvailability } from './availability';
import { findDrift } from './drift';
import { EXPORT_FORMATS, exportGraph } from './graph-export';
import { CatalogReader } from './catalog-reader';
import { availabilityReportSchema, blastRadiusSchema, driftReportSchema, spofReportSchema } from './graph-schemas';

const envQuery = z.object({ env: resourceName.optional() });
const serviceParams = z.object({ service: resourceName });
const driftQuery = z.object({
  /** Comma-separated environment names; default every environment. */
  envs: z.string().max(4096).optional(),
});
const exportQuery = z.object({ format: z.enum(EXPORT_FORMATS).default('dot') });

/** Content type per export format. */
const EXPORT_CONTENT_TYPE = { dot: 'text/vnd.graphviz; charset=utf-8', mermaid: 'text/plain; charset=utf-8' } as const;

/** Read-only analyses of the service catalog's dependency graph. */
export function graphRoutes(base: FastifyInstance, ctx: ServerContext): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const catalog = new CatalogReader(ctx.resources);
  const tags = ['graph'];

  app.get('/api/v1/graph/spof', { schema: { querystring: envQuery, tags, response: { 200: spofReportSchema, ...errorResponses(404) } } }, async (req) => {
    const { env } = req.query;
    const environment = env ? await catalog.environment(env) : undefined;
    return findSinglePointsOfFailure(buildGraph(await catalog.services()), environment);
  });

  app.get(
    '/api/v1/graph/blast-radius/:service',
    { schema: { params: serviceParams, tags, response: { 200: blastRadiusSchema, ...errorResponses(404) } } },
    async (req) => {
      const { service } = req.params;
      return blastRadius(buildGraph(await catalog.services()), service);
    },
  );

  app.get(
    '/api/v1/graph/availability/:service',
    { schema: { params: serviceParams, querystring: envQuery, tags, response: { 200: availabilityReportSchema, ...errorResponses(404) } } },
    async (req) => {
      const { service } = req.params;
      const { env } = req.query;
      const environment = env ? await catalog.environment(env) : undefined;
      return compositeAvailability(buildGraph(await catalog.services()), service, environment);
    },
  );

  app.get('/api/v1/graph/drift', { schema: { querystring: driftQuery, tags, response: { 200: driftReportSchema, ...errorResponses(404) } } }, async (req) => {
    const names = parseEnvList(req.query.envs);
    const environments = names ? await Promise.all(names.map((n) => catalog.environment(n))) : await catalog.environments();
    return findDrift(environments);
  });

  app.get(
    '/api/v1/graph/export',
    {
      schema: {
        querystring: exportQuery,
        tags,
        response: {
          200: textResponse('text/vnd.graphviz', 'the graph as dot, or as mermaid (text/plain) with format=mermaid', z.string(), 'text/plain'),
          ...errorResponses(),
        },
      },
    },
    async (req, reply) => {
      const { format } = req.query;
      const text = exportGraph(buildGraph(await catalog.services()), format);
      return reply.type(EXPORT_CONTENT_TYPE[format]).send(text);
    },
  );
}

/** `staging,production` -> names; at least two distinct, each a valid name. Undefined when not given. */
export function parseEnvList(envs: string | undefined): string[] | undefined {
  if (envs === undefined) return undefined;
  const names = envs
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const issues = names.flatMap((n, i) =>
    resourceName.safeParse(n).success ? [] : [{ path: `querystring.envs[${i}]`, message: `"${n}" is not a valid environment name` }],
  );
  if (new Set(names).size !== names.length) issues.push({ path: 'querystring.envs', message: 'an environment is listed twice' });
  if (names.length < 2) issues.push({ path: 'querystring.envs', message: 'name at least two environments to compare, e.g. staging,production' });
  if (issues.length) throw new InputError(`invalid envs: ${issues.map((i) => i.message).join('; ')}`, issues);
  return names;
}
