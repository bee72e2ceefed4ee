import { z } from 'zod';
import { durationMs } from '../core/duration';
import { parseThresholds } from '../core/load-thresholds';
import { INLINE_ANALYSIS_METRICS, PARITY_ASPECTS, VERIFICATION_KINDS } from '../core/hooks';
import { resourceName } from '../core/kinds';
import { targetSpec } from '../targets/target-spec';

/** Metrics the inline analysis judges from the router's per-version windows. */
export const INLINE_METRICS = INLINE_ANALYSIS_METRICS;
export type InlineMetricName = (typeof INLINE_METRICS)[number];

export const thresholdSpec = z
  .strictObject({
    name: z.enum(INLINE_METRICS),
    /** Fails when the measured value is above. */
    max: z.number().optional(),
    /** Fails when the measured value is below. */
    min: z.number().optional(),
    /**
     * Fails when the value exceeds the stable version's over the same window by more than this
     * (ms for latencies, a fraction for the error rate): a comparison with the baseline that a busy
     * machine slowing every version alike does not trip.
     */
    maxOverStable: z.number().min(0).optional(),
  })
  .refine((m) => m.max !== undefined || m.min !== undefined || m.maxOverStable !== undefined, { message: 'set max, min or maxOverStable' });
export type ThresholdSpec = z.output<typeof thresholdSpec>;

/**
 * Inline thresholds on the canary's router metrics, judged every interval: sugar over an analysis
 * run with the threshold judge (HOOKS.analysisStep), each window from the step's start. Its
 * measurements are Successful, Failed, Inconclusive or Error (the metric source broke); errors
 * in a row are limited by the Rollout's `limits.consecutiveErrorLimit`.
 */
export const inlineAnalysisSpec = z.strictObject({
  metrics: z.array(thresholdSpec).min(1).max(20),
  /** Time between measurements, ms. */
  interval: durationMs.default(10_000),
  /** Passing measurements needed. */
  count: z.number().int().min(1).max(1000).default(3),
  /** Failing measurements tolerated; one more fails the analysis. */
  failureLimit: z.number().int().min(0).max(1000).default(0),
  /** Fewer canary requests than this in the window: the measurement is inconclusive (need more data). */
  minRequests: z.number().int().min(1).default(20),
  /** Inconclusive measurements tolerated before the rollout pauses for a person. */
  inconclusiveLimit: z.number().int().min(0).max(10_000).default(30),
});

/**
 * Limits of a run, and how long it waits for other capabilities. Runs stored before these fields
 * existed read the defaults (`rolloutLimits`).
 */
export const ROLLOUT_LIMIT_DEFAULTS = {
  consecutiveErrorLimit: 4,
  actionErrorLimit: 10,
  burnCheckInterval: 5000,
  burnCheckTimeout: 3000,
  analysisTimeout: 15_000,
} as const;

export const rolloutLimitsSpec = z
  .strictObject({
    consecutiveErrorLimit: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(ROLLOUT_LIMIT_DEFAULTS.consecutiveErrorLimit)
      .describe(
        'Analysis measurements in Error (the metric source or the analysis provider broke) tolerated in a row; one more pauses the rollout for a person. An Error never rolls back. Default 4: the 5th error in a row pauses.',
      ),
    actionErrorLimit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(ROLLOUT_LIMIT_DEFAULTS.actionErrorLimit)
      .describe('Failed attempts in a row at one action (deploy, traffic, store) after which the run rolls back with reason error. Default 10.'),
    burnCheckInterval: durationMs
      .default(ROLLOUT_LIMIT_DEFAULTS.burnCheckInterval)
      .describe('Time between two SLO burn checks of a run (rollback trigger sloBurn), ms or a duration. Default 5s.'),
    burnCheckTimeout: durationMs
      .default(ROLLOUT_LIMIT_DEFAULTS.burnCheckTimeout)
      .describe('Longest wait for the SLO burn check; without an answer the check counts as not burning. Default 3s.'),
    analysisTimeout: durationMs
      .default(ROLLOUT_LIMIT_DEFAULTS.analysisTimeout)
      .describe('Longest wait for the analysis provider to judge an analysis step; without an answer the measurement is an Error. Default 15s.'),
  })
  .describe('Limits of a run and its waits for other capabilities; every field has a default.');
