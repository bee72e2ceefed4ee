/**
 * Error budget arithmetic for the three OpenSLO budgeting methods. Pure: no I/O.
 *
 * Every method reduces the data of a window to two sums, `good` and `total`, in its own unit:
 * - Occurrences: events. SLI = good events / all events; budget = (1 − target) × events.
 * - Timeslices: time slices. A slice is good when its good/total ratio ≥ timeSliceTarget; SLI =
 *   good slices / slices with data; budget = (1 − target) × slices in the whole window (time-based:
 *   a 30-day 99.9% SLO may lose 43.2 one-minute slices). Slices without data spend nothing.
 * - RatioTimeslices: time slices. SLI = mean of the slices' good/total ratios (slices with data);
 *   budget = (1 − target) × slices with data; a slice spends (1 − its ratio).
 */
import type { SliceSeries } from './slice-series';

export type BudgetingMethod = 'Occurrences' | 'Timeslices' | 'RatioTimeslices';

/** What the arithmetic needs of an objective. */
export interface BudgetObjective {
  /** Fraction of good, e.g. 0.999. */
  target: number;
  /** Timeslices: a slice is good when its ratio is at least this (default 1: every event good). */
  timeSliceTarget?: number;
  /** Timeslices / RatioTimeslices: slice length, ms (default: the series step). */
  timeSliceWindowMs?: number;
}

/** Sums of one window in the method's unit (events or slices). */
export interface WindowSums {
  good: number;
  total: number;
}

/** Length of a time slice for a method: the series step for Occurrences. */
export function sliceMs(method: BudgetingMethod, obj: BudgetObjective, stepMs: number): number {
  if (method === 'Occurrences') return stepMs;
  return Math.max(stepMs, obj.timeSliceWindowMs ?? stepMs);
}

/** Contribution of one slice with `good` of `total` events, in the method's unit. */
export function sliceUnits(method: BudgetingMethod, obj: BudgetObjective, good: number, total: number): WindowSums {
  if (method === 'Occurrences') return { good, total };
  if (total <= 0) return { good: 0, total: 0 };
  const ratio = Math.min(1, good / total);
  if (method === 'Timeslices') return { good: ratio >= (obj.timeSliceTarget ?? 1) - 1e-12 ? 1 : 0, total: 1 };
  return { good: ratio, total: 1 };
}

/**
 * Sums the slices within [fromMs, toMs) for several windows ending at `toMs` at once (one backward
 * pass). `windowsMs` are lengths; the result is in the same order. Slices of a Timeslices objective
 * longer than the series step are aligned to multiples of their length since the epoch.
 */
export function sumWindows(series: SliceSeries, method: BudgetingMethod, obj: BudgetObjective, toMs: number, windowsMs: readonly number[]): WindowSums[] {
  const out = windowsMs.map(() => ({ good: 0, total: 0 }));
  const order = windowsMs.map((w, i) => i).sort((a, b) => windowsMs[a] - windowsMs[b]);
  const slice = sliceMs(method, obj, series.stepMs);
  const n = series.total.length;
  const lastIdx = Math.min(n, Math.floor((toMs - series.startMs) / series.stepMs)) - 1;
  let good = 0;
  let total = 0;
  let k = 0; // position in `order`
  let accG = 0;
  let accT = 0;
  let curSlice = Number.NaN;
  const flush = () => {
    if (accT === 0) return;
    const u = sliceUnits(method, obj, accG, accT);
    good += u.good;
    total += u.total;
    accG = 0;
    accT = 0;
  };
  // Fast paths: Occurrences, and time slices equal to the step (no aggregation, no allocation).
  if (method === 'Occurrences' || slice === series.stepMs) {
    const tst = (obj.timeSliceTarget ?? 1) - 1e-12;
    const g = series.good;
    const tt = series.total;
    let bound = k < order.length ? toMs - windowsMs[order[k]] : -Infinity;
    for (let i = lastIdx; i >= 0; i--) {
      const t = series.startMs + i * series.stepMs;
      while (t < bound) {
        out[order[k]] = { good, total };
        k++;
        bound = k < order.length ? toMs - windowsMs[order[k]] : -Infinity;
      }
      if (k === order.length) break;
      const gi = g[i];
      const ti = tt[i];
      if (method === 'Occurrences') {
        good += gi;
        total += ti;
      } else if (ti > 0) {
        const ratio = gi >= ti ? 1 : gi / ti;
        good += method === 'Timeslices' ? (ratio >= tst ? 1 : 0) : ratio;
        total += 1;
      }
    }
    for (; k < order.length; k++) out[order[k]] = { good, total };
    return out;
  }
  for (let i = lastIdx; i >= 0; i--) {
    const t = series.startMs + i * series.stepMs;
    while (k < order.length && t < toMs - windowsMs[order[k]]) {
      flush();
      curSlice = Number.NaN;
      out[order[k]] = { good, total };
      k++;
    }
    if (k === order.length) break;
    const s = Math.floor(t / slice);
    if (s !== curSlice) {
      flush();
      curSlice = s;
    }
    accG += series.good[i];
    accT += series.total[i];
  }
  flush();
  for (; k < order.length; k++) out[order[k]] = { good, total };
  return out;
}

