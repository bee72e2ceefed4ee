/**
 * Imports Sloth specs (`version: prometheus/v1`) as OpenSLO SLOs, and states the burn-rate
 * thresholds Sloth would generate for them. Pure.
 */
import { z } from 'zod';
import { InputError } from '../core/errors';
import { parseInput } from '../core/kinds';
import { parseYamlValue, type Manifest } from '../core/manifest';
import { defaultAlertWindows } from './alert-windows';
import { parseDurationMs } from './duration';
import { shorthandDurationMs } from '../core/duration';
import { ANNOTATIONS } from './slo-model';
import { OPENSLO_API_VERSION, type SloSpec } from './openslo/openslo-schema';

const alertSchema = z.looseObject({
  disable: z.boolean().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const slothSpecSchema = z.strictObject({
  version: z.literal('prometheus/v1'),
  service: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
  slos: z
    .array(
      z.strictObject({
        id: z.string().optional(),
        name: z.string().min(1),
        objective: z.number().gt(0).lt(100),
        description: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional(),
        sli: z.union([
          z.strictObject({ events: z.strictObject({ error_query: z.string().min(1), total_query: z.string().min(1) }) }),
          z.strictObject({ raw: z.strictObject({ error_ratio_query: z.string().min(1) }) }),
        ]),
        alerting: z.looseObject({
          name: z.string().optional(),
          labels: z.record(z.string(), z.string()).optional(),
          annotations: z.record(z.string(), z.string()).optional(),
          page_alert: alertSchema.optional(),
          ticket_alert: alertSchema.optional(),
        }),
      }),
    )
    .min(1),
});
export type SlothSpec = z.infer<typeof slothSpecSchema>;

/** Sloth's default SLO period. */
export const SLOTH_PERIOD = '30d';

/** Sloth's error budget: (100 − objective) / 100, computed in that order (so 99.9 gives 0.0009999999999999432). */
export function slothErrorBudget(objectivePercent: number): number {
  return (100 - objectivePercent) / 100;
}

/** Sloth's SLO name check: a DNS label of service and SLO name. */
function sloName(service: string, name: string): string {
  const n = `${service}-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (n.length > 63) throw new InputError(`SLO name "${n}" is longer than 63 characters`, [{ path: 'slos[].name', message: 'too long' }]);
  return n;
}

/**
 * OpenSLO SLOs for a Sloth spec: event SLIs become bad/total ratios, raw SLIs raw failure ratios;
 * the window is Sloth's 30 days rolling, the method Occurrences; no AlertConditions, so the
 * default windows (the same as Sloth's) apply; disabled alerts and the alert name are annotations.
 */
export function importSloth(text: string, file = 'sloth.yaml', periodText = SLOTH_PERIOD): Manifest<SloSpec>[] {
  // Bounded like every manifest: an alias bomb or 64-deep nesting is an InputError naming the file.
  const raw = parseYamlValue(text, file);
  const spec = parseInput(slothSpecSchema, raw, `Sloth spec ${file}`);
  return spec.slos.map((s) => {
    const prom = (query: string) => ({ metricSource: { type: 'Prometheus', spec: { query: query.trim() } } });
    const disabled = [s.alerting.page_alert?.disable ? 'page' : '', s.alerting.ticket_alert?.disable ? 'ticket' : ''].filter(Boolean);
    const annotations: Record<string, string> = {
      'sloth.slok.dev/objective': String(s.objective),
      ...(s.alerting.name ? { [ANNOTATIONS.alertName]: s.alerting.name } : {}),
      ...(disabled.length ? { [ANNOTATIONS.alertsDisabled]: disabled.join(',') } : {}),
    };
    const labels = { ...(spec.labels ?? {}), ...(s.labels ?? {}) };
    const indicator =
      'events' in s.sli
        ? { ratioMetric: { counter: false, bad: prom(s.sli.events.error_query), total: prom(s.sli.events.total_query) } }
        : { ratioMetric: { rawType: 'failure' as const, raw: prom(s.sli.raw.error_ratio_query) } };
    const name = sloName(spec.service, s.name);
    return {
      apiVersion: OPENSLO_API_VERSION,
      kind: 'SLO',
      metadata: { name, displayName: s.name, ...(Object.keys(labels).length ? { labels } : {}), annotations },
      spec: {
        ...(s.description ? { description: s.description.slice(0, 1050) } : {}),
        service: spec.service,
        indicator: { metadata: { name: `${name}-sli` }, spec: indicator },
        timeWindow: [{ duration: periodText, isRolling: true }],
        budgetingMethod: 'Occurrences',
        objectives: [{ displayName: s.name, target: s.objective / 100 }],
      } as SloSpec,
    };
  });
}

/** One multi-window condition as Sloth writes it: `rate(short) > (factor * budget) and rate(long) > …`. */
export interface SlothCondition {
  severity: 'page' | 'ticket';
  shortWindow: string;
  longWindow: string;
  /** Go float formatting (shortest round-trip), as in the generated rules. */
  factor: string;
  budget: string;
}

/** The thresholds Sloth generates for an objective over a period (default windows). */
export function slothConditions(objectivePercent: number, periodText = SLOTH_PERIOD): SlothCondition[] {
  const budget = slothErrorBudget(objectivePercent);
  return defaultAlertWindows(parseDurationMs(periodText)).map((w) => ({
    severity: w.severity,
    shortWindow: shorthandDurationMs(w.shortWindowMs),
    longWindow: shorthandDurationMs(w.longWindowMs),
    factor: goFloat(w.burnRate),
    budget: goFloat(budget),
  }));
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64) for the magnitudes used here (no exponent). */
export function goFloat(x: number): string {
  const s = String(x);
  if (!/e/.test(s)) return s;
  const [m, e] = s.split('e');
  const exp = Number(e);
  const digits = m.replace('.', '').replace('-', '');
  const point = (m.indexOf('.') === -1 ? m.replace('-', '').length : m.replace('-', '').indexOf('.')) + exp;
  const sign = x < 0 ? '-' : '';
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  return `${sign}${digits.padEnd(point, '0')}`;
}
