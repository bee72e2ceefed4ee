/**
 * The normalised form of an SLO that evaluation works on, whatever format it was written in
 * (OpenSLO, Sloth). Pure types.
 */
import type { BudgetingMethod } from './budget-math';
import type { BurnAlertWindow } from './alert-windows';
import type { DeployGrace } from './burn-alerts';
import type { CompareOp } from './slice-series';
import type { WindowSpec } from './time-window';

/** One query against a metric source (OpenSLO `metricSource`, with its DataSource resolved). */
export interface MetricQuery {
  /** Adapter type, lowercase: `shipgate`, `prometheus`… */
  type: string;
  spec: Record<string, unknown>;
  /** DataSource name when referenced. */
  dataSource?: string;
  /** DataSource connection details (merged into one map). */
  connection?: Record<string, unknown>;
}

export type IndicatorModel =
  | { kind: 'ratio'; good?: MetricQuery; bad?: MetricQuery; total: MetricQuery; counter: boolean }
  | { kind: 'raw'; rawType: 'success' | 'failure'; raw: MetricQuery }
  | { kind: 'threshold'; metric: MetricQuery };

export interface ObjectiveModel {
  /** displayName, or `objective-<n>`. */
  name: string;
  target: number;
  op?: CompareOp;
  value?: number;
  timeSliceTarget?: number;
  timeSliceWindowMs?: number;
}

export type Layer = 'user-facing' | 'backend';

export interface SloModel {
  name: string;
  displayName?: string;
  description?: string;
  service: string;
  /** Environment the SLO measures; undefined = every environment. */
  environment?: string;
  indicatorName: string;
  indicatorDescription?: string;
  indicator: IndicatorModel;
  budgetingMethod: BudgetingMethod;
  window: WindowSpec;
  objectives: ObjectiveModel[];
  /** Alert windows from OpenSLO AlertConditions; undefined = the defaults for the period. */
  alertWindows?: BurnAlertWindow[];
  /** Notification targets of the SLO's alert policies (`target` is e.g. `webhook`, `slack`, `email`). */
  notificationTargets: { name: string; target: string; description?: string /** From annotation shipgate.dev/url. */; url?: string }[];
  layer: Layer;
  /** Components the SLI covers: where to look when it fails. */
  components: string[];
  methodology?: string;
  exclusions?: string;
  deployGrace?: DeployGrace;
  /** Severities whose alerts are switched off. */
  alertsDisabled: ('page' | 'ticket')[];
  /** Name notifications carry (default: the SLO name). */
  alertName?: string;
}

/** Annotation keys for what OpenSLO has no field for. */
export const ANNOTATIONS = {
  layer: 'shipgate.dev/layer',
  components: 'shipgate.dev/components',
  methodology: 'shipgate.dev/methodology',
  exclusions: 'shipgate.dev/exclusions',
  environment: 'shipgate.dev/environment',
  deployGrace: 'shipgate.dev/deploy-grace',
  /** Comma-separated severities whose alerts are switched off (`page`, `ticket`). */
  alertsDisabled: 'shipgate.dev/alerts-disabled',
  /** Alert name used in notifications (Sloth's `alerting.name`). */
  alertName: 'shipgate.dev/alert-name',
  /** On an AlertNotificationTarget: where to deliver (webhook or Slack incoming-webhook URL). */
  url: 'shipgate.dev/url',
  deployGraceOverride: 'shipgate.dev/deploy-grace-override',
} as const;