export type RolloutLimits = z.output<typeof rolloutLimitsSpec>;

/** The run's limits, defaults filled in; a spec stored before `limits` existed has none. */
export function rolloutLimits(spec: { limits?: z.input<typeof rolloutLimitsSpec> }): RolloutLimits {
  return rolloutLimitsSpec.parse(spec.limits ?? {});
}

/** An AnalysisTemplate run by the analysis capability, one interval at a time. */
export const templateAnalysisSpec = z.strictObject({
  templateRef: z.string().min(1),
  /** Longest the step may take before it counts as inconclusive, ms. */
  maxDuration: durationMs.default(600_000),
});

export const analysisSpec = z.union([inlineAnalysisSpec, templateAnalysisSpec]);
export type AnalysisSpec = z.output<typeof analysisSpec>;
export type InlineAnalysisSpec = z.output<typeof inlineAnalysisSpec>;

export const headerRouteSpec = z.strictObject({
  header: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name'),
  value: z.string().min(1),
});

/** Highest rate a loadTest step may send, requests/s (the server itself sends them). */
export const LOAD_TEST_MAX_RATE = 5000;

/**
 * A load test of the new revision before it takes user traffic: the server sends `rate` requests
 * a second (or `peakFactor` × the capacity forecast's peak within `horizon`, at most `maxRate`)
 * for `duration` through its own router, with `header` so the requests reach the new revision
 * only, and judges them with k6-style `thresholds`. A failed threshold rolls back (reason
 * `loadTest`); no rate to send (no forecast and no `rate`) pauses for a person.
 */
export const loadTestStepSpec = z
  .strictObject({
    rate: z.number().positive().max(LOAD_TEST_MAX_RATE).optional().describe('Requests a second; with peakFactor, the rate used when there is no forecast.'),
    peakFactor: z.number().positive().max(10).optional().describe("Multiple of the capacity forecast's peak request rate to send, e.g. 1.5."),
    horizon: durationMs.default(14 * 86_400_000).describe('How far ahead the forecast peak is looked for. Default 14d.'),
    maxRate: z.number().positive().max(LOAD_TEST_MAX_RATE).default(1000).describe('Cap on peakFactor × peak, requests/s. Default 1000.'),
    duration: durationMs.default(30_000).refine((ms) => ms >= 1000 && ms <= 600_000, { message: 'a load test step lasts from 1s to 10m' }),
    method: z
      .string()
      .regex(/^[A-Z][A-Z0-9_-]{0,31}$/, 'expected an HTTP method such as GET')
      .default('GET'),
    path: z
      .string()
      .regex(/^\/[^\s]*$/, 'expected a path starting with / and no spaces')
      .max(2000)
      .default('/'),
    thresholds: z
      .string()
      .max(1000)
      .default('p(99)<1000,errors<0.01')
      .superRefine((t, c) => {
        try {
          parseThresholds(t);
        } catch (e) {
          c.addIssue({ code: 'custom', message: (e as Error).message });
        }
      }),
    timeout: durationMs.default(5000).refine((ms) => ms >= 1 && ms <= 60_000, { message: 'timeout is at most 60s' }),
    /** Requests carrying it reach the new revision only (a header route for the step's duration). */
    header: headerRouteSpec.default({ header: 'x-shipgate-load-test', value: 'true' }),
  })
  .refine((s) => s.rate !== undefined || s.peakFactor !== undefined, { message: 'set rate, peakFactor or both' });
export type LoadTestStepSpec = z.output<typeof loadTestStepSpec>;

export const canaryStepSpec = z.union([
  z.strictObject({ setWeight: z.number().min(0).max(100) }),
  /** `pause: {}` waits for `promote`; with a duration it resumes by itself. */
  z.strictObject({ pause: z.strictObject({ duration: durationMs.optional() }).default({}) }),
  z.strictObject({ analysis: analysisSpec }),
  z.strictObject({ setHeaderRoute: headerRouteSpec }),
  z.strictObject({ loadTest: loadTestStepSpec }),
  z.strictObject({ setMirror: z.strictObject({ percent: z.number().min(0).max(100) }) }),
  z.strictObject({
    setCanaryScale: z
      .strictObject({
        replicas: z.number().int().min(0).max(50).optional(),
        weight: z.number().min(0).max(100).optional(),
        matchTrafficWeight: z.literal(true).optional(),
      })
      .refine((s) => [s.replicas, s.weight, s.matchTrafficWeight].filter((x) => x !== undefined).length === 1, {
        message: 'set exactly one of replicas, weight or matchTrafficWeight',
      }),
  }),
]);
export type CanaryStepSpec = z.output<typeof canaryStepSpec>;

