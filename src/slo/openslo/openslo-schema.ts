/**
 * Zod schemas of the OpenSLO `openslo/v1` documents, as published (OpenSLO README, go-sdk
 * validation): documents are kept exactly as written, so they export back unchanged.
 */
import { z } from 'zod';

export const OPENSLO_API_VERSION = 'openslo/v1';

/** RFC 1123 label: what OpenSLO asks of names and references. */
export const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'expected a DNS label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit',
  );

/** Duration shorthand of OpenSLO: a positive integer and m, h, d, w, M, Q or Y. */
export const durationShorthand = z.string().regex(/^[1-9][0-9]*[mhdwMQY]$/, 'expected a duration shorthand such as 5m, 1h, 28d, 2w, 1M (units m h d w M Q Y)');

export const operator = z.enum(['gt', 'gte', 'lt', 'lte']);

export const openSloMetadata = z.strictObject({
  name: dnsLabel,
  displayName: z.string().optional(),
  /** OpenSLO labels: a value or a list of values. */
  labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const metricSource = z.strictObject({
  metricSourceRef: dnsLabel.optional(),
  type: z.string().min(1).optional(),
  spec: z.record(z.string(), z.unknown()).refine((s) => Object.keys(s).length > 0, 'must hold at least one field'),
});
const metricSpec = z.strictObject({ metricSource });

export const ratioMetric = z
  .strictObject({
    counter: z.boolean().optional(),
    good: metricSpec.optional(),
    bad: metricSpec.optional(),
    total: metricSpec.optional(),
    rawType: z.enum(['success', 'failure']).optional(),
    raw: metricSpec.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.raw) {
      if (m.good || m.bad || m.total) ctx.addIssue({ code: 'custom', path: ['raw'], message: '"raw" excludes "good", "bad" and "total"' });
      if (!m.rawType) ctx.addIssue({ code: 'custom', path: ['rawType'], message: 'required with "raw": success or failure' });
      return;
    }
    if (!m.total) ctx.addIssue({ code: 'custom', path: ['total'], message: 'required: a ratio is good/total, bad/total or raw' });
    if (!!m.good === !!m.bad) ctx.addIssue({ code: 'custom', path: m.good ? ['bad'] : ['good'], message: 'give exactly one of "good" and "bad"' });
    if (m.rawType) ctx.addIssue({ code: 'custom', path: ['rawType'], message: 'only with "raw"' });
  });

export const sliSpec = z
  .strictObject({
    description: z.string().max(1050).optional(),
    thresholdMetric: metricSpec.optional(),
    ratioMetric: ratioMetric.optional(),
  })
  .superRefine((s, ctx) => {
    if (!!s.thresholdMetric === !!s.ratioMetric) ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of "thresholdMetric" and "ratioMetric"' });
  });
export type SliSpec = z.infer<typeof sliSpec>;

export const inlineIndicator = z.strictObject({ metadata: openSloMetadata, spec: sliSpec });

export const alertConditionSpec = z.strictObject({
  description: z.string().max(1050).optional(),
  severity: z.string().min(1),
  condition: z.strictObject({
    kind: z.literal('burnrate'),
    op: operator,
    threshold: z.number(),
    lookbackWindow: durationShorthand,
    alertAfter: durationShorthand.optional(),
  }),
});
export type AlertConditionSpec = z.infer<typeof alertConditionSpec>;

export const alertNotificationTargetSpec = z.strictObject({
  description: z.string().max(1050).optional(),
  target: z.string().min(1),
});

const inlineCondition = z.strictObject({ kind: z.literal('AlertCondition'), metadata: openSloMetadata, spec: alertConditionSpec });
const inlineTarget = z.strictObject({ kind: z.literal('AlertNotificationTarget'), metadata: openSloMetadata, spec: alertNotificationTargetSpec });

export const alertPolicySpec = z.strictObject({
  description: z.string().max(1050).optional(),
  alertWhenNoData: z.boolean().optional(),
  alertWhenResolved: z.boolean().optional(),
  alertWhenBreaching: z.boolean().optional(),
  conditions: z
    .array(z.union([z.strictObject({ conditionRef: dnsLabel }), inlineCondition]))
    .length(1, 'OpenSLO v1 allows exactly one condition per alert policy'),
  notificationTargets: z.array(z.union([z.strictObject({ targetRef: dnsLabel }), inlineTarget])).min(1),
});
export type AlertPolicySpec = z.infer<typeof alertPolicySpec>;

const objective = z
  .strictObject({
    displayName: z.string().optional(),
    op: operator.optional(),
    value: z.number().optional(),
    target: z.number().min(0).lt(1).optional(),
    targetPercent: z.number().min(0).lt(100).optional(),
    timeSliceTarget: z.number().gt(0).max(1).optional(),
    timeSliceWindow: durationShorthand.optional(),
    indicator: inlineIndicator.optional(),
    indicatorRef: dnsLabel.optional(),
    compositeWeight: z.number().gt(0).optional(),
  })
  .superRefine((o, ctx) => {
    if ((o.target === undefined) === (o.targetPercent === undefined))
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'give exactly one of "target" (0–1) and "targetPercent" (0–100)' });
  });

