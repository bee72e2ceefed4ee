import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../api/route-schemas';
import { READ_ROLES } from '../../auth/roles';
import type { ServerContext } from '../../core/capability';
import { InputError } from '../../core/errors';
import { PARITY_ASPECTS } from '../../core/hooks';
import { resourceName } from '../../core/kinds';
import { environmentParity } from './parity-service';

const difference = z.object({
  service: z.string(),
  aspect: z.enum([...PARITY_ASPECTS, 'version']),
  a: z.string(),
  b: z.string(),
  message: z.string(),
});
const reportView = z.object({
  a: z.string(),
  b: z.string(),
  services: z.number(),
  differences: z.array(difference),
  rules: z.array(
    z.object({
      rollout: z.string(),
      service: z.string(),
      environment: z.string(),
      against: z.string(),
      require: z.array(z.enum(PARITY_ASPECTS)),
      violations: z.array(difference),
    }),
  ),
  verdict: z.enum(['pass', 'fail']),
});

export function parityRoutes(base: FastifyInstance, ctx: ServerContext): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/environments/parity',
    {
      schema: {
        querystring: z.strictObject({ a: resourceName, b: resourceName }),
        tags: ['verify'],
        description:
          "How two environments differ (services, versions, redundancy, dependencies, config keys, route settings) and which differences break a Rollout's parity rules.",
        response: { 200: reportView, ...errorResponses() },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      if (req.query.a === req.query.b) throw new InputError('compare two different environments', [{ path: 'b', message: 'the same as a' }]);
      return environmentParity(ctx, req.query.a, req.query.b);
    },
  );
}
