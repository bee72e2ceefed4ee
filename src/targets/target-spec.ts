import { z } from 'zod';
import { durationMs } from '../core/duration';
import { parseCommandTemplate } from './command-template';

/** `readiness: {httpGet: /healthz, timeout: 5s}`: an instance is ready when GET path answers 2xx. */
export const readinessSpec = z.strictObject({
  httpGet: z.string().startsWith('/').default('/healthz'),
  /** How long instances may take to become ready, ms. */
  timeout: durationMs.default(30_000),
});

/**
 * A command template (src/targets/command-template.ts): an argv array, or a string split into
 * words; `{version}` and `{artifact}` are substituted inside arguments; run without a shell.
 */
export const commandTemplate = z.union([z.string().min(1).max(4096), z.array(z.string().max(4096)).min(1).max(256)]).superRefine((v, ctx) => {
  const r = parseCommandTemplate(v);
  if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
});

export const processTargetSpec = z.strictObject({
  type: z.literal('process'),
  /** What runs: a template of program and arguments (never a shell line), set by an admin. */
  command: commandTemplate,
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

/**
 * The parts of a target that decide what runs on the control-plane host or where users' traffic
 * may go: a process target's program, arguments and folder; a static target's approved URLs.
 * Only an admin may introduce or change them (src/rollout/rollout-kind.ts). Null when the target
 * decides nothing of the kind. Commands compare by their argv, so rewriting a string as an array
 * is no change.
 */
export function hostDecidingFields(target: TargetSpec): unknown {
  if (target.type === 'process') {
    const t = parseCommandTemplate(target.command);
    return { type: 'process', command: 'argv' in t ? t.argv : target.command, cwd: target.cwd ?? null };
  }
  return Object.keys(target.endpoints).length ? { type: 'static', endpoints: target.endpoints } : null;
}