export const ROLLBACK_TRIGGERS = ['analysisFailed', 'healthFailed', 'sloBurn', 'externalAlert', 'memoryLeak'] as const;
export type RollbackTrigger = (typeof ROLLBACK_TRIGGERS)[number];
/** On unless `rollbackOn` is written; `memoryLeak` (a leak finding on the new revision, from capacity) is asked for by name. */
export const DEFAULT_ROLLBACK_TRIGGERS: RollbackTrigger[] = ['analysisFailed', 'healthFailed', 'sloBurn', 'externalAlert'];
const rollbackOn = z.array(z.enum(ROLLBACK_TRIGGERS)).default([...DEFAULT_ROLLBACK_TRIGGERS]);

export const canaryStrategySpec = z
  .strictObject({
    steps: z.array(canaryStepSpec).max(100).default([]),
    rollbackOn,
  })
  .superRefine((s, c) => {
    // A load test is sent before users reach the revision: once they do, it would load them too.
    const weighted = s.steps.findIndex((x) => 'setWeight' in x && x.setWeight > 0);
    s.steps.forEach((x, i) => {
      if ('loadTest' in x && weighted >= 0 && i > weighted)
        c.addIssue({
          code: 'custom',
          path: ['steps', i, 'loadTest'],
          message: `a loadTest step must come before the first setWeight above 0 (step ${weighted + 1}): users would share the load`,
        });
    });
  });

export const blueGreenStrategySpec = z.strictObject({
  /** Header that reaches the new revision before the switch. */
  previewHeader: headerRouteSpec.default({ header: 'x-shipgate-preview', value: 'true' }),
  prePromotionAnalysis: analysisSpec.optional(),
  /** false: wait for `promote` before switching. */
  autoPromotion: z.boolean().default(true),
  postPromotionAnalysis: analysisSpec.optional(),
  /** How long the old revision stays warm after the switch, ms; a rollback inside it is a switch back. */
  scaleDownDelay: durationMs.default(30_000),
  rollbackOn,
});

const countOrPercent = z.union([z.number().int().min(0), z.string().regex(/^\d{1,3}%$/, 'expected a count or a percentage like "25%"')]);
export const rollingStrategySpec = z
  .strictObject({
    maxSurge: countOrPercent.default(1),
    maxUnavailable: countOrPercent.default(0),
    rollbackOn,
  })
  .refine((s) => !(s.maxSurge === 0 && s.maxUnavailable === 0) && !(s.maxSurge === '0%' && s.maxUnavailable === '0%'), {
    message: 'maxSurge and maxUnavailable cannot both be 0',
  });

export const strategySpec = z.union([
  z.strictObject({ canary: canaryStrategySpec }),
  z.strictObject({ blueGreen: blueGreenStrategySpec }),
  z.strictObject({ rolling: rollingStrategySpec }),
]);
export type StrategySpec = z.output<typeof strategySpec>;

/**
 * The post-promotion window: after all traffic moved to the new revision, the previous one stays
 * ready while the new one is watched; a failure rolls back to it at once, and only a quiet window
 * lets the old revision be scaled down.
 */