const timeWindow = z
  .strictObject({
    duration: durationShorthand,
    isRolling: z.boolean(),
    calendar: z
      .strictObject({
        startTime: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'expected "YYYY-MM-DD HH:mm:ss" (local time in timeZone)'),
        timeZone: z.string().refine((tz) => isTimeZone(tz), 'expected an IANA time zone such as America/New_York'),
      })
      .optional(),
  })
  .superRefine((w, ctx) => {
    if (w.isRolling && w.calendar) ctx.addIssue({ code: 'custom', path: ['calendar'], message: '"calendar" cannot be set when "isRolling" is true' });
    if (!w.isRolling && !w.calendar) ctx.addIssue({ code: 'custom', path: ['calendar'], message: '"calendar" must be set when "isRolling" is false' });
  });

const sloAlertPolicy = z.union([
  z.strictObject({ alertPolicyRef: dnsLabel }),
  z.strictObject({ kind: z.literal('AlertPolicy'), metadata: openSloMetadata, spec: alertPolicySpec }),
]);

export const sloSpec = z
  .strictObject({
    description: z.string().max(1050).optional(),
    service: z.string().min(1),
    indicator: inlineIndicator.optional(),
    indicatorRef: dnsLabel.optional(),
    budgetingMethod: z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices']),
    timeWindow: z.array(timeWindow).length(1, 'OpenSLO v1 takes exactly one time window'),
    objectives: z.array(objective).min(1),
    /** Written as `alertPolicies:` with nothing after it in some examples (YAML null). */
    alertPolicies: z.array(sloAlertPolicy).nullable().optional(),
  })
  .superRefine((s, ctx) => {
    const composite = s.objectives.some((o) => o.indicator || o.indicatorRef);
    const top = !!s.indicator || !!s.indicatorRef;
    if (s.indicator && s.indicatorRef) ctx.addIssue({ code: 'custom', path: ['indicatorRef'], message: 'give "indicator" or "indicatorRef", not both' });
    if (!composite && !top) ctx.addIssue({ code: 'custom', path: ['indicator'], message: 'required: an inline "indicator" or an "indicatorRef" to an SLI' });
    if (composite && top)
      ctx.addIssue({
        code: 'custom',
        path: ['indicator'],
        message: 'indicators go either on the spec (standard SLO) or on the objectives (composite SLO), not both',
      });
    s.objectives.forEach((o, i) => {
      if (s.budgetingMethod === 'Timeslices' && o.timeSliceTarget === undefined) {
        ctx.addIssue({ code: 'custom', path: ['objectives', i, 'timeSliceTarget'], message: 'required with budgetingMethod Timeslices' });
      }
      if (s.budgetingMethod !== 'Occurrences' && o.timeSliceWindow === undefined) {
        ctx.addIssue({ code: 'custom', path: ['objectives', i, 'timeSliceWindow'], message: `required with budgetingMethod ${s.budgetingMethod}` });
      }
    });
    const thresholdSli = s.indicator?.spec.thresholdMetric;
    if (thresholdSli) {
      s.objectives.forEach((o, i) => {
        if (!o.op) ctx.addIssue({ code: 'custom', path: ['objectives', i, 'op'], message: 'required with a thresholdMetric indicator (lt, lte, gt, gte)' });
        if (o.value === undefined) ctx.addIssue({ code: 'custom', path: ['objectives', i, 'value'], message: 'required with a thresholdMetric indicator' });
      });
    }
  });
export type SloSpec = z.infer<typeof sloSpec>;

export const serviceSpec = z.strictObject({ description: z.string().max(1050).optional() });

export const dataSourceSpec = z.strictObject({
  description: z.string().max(1050).optional(),
  type: z.string().min(1),
  /** A map, or (as in go-sdk's examples) a list of maps. */
  connectionDetails: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]),
});
export type DataSourceSpec = z.infer<typeof dataSourceSpec>;

/** The full-document schema of an OpenSLO kind. */
export function openSloDocument<S extends z.ZodType>(kind: string, spec: S) {
  return z.strictObject({
    apiVersion: z.literal(OPENSLO_API_VERSION),
    kind: z.literal(kind),
    metadata: openSloMetadata,
    spec,
  });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
