/**
 * Evaluates an SLO over its data: SLI, budget, burn rates per window, time to exhaustion and
 * burn-rate alerts, for every objective. Pure: the data comes in as arrays.
 */
import { budgetStatus, burnRate, sliceMs, sumWindows, timeToExhaustionMs, type BudgetObjective, type BudgetStatus, type WindowSums } from './budget-math';
import { defaultAlertWindows, type AlertSeverity, type BurnAlertWindow } from './alert-windows';
import { evaluateAlerts } from './burn-alerts';
import { shorthandDurationMs } from '../core/duration';
import { fromBadTotal, fromGoodTotal, fromRaw, fromThreshold, type SliceSeries } from './slice-series';
import { resolveWindow, type ResolvedWindow } from './time-window';
import type { ObjectiveModel, SloModel } from './slo-model';

/** What a metric source returned for an SLO's indicator, per step, oldest first (NaN = no data). */
export interface IndicatorData {
  startMs: number;
  stepMs: number;
  good?: ArrayLike<number>;
  bad?: ArrayLike<number>;
  total?: ArrayLike<number>;
  /** Raw ratio per step. */
  raw?: ArrayLike<number>;
  /** Measured value per step (threshold SLIs). */
  values?: ArrayLike<number>;
}

/** The burn window used for "time until exhaustion at the current burn". */
export const CURRENT_BURN_WINDOW_MS = 3_600_000;

export interface AlertStatus {
  name: string;
  severity: AlertSeverity;
  source: string;
  shortWindow: string;
  longWindow: string;
  threshold: number;
  burnShort: number | null;
  burnLong: number | null;
  active: boolean;
  firing: boolean;
  heldUntilMs?: number;
}

export interface ObjectiveStatus extends BudgetStatus {
  objective: string;
  /** Burn rate by window (`5m`, `1h`, …). */
  burnRates: Record<string, number | null>;
  /** At the 1-hour burn; null = never (nothing burns). */
  timeToExhaustionMs: number | null;
  alerts: AlertStatus[];
}

export interface SloStatus {
  slo: string;
  service: string;
  layer: SloModel['layer'];
  atMs: number;
  window: ResolvedWindow;
  budgetingMethod: SloModel['budgetingMethod'];
  objectives: ObjectiveStatus[];
}

/** The alert windows of an SLO: its AlertConditions, else the defaults for its period; minus disabled severities. */
export function alertWindowsFor(model: SloModel, periodMs: number): BurnAlertWindow[] {
  const w = model.alertWindows ?? defaultAlertWindows(periodMs);
  return w.filter((x) => !model.alertsDisabled.includes(x.severity));
}

/** The span of data an evaluation at `atMs` reads: the compliance window and the longest burn window. */
export function requiredRange(model: SloModel, atMs: number, extraWindowsMs: number[] = []): { fromMs: number; toMs: number } {
  const win = resolveWindow(model.window, atMs);
  const longest = Math.max(CURRENT_BURN_WINDOW_MS, ...extraWindowsMs, ...alertWindowsFor(model, win.periodMs).map((a) => a.longWindowMs));
  return { fromMs: Math.min(win.fromMs, atMs - longest), toMs: atMs };
}

/** Reduces the indicator data to good/total per step for one objective (threshold SLIs depend on its op and value). */
export function seriesFor(model: SloModel, obj: ObjectiveModel, d: IndicatorData): SliceSeries {
  const ind = model.indicator;
  if (ind.kind === 'threshold') {
    if (!obj.op || obj.value === undefined) throw new Error(`objective ${obj.name} of ${model.name} needs op and value`);
    return fromThreshold(d.startMs, d.stepMs, d.values ?? [], obj.op, obj.value);
  }
  if (ind.kind === 'raw') return fromRaw(d.startMs, d.stepMs, d.raw ?? [], ind.rawType);
  const total = d.total ?? [];
  if (d.good) return fromGoodTotal(d.startMs, d.stepMs, d.good, total);
  return fromBadTotal(d.startMs, d.stepMs, d.bad ?? [], total);
}

export function budgetObjective(o: ObjectiveModel): BudgetObjective {
  return {
    target: o.target,
    ...(o.timeSliceTarget !== undefined ? { timeSliceTarget: o.timeSliceTarget } : {}),
    ...(o.timeSliceWindowMs ? { timeSliceWindowMs: o.timeSliceWindowMs } : {}),
  };
}

/**
 * Evaluates every objective at `atMs`. `lastDeployMs` enables deploy grace for page alerts;
 * `extraWindowsMs` adds burn rates (e.g. windows a policy reads).
 */
export function evaluateSlo(model: SloModel, data: IndicatorData, atMs: number, opts: { lastDeployMs?: number; extraWindowsMs?: number[] } = {}): SloStatus {
  const win = resolveWindow(model.window, atMs);
  const alerts = alertWindowsFor(model, win.periodMs);
  const burnWindows = [...new Set([CURRENT_BURN_WINDOW_MS, ...(opts.extraWindowsMs ?? []), ...alerts.flatMap((a) => [a.shortWindowMs, a.longWindowMs])])].sort(
    (a, b) => a - b,
  );
  const objectives = model.objectives.map((o) => {
    const series = seriesFor(model, o, data);
    const bo = budgetObjective(o);
    const sums = sumWindows(series, model.budgetingMethod, bo, atMs, [atMs - win.fromMs, ...burnWindows]);
    return objectiveStatus(model, o, win, alerts, burnWindows, sums[0], sums.slice(1), atMs, opts.lastDeployMs, data.stepMs);
  });
  return { slo: model.name, service: model.service, layer: model.layer, atMs, window: win, budgetingMethod: model.budgetingMethod, objectives };
}

/** Builds an objective's status from its sums (shared by full and incremental evaluation). */
export function objectiveStatus(
  model: SloModel,
  o: ObjectiveModel,
  win: ResolvedWindow,
  alerts: BurnAlertWindow[],
  burnWindows: number[],
  compliance: WindowSums,
  burnSums: WindowSums[],
  atMs: number,
  lastDeployMs: number | undefined,
  stepMs: number,
): ObjectiveStatus {
  const slice = sliceMs(model.budgetingMethod, budgetObjective(o), stepMs);
  const budget = budgetStatus(model.budgetingMethod, o.target, compliance, win.periodMs / slice);
  const burnByMs = new Map(burnWindows.map((w, i) => [w, burnRate(burnSums[i], o.target)]));
  const burnRates = Object.fromEntries(burnWindows.map((w) => [shorthandDurationMs(w), burnByMs.get(w) ?? null]));
  const tte = timeToExhaustionMs(budget.budgetRemaining, burnByMs.get(CURRENT_BURN_WINDOW_MS) ?? null, win.periodMs);
  const evals = evaluateAlerts(alerts, (w) => burnByMs.get(w) ?? null, atMs, model.deployGrace ? { spec: model.deployGrace, lastDeployMs } : undefined);
  return {
    objective: o.name,
    ...budget,
    burnRates,
    timeToExhaustionMs: Number.isFinite(tte) ? tte : null,
    alerts: evals.map((e) => ({
      name: e.window.name,
      severity: e.window.severity,
      source: e.window.source,
      shortWindow: shorthandDurationMs(e.window.shortWindowMs),
      longWindow: shorthandDurationMs(e.window.longWindowMs),
      threshold: e.window.burnRate,
      burnShort: e.burnShort,
      burnLong: e.burnLong,
      active: e.active,
      firing: e.firing,
      ...(e.heldUntilMs !== undefined ? { heldUntilMs: e.heldUntilMs } : {}),
    })),
  };
}
