import { z } from 'zod';
import { SHIPGATE_API_VERSION, resourceName, type KindDefinition } from '../core/kinds';
import type { Issue } from '../core/errors';

export const dependencySchema = z.strictObject({
  service: resourceName,
  kind: z.enum(['hard', 'soft']),
  /** What the caller does when this dependency fails (only meaningful for soft dependencies). */
  fallback: z.string().min(1).optional(),
});

export const serviceSpecSchema = z.strictObject({
  owner: z.string().min(1).optional(),
  /** 1 is the most critical, 4 the least. */
  tier: z.number().int().min(1).max(4).default(3),
  oncall: z.string().min(1).optional(),
  runbook: z.string().url().optional(),
  repository: z.string().min(1).optional(),
  components: z.array(z.string().min(1)).default([]),
  /** Availability this service offers, as a fraction (0.999). */
  sla: z.number().gt(0).max(1).optional(),
  /** A third party Shipgate does not deploy. */
  external: z.boolean().default(false),
  dependencies: z.array(dependencySchema).default([]),
  /**
   * Databases (capacity's Database resources) the service holds a connection pool to, and the
   * pool's maximum per instance: `shipgate capacity pools ENV` sums them at each release's peak.
   */
  databases: z
    .array(
      z.strictObject({
        database: resourceName,
        pool: z.number().int().min(1).max(10_000),
        /** The database role the pool connects as: its open connections are the pool's, not someone else's. */
        user: z.string().min(1).max(63).optional(),
      }),
    )
    .max(20)
    .default([]),
});
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;

export const environmentSpecSchema = z.strictObject({
  kind: z.enum(['dev', 'staging', 'production']),
  region: z.string().min(1).optional(),
  services: z
    .record(
      resourceName,
      z.strictObject({
        version: z.string().min(1),
        instances: z.number().int().min(0).default(1),
        configHash: z.string().min(1).optional(),
      }),
    )
    .default({}),
});
export type EnvironmentSpec = z.infer<typeof environmentSpecSchema>;

export const serviceKind: KindDefinition<ServiceSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'Service',
  names: ['service', 'services', 'svc'],
  spec: serviceSpecSchema,
  description: 'A service in the catalog: owner, tier, on-call, SLA and dependencies',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'tier', value: (m) => m.spec.tier },
    { header: 'owner', value: (m) => m.spec.owner },
    { header: 'oncall', value: (m) => m.spec.oncall },
    { header: 'sla', value: (m) => m.spec.sla },
    { header: 'dependencies', value: (m) => m.spec.dependencies.map((d) => `${d.service}(${d.kind})`).join(',') },
  ],
  validate(m) {
    const issues: Issue[] = [];
    m.spec.dependencies.forEach((d, i) => {
      if (d.service === m.metadata.name) issues.push({ path: `spec.dependencies[${i}].service`, message: 'a service cannot depend on itself' });
    });
    const seen = new Set<string>();
    m.spec.dependencies.forEach((d, i) => {
      if (seen.has(d.service)) issues.push({ path: `spec.dependencies[${i}].service`, message: `"${d.service}" is listed twice` });
      seen.add(d.service);
    });
    return issues;
  },
};

export const environmentKind: KindDefinition<EnvironmentSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'Environment',
  names: ['environment', 'environments', 'env'],
  spec: environmentSpecSchema,
  description: 'An environment (dev, staging, production) and the versions running in it',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'kind', value: (m) => m.spec.kind },
    { header: 'region', value: (m) => m.spec.region },
    { header: 'services', value: (m) => Object.keys(m.spec.services).length },
  ],
};
