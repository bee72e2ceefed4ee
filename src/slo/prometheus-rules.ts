/**
 * An SLO as Prometheus rules: recording rules for its error ratio over each burn window, and one
 * alerting rule per multi-window burn-rate alert (the same windows and factors Shipgate evaluates
 * itself, alert-windows.ts), in the shape Sloth writes. Pure.
 *
 * SLIs Prometheus can compute: the router's builtin series (`router.requests` with its labels,
 * which the router exports as `shipgate_router_requests_total{route,version,code_class}`) and
 * Prometheus sources (their query, `{{.window}}` replaced by each window). Pushed series live only
 * in Shipgate: such an SLO is reported as not exportable, with the reason.
 */
import { CODE_CLASSES } from '../metrics/types';
import { alertWindowsFor } from './slo-evaluation';
import type { MetricQuery, SloModel } from './slo-model';

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}
export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

export const ERROR_RATIO_RECORD = 'shipgate:slo_error_ratio';
/** The same per version (router SLIs only): what release-specific alerts read. */
export const VERSION_ERROR_RATIO_RECORD = 'shipgate:slo_error_ratio_by_version';

/** A duration as Prometheus writes it: 90000 → 1m30s. */
export function promDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let left = Math.round(ms);
  let out = '';
  for (const [u, len] of units) {
    if (left >= len) {
      out += `${Math.floor(left / len)}${u}`;
      left %= len;
    }
  }
  return out || '0s';
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** PromQL for the events a query counts over `w`, or why it cannot be written. */
export function eventsOver(q: MetricQuery, w: string, byVersion = false): { expr: string } | { unsupported: string } {
  if (q.type === 'prometheus') {
    if (byVersion) return { unsupported: 'a Prometheus query names no version' };
    const query = q.spec.query;
    if (typeof query !== 'string' || !query) return { unsupported: 'a Prometheus source without a query' };
    return { expr: query.replaceAll('{{.window}}', w) };
  }
  if (q.type === 'shipgate') {
    const series = q.spec.series;
    const labels = (q.spec.labels ?? {}) as Record<string, string>;
    if (series !== 'router.requests') return { unsupported: `the series ${String(series)} is pushed to Shipgate, not scraped by Prometheus` };
    if (!labels.route) return { unsupported: 'router.requests without labels.route' };
    const matchers = [`route="${esc(labels.route)}"`];
    if (labels.version) matchers.push(`version="${esc(labels.version)}"`);
    if (labels.code_class) {
      const classes = labels.code_class.split('|').filter((c) => (CODE_CLASSES as readonly string[]).includes(c));
      matchers.push(`code_class=~"${classes.join('|')}"`);
    }
    return { expr: `sum${byVersion ? ' by (version)' : ''}(rate(shipgate_router_requests_total{${matchers.join(',')}}[${w}]))` };
  }
  return { unsupported: `a ${q.type} source` };
}

/**
 * The error ratio from good (or bad) and total events. A version that answered no good request
 * has no good series at all, and PromQL drops a division by a missing series: `or (total * 0)`
 * stands in for it, so a canary failing every request still has a ratio (of 1).
 */
function ratioExpr(part: string, total: string, bad: boolean): string {
  const events = `((${part}) or ((${total}) * 0))`;
  return bad ? `${events} / (${total})` : `1 - (${events} / (${total}))`;
}

