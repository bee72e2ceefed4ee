import { z } from 'zod';
import { durationMs } from '../rollout/duration';

/** `readiness: {httpGet: /healthz, timeout: 5s}`: an instance is ready when GET path answers 2xx. */
export const readinessSpec = z.strictObject({
  httpGet: z.string().startsWith('/').default('/healthz'),
  /** How long instances may take to become ready, ms. */
  timeout: durationMs.default(30_000),
});

export const processTargetSpec = z.strictObject({
  type: z.literal('process'),
  /** Command line run through /bin/sh; a revision's artifact overrides it when set. */
  command: z.string().min(1),
  replicas: z.number().int().min(1).max(50).default(1),
  /** Working folder of the command, relative to the server's. */
  cwd: z.string().optional(),
  readiness: readinessSpec.default({ httpGet: '/healthz', timeout: 30_000 }),
  /** Wait between SIGTERM and SIGKILL, ms. */
  gracePeriod: durationMs.default(5000),
  /** Restarts of crashed instances of one revision before it counts as failed. */
  maxRestarts: z.number().int().min(0).max(1000).default(3),
});

export const staticTargetSpec = z.strictObject({
  type: z.literal('static'),
  replicas: z.number().int().min(1).max(50).default(1),
  /** Version → base URLs already serving it. A revision's artifact, when it is a URL list, wins. */
  endpoints: z.record(z.string(), z.array(z.url()).min(1)).default({}),
  readiness: readinessSpec.optional(),
});

export const targetSpec = z.discriminatedUnion('type', [processTargetSpec, staticTargetSpec]);
export type TargetSpec = z.output<typeof targetSpec>;
export type ProcessTargetSpec = z.output<typeof processTargetSpec>;
export type StaticTargetSpec = z.output<typeof staticTargetSpec>;
