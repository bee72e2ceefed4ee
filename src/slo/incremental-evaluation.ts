/**
 * Keeps an SLO's window sums up to date as minutes arrive: each tick adds the steps entering
 * each window and removes those leaving it, instead of re-reading 30 days. Pure.
 */
import { sliceMs, sliceUnits, sumWindows, type WindowSums } from './budget-math';
import { budgetObjective, CURRENT_BURN_WINDOW_MS, objectiveStatus, seriesFor, alertWindowsFor, type IndicatorData, type SloStatus } from './slo-evaluation';
import type { BurnAlertWindow } from './alert-windows';
import type { SliceSeries } from './slice-series';
import { resolveWindow, type ResolvedWindow } from './time-window';
import type { SloModel } from './slo-model';

interface ObjectiveState {
  series: SliceSeries;
  compliance: WindowSums;
  burn: WindowSums[];
  /** Whether single steps are whole slices (else every tick recomputes). */
  incremental: boolean;
}

export class IncrementalEvaluation {
  private atMs: number;
  private win: ResolvedWindow;
  private readonly alerts: BurnAlertWindow[];
  private readonly burnWindows: number[];
  private states: ObjectiveState[] = [];

  constructor(
    private readonly model: SloModel,
    private data: IndicatorData,
    atMs: number,
    private readonly opts: { lastDeployMs?: number; extraWindowsMs?: number[] } = {},
  ) {
    this.atMs = atMs;
    this.win = resolveWindow(model.window, atMs);
    this.alerts = alertWindowsFor(model, this.win.periodMs);
    this.burnWindows = [
      ...new Set([CURRENT_BURN_WINDOW_MS, ...(opts.extraWindowsMs ?? []), ...this.alerts.flatMap((a) => [a.shortWindowMs, a.longWindowMs])]),
    ].sort((a, b) => a - b);
    this.recompute();
  }

  private recompute(): void {
    this.states = this.model.objectives.map((o) => {
      const series = seriesFor(this.model, o, this.data);
      const sums = sumWindows(series, this.model.budgetingMethod, budgetObjective(o), this.atMs, [this.atMs - this.win.fromMs, ...this.burnWindows]);
      const incremental = sliceMs(this.model.budgetingMethod, budgetObjective(o), this.data.stepMs) === this.data.stepMs;
      return { series, compliance: sums[0], burn: sums.slice(1), incremental };
    });
  }

  /** Moves the evaluation to `atMs` (a later step boundary) over `data`, which now covers it. */
  advance(data: IndicatorData, atMs: number): void {
    if (atMs < this.atMs) throw new Error('evaluation cannot move back in time');
    const rebuilt = data !== this.data || this.model.indicator.kind !== 'ratio' || !data.good;
    this.data = data;
    const prevAt = this.atMs;
    const win = resolveWindow(this.model.window, atMs);
    const calendarRolledOver = win.fromMs !== this.win.fromMs && !this.model.window.isRolling;
    this.atMs = atMs;
    this.win = win;
    if (calendarRolledOver || data.stepMs !== this.states[0]?.series.stepMs || this.states.some((s) => !s.incremental)) {
      this.recompute();
      return;
    }
    this.model.objectives.forEach((o, k) => {
      const st = this.states[k];
      if (rebuilt) st.series = seriesFor(this.model, o, data);
      const bo = budgetObjective(o);
      const s = st.series;
      const step = s.stepMs;
      const add = (sums: WindowSums, fromMs: number, toMs: number, sign: 1 | -1) => {
        for (let t = Math.max(fromMs, s.startMs); t < toMs; t += step) {
          const i = Math.floor((t - s.startMs) / step);
          if (i < 0 || i >= s.total.length) continue;
          const u = sliceUnits(this.model.budgetingMethod, bo, s.good[i], s.total[i]);
          sums.good += sign * u.good;
          sums.total += sign * u.total;
        }
      };
      const roll = (sums: WindowSums, lenMs: number) => {
        add(sums, prevAt, atMs, 1);
        add(sums, prevAt - lenMs, atMs - lenMs, -1);
      };
      if (this.model.window.isRolling) roll(st.compliance, atMs - win.fromMs);
      else add(st.compliance, prevAt, atMs, 1);
      this.burnWindows.forEach((w, i) => roll(st.burn[i], w));
    });
  }

  status(): SloStatus {
    const objectives = this.model.objectives.map((o, k) =>
      objectiveStatus(
        this.model,
        o,
        this.win,
        this.alerts,
        this.burnWindows,
        this.states[k].compliance,
        this.states[k].burn,
        this.atMs,
        this.opts.lastDeployMs,
        this.data.stepMs,
      ),
    );
    return {
      slo: this.model.name,
      service: this.model.service,
      layer: this.model.layer,
      atMs: this.atMs,
      window: this.win,
      budgetingMethod: this.model.budgetingMethod,
      objectives,
    };
  }
}
