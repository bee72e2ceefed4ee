/**
 * Resolves OpenSLO references (indicatorRef, alertPolicyRef, conditionRef, targetRef,
 * metricSourceRef) and turns an SLO document into the SloModel evaluation uses. Pure: the caller
 * passes a lookup over the documents it has.
 */
import { InputError, type Issue } from '../../core/errors';
import type { Manifest } from '../../core/manifest';
import { conditionWindow, type BurnAlertWindow } from '../alert-windows';
import { parseDurationMs } from '../duration';
import { ANNOTATIONS, type IndicatorModel, type Layer, type MetricQuery, type SloModel } from '../slo-model';
import type { AlertConditionSpec, AlertPolicySpec, DataSourceSpec, SliSpec, SloSpec } from './openslo-schema';

/** Finds an OpenSLO document by kind (`SLI`, `AlertPolicy`…) and name. */
export type OpenSloLookup = (kind: string, name: string) => Manifest | undefined;

type Meta = Manifest['metadata'];
type Inline<S> = { kind?: string; metadata: Meta; spec: S };

/**
 * Replaces every reference in an SLO by the object it names, as go-sdk's ReferenceInliner does:
 * the SLI becomes `indicator: {metadata, spec}`, policies, conditions and targets become
 * `{kind, metadata, spec}` (apiVersion dropped). Unresolved references are left in place and
 * reported in `missing`.
 */
export function inlineReferences(slo: Manifest<SloSpec>, lookup: OpenSloLookup): { slo: Manifest<SloSpec>; missing: Issue[] } {
  const missing: Issue[] = [];
  const spec: SloSpec = structuredClone(slo.spec);
  const pick = (kind: string, name: string, path: string) => {
    const m = lookup(kind, name);
    if (!m) missing.push({ path, message: `${kind} "${name}" not found` });
    return m;
  };
  if (spec.indicatorRef) {
    const sli = pick('SLI', spec.indicatorRef, 'spec.indicatorRef');
    if (sli) {
      delete spec.indicatorRef;
      spec.indicator = { metadata: sli.metadata as never, spec: sli.spec as SliSpec };
    }
  }
  if (spec.alertPolicies) {
    spec.alertPolicies = spec.alertPolicies.map((p, i) => {
      let inline: Inline<AlertPolicySpec> | undefined;
      if ('alertPolicyRef' in p) {
        const m = pick('AlertPolicy', p.alertPolicyRef, `spec.alertPolicies[${i}].alertPolicyRef`);
        if (!m) return p;
        inline = { kind: 'AlertPolicy', metadata: m.metadata, spec: structuredClone(m.spec as AlertPolicySpec) };
      } else inline = p as Inline<AlertPolicySpec>;
      const ps = inline.spec;
      ps.conditions = ps.conditions.map((c, j) => {
        if (!('conditionRef' in c)) return c;
        const m = pick('AlertCondition', c.conditionRef, `spec.alertPolicies[${i}].conditions[${j}].conditionRef`);
        return m ? ({ kind: 'AlertCondition', metadata: m.metadata, spec: m.spec } as never) : c;
      });
      ps.notificationTargets = ps.notificationTargets.map((t, j) => {
        if (!('targetRef' in t)) return t;
        const m = pick('AlertNotificationTarget', t.targetRef, `spec.alertPolicies[${i}].notificationTargets[${j}].targetRef`);
        return m ? ({ kind: 'AlertNotificationTarget', metadata: m.metadata, spec: m.spec } as never) : t;
      });
      return inline as never;
    });
  }
  return { slo: { ...slo, spec }, missing };
}