/** Sums over one window [fromMs, toMs). */
export function sumWindow(series: SliceSeries, method: BudgetingMethod, obj: BudgetObjective, fromMs: number, toMs: number): WindowSums {
  return sumWindows(series, method, obj, toMs, [toMs - fromMs])[0];
}

/** Budget of an objective over its compliance window. */
export interface BudgetStatus {
  /** Good / total in the method's unit; null without data. */
  sli: number | null;
  target: number;
  /** SLI ≥ target; null without data. */
  attained: boolean | null;
  unit: 'events' | 'slices';
  /** Budget of the window, in `unit`. */
  budgetTotal: number;
  /** Spent so far, in `unit`. */
  budgetConsumed: number;
  /** 1 − consumed/total: 1 untouched, 0 exhausted, negative when overspent. */
  budgetRemaining: number;
}

/**
 * The budget from a window's sums. `periodSlices` is the number of slices in the whole window
 * (Timeslices budgets time, so a calendar month's budget is known on its first day).
 */
export function budgetStatus(method: BudgetingMethod, target: number, sums: WindowSums, periodSlices: number): BudgetStatus {
  const sli = sums.total > 0 ? sums.good / sums.total : null;
  const budgetTotal = (1 - target) * (method === 'Timeslices' ? periodSlices : sums.total);
  const consumed = Math.max(0, sums.total - sums.good);
  let remaining: number;
  if (budgetTotal > 0) remaining = 1 - consumed / budgetTotal;
  else remaining = consumed > 0 ? -Infinity : 1;
  return {
    sli,
    target,
    attained: sli === null ? null : sli >= target - 1e-12,
    unit: method === 'Occurrences' ? 'events' : 'slices',
    budgetTotal,
    budgetConsumed: consumed,
    budgetRemaining: remaining,
  };
}

/**
 * Burn rate of a window: its error rate over the error rate the objective allows. 1 spends exactly
 * the budget over the compliance period; null without data.
 */
export function burnRate(sums: WindowSums, target: number): number | null {
  if (sums.total <= 0) return null;
  const allowed = 1 - target;
  const errorRate = Math.max(0, sums.total - sums.good) / sums.total;
  if (allowed <= 0) return errorRate > 0 ? Infinity : 0;
  return errorRate / allowed;
}

/**
 * Time until the budget is gone at a burn rate, ms: remaining × period / burn. 0 when already
 * spent, Infinity when nothing burns.
 */
export function timeToExhaustionMs(budgetRemaining: number, burn: number | null, periodMs: number): number {
  if (budgetRemaining <= 0) return 0;
  if (burn === null || burn <= 0) return Infinity;
  return (budgetRemaining * periodMs) / burn;
}

/** Share of a budget (in its unit) spent by one release or incident: consumed within its span / budget total. */
export function budgetShare(consumedUnits: number, budgetTotalUnits: number): number {
  if (budgetTotalUnits <= 0) return consumedUnits > 0 ? Infinity : 0;
  return consumedUnits / budgetTotalUnits;
}