export const postPromotionSpec = z.strictObject({
  window: durationMs.default(300_000).describe('How long the previous revision stays ready after promotion. Default 5m.'),
  /** Every instance of the new revision is probed directly (not through the router). */
  probe: z
    .strictObject({
      /** Default: the target's readiness path, else /healthz. */
      path: z.string().regex(/^\//, 'expected a path starting with /').max(2000).optional(),
      interval: durationMs.default(5000),
      timeout: durationMs.default(2000),
      /** Consecutive failed probes of one instance that roll back. */
      failureThreshold: z.number().int().min(1).max(100).default(2),
    })
    .prefault({}),
  /** SyntheticChecks run against every instance of the new revision; default: the service's checks marked `smoke: true`. */
  smoke: z.array(resourceName).max(20).optional(),
  /** Instance restarts tolerated in the window (a crash loop, an instance that starts then exits). */
  maxRestarts: z.number().int().min(0).max(100).default(0),
  /** Error rate of the new revision through the router, over the window so far, that rolls back (once `minRequests` were served). */
  maxErrorRate: z.number().min(0).max(1).default(0.01),
  minRequests: z.number().int().min(1).max(1_000_000).default(50),
});
export type PostPromotionSpec = z.output<typeof postPromotionSpec>;

/**
 * Instances for the forecast peak (capacity's forecast of the route, HOOKS.capacityPlan):
 * needed = ⌈peak × (1 + headroom) ÷ perInstance⌉. With `preScale` a release runs at
 * max(replicas, needed) (at most `maxReplicas`): the serving revision is scaled up and ready
 * before any weight moves, and the new one is scaled back to `target.replicas` after the
 * post-promotion window. With `require`, a release whose instances fall short is refused.
 */
export const capacitySpec = z.strictObject({
  perInstance: z
    .number()
    .positive()
    .max(1e9)
    .optional()
    .describe('Requests/s one instance serves at its SLO latency (e.g. from a load test of the revision); preScale and require need it.'),
  headroom: z.number().min(0).max(10).default(0.3).describe('Spare capacity over the peak, a fraction. Default 0.3.'),
  horizon: durationMs.default(14 * 86_400_000).describe('How far ahead the forecast peak is read. Default 14d.'),
  preScale: z.boolean().default(false),
  maxReplicas: z.number().int().min(1).max(50).default(50),
  require: z.boolean().default(true),
  /** Memory one instance may use, MiB: a leak finding says when it would be reached. */
  memoryLimitMb: z.number().positive().max(1_048_576).optional(),
});
export type CapacitySpec = z.output<typeof capacitySpec>;

export const rolloutSpec = z.strictObject({
  // The Service and Environment resources' own names: what the catalog accepts, a Rollout can name.
  service: resourceName,
  environment: resourceName.default('production'),
  /** Route of the built-in router (RouteTable) whose backends this rollout manages. */
  route: resourceName,
  target: targetSpec,
  strategy: strategySpec,
  /** Old versions are scaled down only after no request reached them for `quietPeriod` (at most `maxWait`). */
  drain: z.strictObject({ quietPeriod: durationMs.default(5000), maxWait: durationMs.default(60_000) }).default({ quietPeriod: 5000, maxWait: 60_000 }),
  /**
   * Verifications each revision must have passed before it is released or retried (evidence for
   * its exact version and artifact, `shipgate verify … --service --version`): migration, openapi,
   * pact, canIDeploy, scan. Checked by the authorisation path; an approval policy may add more.
   */
  verify: z.array(z.enum(VERIFICATION_KINDS)).default([]),
  limits: rolloutLimitsSpec.prefault({}),
  capacity: capacitySpec.optional(),
  postPromotion: postPromotionSpec.optional(),
  /**
   * What the environment tests of this service run in must share with this one
   * (`shipgate env parity A B` exits 1 when a required aspect differs): e.g. on the production
   * Rollout, `{against: staging, require: [services, dependencies, configKeys, redundancy, routes]}`.
   */
  parity: z
    .strictObject({
      against: resourceName,
      require: z
        .array(z.enum(PARITY_ASPECTS))
        .min(1)
        .default([...PARITY_ASPECTS]),
    })
    .optional(),
});
export type RolloutSpec = z.output<typeof rolloutSpec>;
/** What a manifest author writes (durations as text, defaults omitted). */
export type RolloutSpecInput = z.input<typeof rolloutSpec>;

/** Name of the strategy a spec uses. */
export function strategyName(s: StrategySpec): 'canary' | 'blueGreen' | 'rolling' {
  return 'canary' in s ? 'canary' : 'blueGreen' in s ? 'blueGreen' : 'rolling';
}

export function rollbackTriggers(s: StrategySpec): RollbackTrigger[] {
  if ('canary' in s) return s.canary.rollbackOn;
  if ('blueGreen' in s) return s.blueGreen.rollbackOn;
  return s.rolling.rollbackOn;
}
