/**
 * Response schemas of the graph routes (they document the API in /api/v1/openapi.json and keep
 * the answers to the shapes the CLI reads).
 */
import { z } from 'zod';

const kind = z.enum(['hard', 'soft']);
const names = z.array(z.string());

export const cycleSchema = z.object({
  services: names,
  path: names,
  kinds: z.array(kind),
  hard: z.boolean(),
});

export const undeclaredSchema = z.object({ service: z.string(), dependents: names });

const reasonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cut-vertex'), pieces: z.array(z.number().int()), message: z.string() }),
  z.object({ kind: z.literal('no-fallback'), dependents: names, message: z.string() }),
  z.object({ kind: z.literal('single-instance'), environment: z.string(), dependents: names, message: z.string() }),
  z.object({ kind: z.literal('not-deployed'), environment: z.string(), dependents: names, message: z.string() }),
]);

export const spofReportSchema = z.object({
  environment: z.string().optional(),
  spofs: z.array(
    z.object({
      service: z.string(),
      tier: z.number().int().optional(),
      external: z.boolean(),
      declared: z.boolean(),
      hardDependents: names,
      reasons: z.array(reasonSchema),
    }),
  ),
  cycles: z.array(cycleSchema),
  undeclared: z.array(undeclaredSchema),
});

const affectedSchema = z.object({
  service: z.string(),
  tier: z.number().int().optional(),
  path: names,
  kinds: z.array(kind),
  depth: z.number().int(),
});

export const blastRadiusSchema = z.object({ service: z.string(), hard: z.array(affectedSchema), soft: z.array(affectedSchema) });

export const availabilityReportSchema = z.object({
  service: z.string(),
  environment: z.string().optional(),
  target: z.number().optional(),
  composite: z.number(),
  verdict: z.enum(['meets', 'below', 'undecided']),
  unknown: names,
  factors: z.array(
    z.object({
      service: z.string(),
      sla: z.number().optional(),
      instances: z.number().int(),
      availability: z.number(),
      path: names,
      kinds: z.array(kind),
      counted: z.enum(['hard', 'soft-without-fallback']),
    }),
  ),
  excluded: z.array(z.object({ from: z.string(), to: z.string(), fallback: z.string() })),
  cycles: z.array(cycleSchema),
});

const deployedSchema = z.object({ version: z.string(), instances: z.number().int().optional(), configHash: z.string().optional() });

export const driftReportSchema = z.object({
  environments: names,
  compared: z.number().int(),
  drift: z.array(
    z.object({
      service: z.string(),
      differs: z.array(z.enum(['version', 'configHash'])),
      environments: z.record(z.string(), deployedSchema.nullable()),
      absentFrom: names,
    }),
  ),
});