/** The rule group of one SLO for a compliance period of `periodMs`, or why it cannot be exported. */
export function sloRuleGroup(model: SloModel, periodMs: number): { group: RuleGroup } | { unsupported: string } {
  const ind = model.indicator;
  if (ind.kind !== 'ratio') return { unsupported: `a ${ind.kind} indicator (only ratio SLIs are exported)` };
  const objective = model.objectives[0];
  if (!objective) return { unsupported: 'no objective' };
  const windows = alertWindowsFor(model, periodMs);
  const sizes = [...new Set(windows.flatMap((w) => [w.shortWindowMs, w.longWindowMs]))].sort((a, b) => a - b);
  const base: Record<string, string> = { slo: model.name, service: model.service, ...(model.environment ? { environment: model.environment } : {}) };
  const rules: (RecordingRule | AlertingRule)[] = [];
  for (const ms of sizes) {
    const w = promDuration(ms);
    const total = eventsOver(ind.total, w);
    const part = ind.bad ? eventsOver(ind.bad, w) : ind.good ? eventsOver(ind.good, w) : { unsupported: 'neither good nor bad events' };
    if ('unsupported' in total) return total;
    if ('unsupported' in part) return part;
    rules.push({ record: `${ERROR_RATIO_RECORD}:rate${w}`, expr: ratioExpr(part.expr, total.expr, !!ind.bad), labels: base });
  }
  // Release-specific: the same ratio per version, so a canary burning its budget pages (and names
  // its version, which Shipgate's receiver matches to the release) even when the aggregate does not.
  const perVersion: RecordingRule[] = [];
  for (const ms of sizes) {
    const w = promDuration(ms);
    const total = eventsOver(ind.total, w, true);
    const part = ind.bad ? eventsOver(ind.bad, w, true) : ind.good ? eventsOver(ind.good, w, true) : { unsupported: '' };
    if ('unsupported' in total || 'unsupported' in part) break;
    perVersion.push({ record: `${VERSION_ERROR_RATIO_RECORD}:rate${w}`, expr: ratioExpr(part.expr, total.expr, !!ind.bad), labels: base });
  }
  const versioned = perVersion.length === sizes.length;
  if (versioned) rules.push(...perVersion);
  // 1 - 0.999 is 0.0010000000000000009 in floating point: written as people would.
  const budget = Number((1 - objective.target).toPrecision(12));
  const sel = Object.entries(base)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',');
  for (const a of windows) {
    const threshold = `(${a.burnRate} * ${budget})`;
    const op = a.op === 'lt' ? '<' : a.op === 'lte' ? '<=' : a.op === 'gte' ? '>=' : '>';
    if (versioned && a.severity === 'page')
      rules.push({
        alert: `${model.alertName ?? `${model.name}-burn`}-version`,
        expr: `(${VERSION_ERROR_RATIO_RECORD}:rate${promDuration(a.shortWindowMs)}{${sel}} ${op} ${threshold}) and (${VERSION_ERROR_RATIO_RECORD}:rate${promDuration(a.longWindowMs)}{${sel}} ${op} ${threshold})`,
        ...(a.forMs ? { for: promDuration(a.forMs) } : {}),
        labels: { ...base, severity: a.severity, window: a.name, scope: 'version' },
        annotations: {
          summary: `version {{ $labels.version }} of ${model.service} is burning the error budget of ${model.name} faster than ${a.burnRate}× (${a.name})`,
          description: `The error ratio of version {{ $labels.version }} alone is {{ $value | humanizePercentage }} on the ${promDuration(a.shortWindowMs)} window.`,
        },
      });
    rules.push({
      alert: model.alertName ?? `${model.name}-burn`,
      expr: `(${ERROR_RATIO_RECORD}:rate${promDuration(a.shortWindowMs)}{${sel}} ${op} ${threshold}) and (${ERROR_RATIO_RECORD}:rate${promDuration(a.longWindowMs)}{${sel}} ${op} ${threshold})`,
      ...(a.forMs ? { for: promDuration(a.forMs) } : {}),
      labels: { ...base, severity: a.severity, window: a.name },
      annotations: {
        summary: `${model.service} is burning the error budget of ${model.name} faster than ${a.burnRate}× (${a.name}: ${promDuration(a.shortWindowMs)} and ${promDuration(a.longWindowMs)})`,
        description: `Objective ${(objective.target * 100).toFixed(3).replace(/\.?0+$/, '')}% over ${promDuration(periodMs)}; the error ratio is {{ $value | humanizePercentage }} on the ${promDuration(a.shortWindowMs)} window.`,
      },
    });
  }
  return { group: { name: `shipgate-slo-${model.name}`, rules } };
}
