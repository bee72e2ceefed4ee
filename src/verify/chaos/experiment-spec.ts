/**
 * The Experiment kind: a chaos experiment in the shape of Chaos Toolkit's (a steady-state
 * hypothesis of probes with tolerances, a method of actions with pauses, rollbacks), reduced to
 * what Shipgate can inject and observe itself: router faults on a route or one version, judged by
 * SLO burn, SyntheticChecks and a canary-vs-baseline comparison of the route's versions.
 * Rollbacks are implicit: every fault an action injects is removed when the run ends or aborts,
 * and carries an expiry the router honours on its own.
 */
import { z } from 'zod';
import { durationMs } from '../../core/duration';
import { resourceName, SHIPGATE_API_VERSION, type KindDefinition } from '../../core/kinds';

export const EXPERIMENT_KIND = 'Experiment';

/** Bounds that keep one run cheap and short for the server that executes it. */
export const EXPERIMENT_LIMITS = { probes: 20, actions: 20, maxDurationMs: 3_600_000, minProbeIntervalMs: 200 } as const;

const versionName = z.string().regex(/^[A-Za-z0-9][-A-Za-z0-9._]{0,62}$/, 'expected a version name of letters, digits, "-", "." or "_"');
const percent = z.number().min(0).max(100);
const label = z.string().min(1).max(100);

const sloProbe = z.strictObject({
  /** The SLO's metadata.name. */
  name: resourceName,
  /** Tolerance: the burn rate over `window` must stay at or below this. */
  maxBurnRate: z.number().min(0),
  window: durationMs.default(300_000),
});

const syntheticProbe = z.strictObject({
  /** A stored SyntheticCheck; it must pass. */
  check: resourceName,
  /** Base URL its steps run against; default the check's `schedule.target`. */
  target: z.url({ protocol: /^https?$/ }).optional(),
});

const canaryProbe = z.strictObject({
  route: resourceName,
  /** The version the method faults. */
  version: versionName,
  /** The version it is compared with over the same window. */
  baseline: versionName,
  /** Tolerance: the version's error rate may exceed the baseline's by at most this (0..1). */
  maxErrorRateOverBaseline: z.number().min(0).max(1).default(0.05),
  /** Fewer requests of the version than this: the probe is inconclusive, which does not stop the run. */
  minRequests: z.number().int().min(0).default(10),
  /** Before the method: the last `window` of router buckets; during and after, what came since the method (or its rollback) began. */
  window: durationMs.default(30_000),
});

export const probeSchema = z
  .strictObject({
    name: label,
    slo: sloProbe.optional(),
    synthetic: syntheticProbe.optional(),
    canary: canaryProbe.optional(),
  })
  .superRefine((p, ctx) => {
    const n = [p.slo, p.synthetic, p.canary].filter((x) => x !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'a probe is exactly one of slo, synthetic or canary' });
  });
export type ProbeSpec = z.infer<typeof probeSchema>;

const faultAction = z
  .strictObject({
    route: resourceName,
    /** One version of the route; without it the fault applies to the whole route. */
    version: versionName.optional(),
    delay: z.strictObject({ percent, delayMs: z.number().int().min(1).max(600_000) }).optional(),
    abort: z.strictObject({ percent, status: z.number().int().min(400).max(599).default(503) }).optional(),
    reset: z.strictObject({ percent }).optional(),
  })
  .superRefine((f, ctx) => {
    if (!f.delay && !f.abort && !f.reset) ctx.addIssue({ code: 'custom', message: 'a fault needs delay, abort or reset' });
  });
export type FaultAction = z.infer<typeof faultAction>;

const instancesAction = z
  .strictObject({
    /** `kill`: SIGKILL (the process target restarts it); `pause`: SIGSTOP, then SIGCONT after `duration` or at the rollback. */
    action: z.enum(['kill', 'pause']),
    count: z.number().int().min(1).max(1000).optional(),
    percent: z.number().min(0).max(100).optional(),
    /** How long a paused instance stays paused; default until the rollback. */
    duration: durationMs.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.count !== undefined && a.percent !== undefined) ctx.addIssue({ code: 'custom', message: 'count or percent, not both' });
    if (a.duration !== undefined && a.action !== 'pause') ctx.addIssue({ code: 'custom', path: ['duration'], message: 'only a pause has a duration' });
  });
export type InstancesAction = z.infer<typeof instancesAction>;

export const actionSchema = z
  .strictObject({
    name: label,
    /** A router fault on the route or one version (a slow upstream is a delay on its version). */
    fault: faultAction.optional(),
    /** Kill or pause instances of the service's process target in the run's environment. */
    instances: instancesAction.optional(),
    /** Waits around the action, as Chaos Toolkit's `pauses` (probes keep running during them). */
    pauses: z.strictObject({ before: durationMs.optional(), after: durationMs.optional() }).optional(),
  })
  .superRefine((a, ctx) => {
    if ((a.fault === undefined) === (a.instances === undefined)) ctx.addIssue({ code: 'custom', message: 'an action is exactly one of fault or instances' });
  });
export type ActionSpec = z.infer<typeof actionSchema>;

export const experimentSpecSchema = z
  .strictObject({
    service: resourceName,
    environment: resourceName.default('staging'),
    description: z.string().max(2000).optional(),
    hypothesis: z.strictObject({
      title: z.string().max(200).optional(),
      probes: z.array(probeSchema).min(1).max(EXPERIMENT_LIMITS.probes),
    }),
    method: z.array(actionSchema).min(1).max(EXPERIMENT_LIMITS.actions),
    /** Time between two rounds of probes while the method runs. */
    probeInterval: durationMs.default(2_000),
    /** How long the method keeps its faults, from its first action; the pauses must fit in it. */
    duration: durationMs.default(30_000),
    /** An environment of kind production (or undeclared) is refused unless this is true and the authorizer allows it. */
    allowProduction: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    if (s.probeInterval < EXPERIMENT_LIMITS.minProbeIntervalMs)
      ctx.addIssue({ code: 'custom', path: ['probeInterval'], message: `at least ${EXPERIMENT_LIMITS.minProbeIntervalMs}ms` });
    if (s.duration > EXPERIMENT_LIMITS.maxDurationMs) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'at most 1h' });
    const pauses = s.method.reduce((n, a) => n + (a.pauses?.before ?? 0) + (a.pauses?.after ?? 0), 0);
    if (pauses > s.duration)
      ctx.addIssue({ code: 'custom', path: ['duration'], message: `the method's pauses (${pauses}ms) do not fit in the duration (${s.duration}ms)` });
    const names = new Set<string>();
    s.hypothesis.probes.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['hypothesis', 'probes', i, 'name'], message: `duplicate probe name "${p.name}"` });
      names.add(p.name);
    });
  });
export type ExperimentSpec = z.infer<typeof experimentSpecSchema>;

export const experimentKind: KindDefinition<ExperimentSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: EXPERIMENT_KIND,
  names: ['experiment', 'experiments', 'exp'],
  spec: experimentSpecSchema as never,
  writeRoles: ['deployer'],
  description: 'a chaos experiment: a steady-state hypothesis (SLO burn, synthetic checks, canary vs baseline) checked before, during and after router faults',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'service', value: (m) => m.spec.service },
    { header: 'environment', value: (m) => m.spec.environment ?? 'staging' },
    { header: 'probes', value: (m) => m.spec.hypothesis.probes.length },
    { header: 'actions', value: (m) => m.spec.method.length },
  ],
};
