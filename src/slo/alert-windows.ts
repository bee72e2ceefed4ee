/**
 * Multi-window, multi-burn-rate alert windows (Google SRE Workbook, "Alerting on SLOs"), with the
 * burn factors Sloth derives: factor = budget% × period hours / 100 / long-window hours. Pure.
 */

export type AlertSeverity = 'page' | 'ticket';

/** One burn-rate alert: fires when both windows burn faster than `burnRate` (or, for `op` lt/lte, slower). */
export interface BurnAlertWindow {
  /** Stable name, e.g. `page-fast`. */
  name: string;
  severity: AlertSeverity;
  shortWindowMs: number;
  longWindowMs: number;
  /** Threshold on the burn rate (1 = spending exactly the budget over the period). */
  burnRate: number;
  /** How the burn compares with the threshold; default `gt` (Sloth's `>`). */
  op?: 'gt' | 'gte' | 'lt' | 'lte';
  /** The condition must hold this long before the alert fires, ms (OpenSLO `alertAfter`). */
  forMs?: number;
  /** Where the rule came from: defaults, or an OpenSLO AlertCondition by name. */
  source: string;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Sloth's `google-30d` windows: share of the budget each alert may spend before it fires. */
export const GOOGLE_WINDOWS = [
  { name: 'page-fast', severity: 'page', budgetPercent: 2, shortWindowMs: 5 * MIN, longWindowMs: 1 * HOUR },
  { name: 'page-slow', severity: 'page', budgetPercent: 5, shortWindowMs: 30 * MIN, longWindowMs: 6 * HOUR },
  { name: 'ticket-fast', severity: 'ticket', budgetPercent: 10, shortWindowMs: 2 * HOUR, longWindowMs: 1 * DAY },
  { name: 'ticket-slow', severity: 'ticket', budgetPercent: 10, shortWindowMs: 6 * HOUR, longWindowMs: 3 * DAY },
] as const;

/**
 * Sloth's burn factor: the burn rate that spends `budgetPercent` of the budget within the long
 * window, computed in seconds and in Sloth's order so the floats match its output (28d: 5.6, not
 * 5.6000000000000005).
 */
export function burnFactor(budgetPercent: number, periodMs: number, longWindowMs: number): number {
  return (budgetPercent * (periodMs / 1000)) / 100 / (longWindowMs / 1000);
}

/**
 * Default alert windows for a compliance period. From 28 days up the windows stay as in the SRE
 * Workbook and the factors follow Sloth's formula (30d: 14.4, 6, 3, 1; 28d: 13.44, 5.6, 2.8,
 * 0.933…). Shorter periods scale every window by period/30d (whole minutes, at least one), so a
 * 7-day SLO pages on 14.4× over 14 minutes, as Sloth's custom windows would be written.
 */
export function defaultAlertWindows(periodMs: number): BurnAlertWindow[] {
  const scale = periodMs >= 28 * DAY ? 1 : periodMs / (30 * DAY);
  return GOOGLE_WINDOWS.map((w) => {
    const longWindowMs = scale === 1 ? w.longWindowMs : Math.max(MIN, Math.round((w.longWindowMs * scale) / MIN) * MIN);
    const shortWindowMs = scale === 1 ? w.shortWindowMs : Math.max(MIN, Math.round((w.shortWindowMs * scale) / MIN) * MIN);
    return {
      name: w.name,
      severity: w.severity,
      shortWindowMs,
      longWindowMs,
      burnRate: burnFactor(w.budgetPercent, periodMs, longWindowMs),
      source: 'defaults',
    };
  });
}

/**
 * A window from an OpenSLO burn-rate AlertCondition: the long window is `lookbackWindow`, the short
 * window 1/12 of it (as the Workbook recommends), `alertAfter` the time it must hold.
 */
export function conditionWindow(input: {
  name: string;
  severity: string;
  op: 'gt' | 'gte' | 'lt' | 'lte';
  threshold: number;
  lookbackWindowMs: number;
  alertAfterMs?: number;
}): BurnAlertWindow {
  return {
    name: input.name,
    severity: input.severity === 'page' || input.severity === 'critical' ? 'page' : 'ticket',
    shortWindowMs: Math.max(MIN, Math.round(input.lookbackWindowMs / 12 / MIN) * MIN),
    longWindowMs: input.lookbackWindowMs,
    burnRate: input.threshold,
    op: input.op,
    forMs: input.alertAfterMs,
    source: `AlertCondition/${input.name}`,
  };
}

/** Every distinct window length the alerts read, ascending. */
export function windowLengths(windows: readonly BurnAlertWindow[]): number[] {
  return [...new Set(windows.flatMap((w) => [w.shortWindowMs, w.longWindowMs]))].sort((a, b) => a - b);
}