/** Turns an SLO (references resolved through `lookup`) into the evaluation model; throws an InputError if it cannot be evaluated. */
export function toSloModel(doc: Manifest<SloSpec>, lookup: OpenSloLookup): SloModel {
  const { slo, missing } = inlineReferences(doc, lookup);
  const essential = missing.filter((m) => m.path === 'spec.indicatorRef');
  if (essential.length) throw new InputError(`SLO "${doc.metadata.name}": ${essential[0].message}`, essential);
  const s = slo.spec;
  if (!s.indicator)
    throw new InputError(`SLO "${doc.metadata.name}": composite SLOs (indicators per objective) are not evaluated yet`, [
      { path: 'spec.objectives', message: 'composite SLO' },
    ]);
  const ann = { ...(s.indicator.metadata.annotations ?? {}), ...(slo.metadata.annotations ?? {}) };
  const indicator = toIndicator(s.indicator.spec, lookup);
  const alertWindows: BurnAlertWindow[] = [];
  const targets: SloModel['notificationTargets'] = [];
  for (const p of s.alertPolicies ?? []) {
    if (!('spec' in p)) continue;
    for (const c of p.spec.conditions) {
      if (!('spec' in c)) continue;
      alertWindows.push(fromCondition(c.metadata.name, c.spec));
    }
    for (const t of p.spec.notificationTargets) {
      if (!('spec' in t)) continue;
      const url = t.metadata.annotations?.[ANNOTATIONS.url];
      targets.push({
        name: t.metadata.name,
        target: t.spec.target,
        ...(t.spec.description ? { description: t.spec.description } : {}),
        ...(url ? { url } : {}),
      });
    }
  }
  const tw = s.timeWindow[0];
  const graceText = ann[ANNOTATIONS.deployGrace];
  const layer = (ann[ANNOTATIONS.layer] ?? 'user-facing') as Layer;
  if (layer !== 'user-facing' && layer !== 'backend') {
    throw new InputError(`annotation ${ANNOTATIONS.layer} must be user-facing or backend`, [
      { path: `metadata.annotations.${ANNOTATIONS.layer}`, message: 'expected user-facing | backend' },
    ]);
  }
  return {
    name: slo.metadata.name,
    ...(slo.metadata.displayName ? { displayName: slo.metadata.displayName } : {}),
    ...(s.description ? { description: s.description } : {}),
    service: s.service,
    ...(ann[ANNOTATIONS.environment] ? { environment: ann[ANNOTATIONS.environment] } : {}),
    indicatorName: s.indicator.metadata.name,
    ...(s.indicator.spec.description ? { indicatorDescription: s.indicator.spec.description } : {}),
    indicator,
    budgetingMethod: s.budgetingMethod,
    window: { duration: tw.duration, isRolling: tw.isRolling, ...(tw.calendar ? { calendar: tw.calendar } : {}) },
    objectives: s.objectives.map((o, i) => ({
      name: o.displayName ?? `objective-${i + 1}`,
      target: o.target ?? (o.targetPercent ?? 0) / 100,
      ...(o.op ? { op: o.op } : {}),
      ...(o.value !== undefined ? { value: o.value } : {}),
      ...(o.timeSliceTarget !== undefined ? { timeSliceTarget: o.timeSliceTarget } : {}),
      ...(o.timeSliceWindow ? { timeSliceWindowMs: parseDurationMs(o.timeSliceWindow) } : {}),
    })),
    ...(alertWindows.length ? { alertWindows } : {}),
    notificationTargets: targets,
    layer,
    components: (ann[ANNOTATIONS.components] ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    ...(ann[ANNOTATIONS.methodology] ? { methodology: ann[ANNOTATIONS.methodology] } : {}),
    ...(ann[ANNOTATIONS.exclusions] ? { exclusions: ann[ANNOTATIONS.exclusions] } : {}),
    alertsDisabled: (ann[ANNOTATIONS.alertsDisabled] ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter((c): c is 'page' | 'ticket' => c === 'page' || c === 'ticket'),
    ...(ann[ANNOTATIONS.alertName] ? { alertName: ann[ANNOTATIONS.alertName] } : {}),
    ...(graceText
      ? {
          deployGrace: {
            durationMs: parseDurationMs(graceText, `metadata.annotations.${ANNOTATIONS.deployGrace}`),
            overrideFactor: Number(ann[ANNOTATIONS.deployGraceOverride] ?? 2) || 2,
          },
        }
      : {}),
  };
}

function fromCondition(name: string, c: AlertConditionSpec): BurnAlertWindow {
  return conditionWindow({
    name,
    severity: c.severity,
    op: c.condition.op,
    threshold: c.condition.threshold,
    lookbackWindowMs: parseDurationMs(c.condition.lookbackWindow),
    ...(c.condition.alertAfter ? { alertAfterMs: parseDurationMs(c.condition.alertAfter) } : {}),
  });
}

function toIndicator(spec: SliSpec, lookup: OpenSloLookup): IndicatorModel {
  const q = (ms: { metricSource: { metricSourceRef?: string; type?: string; spec: Record<string, unknown> } }): MetricQuery => {
    const src = ms.metricSource;
    let type = src.type;
    let connection: Record<string, unknown> | undefined;
    if (src.metricSourceRef) {
      const ds = lookup('DataSource', src.metricSourceRef);
      if (ds) {
        const d = ds.spec as DataSourceSpec;
        type ??= d.type;
        connection = Array.isArray(d.connectionDetails) ? Object.assign({}, ...d.connectionDetails) : d.connectionDetails;
      }
    }
    return {
      type: (type ?? 'unknown').toLowerCase(),
      spec: src.spec,
      ...(src.metricSourceRef ? { dataSource: src.metricSourceRef } : {}),
      ...(connection ? { connection } : {}),
    };
  };
  if (spec.thresholdMetric) return { kind: 'threshold', metric: q(spec.thresholdMetric) };
  const r = spec.ratioMetric!;
  if (r.raw) return { kind: 'raw', rawType: r.rawType!, raw: q(r.raw) };
  return {
    kind: 'ratio',
    counter: r.counter ?? false,
    total: q(r.total!),
    ...(r.good ? { good: q(r.good) } : {}),
    ...(r.bad ? { bad: q(r.bad) } : {}),
  };
}
