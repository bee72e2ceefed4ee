/**
 * Per-step good and total counts, the one shape every indicator is reduced to before budgeting.
 * Pure: no I/O.
 */

/** Good and total per fixed step, oldest first; `good[i]`/`total[i]` cover [startMs + i·stepMs, +stepMs). */
export interface SliceSeries {
  startMs: number;
  stepMs: number;
  good: ArrayLike<number>;
  total: ArrayLike<number>;
}

/** Comparison operators of OpenSLO objectives and alert conditions. */
export type CompareOp = 'lt' | 'lte' | 'gt' | 'gte';

export function compare(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

/** Ratio SLI from good and total counts per step. */
export function fromGoodTotal(startMs: number, stepMs: number, good: ArrayLike<number>, total: ArrayLike<number>): SliceSeries {
  return { startMs, stepMs, good, total };
}

/** Ratio SLI from bad and total counts per step (good = total − bad, never below 0). */
export function fromBadTotal(startMs: number, stepMs: number, bad: ArrayLike<number>, total: ArrayLike<number>): SliceSeries {
  const good = new Float64Array(total.length);
  for (let i = 0; i < total.length; i++) good[i] = Math.max(0, total[i] - bad[i]);
  return { startMs, stepMs, good, total };
}

/**
 * Raw ratio SLI: one ratio per step (NaN = no data). `rawType: success` means the value is the
 * good fraction, `failure` the bad fraction. Each step with data weighs 1.
 */
export function fromRaw(startMs: number, stepMs: number, ratio: ArrayLike<number>, rawType: 'success' | 'failure'): SliceSeries {
  const good = new Float64Array(ratio.length);
  const total = new Float64Array(ratio.length);
  for (let i = 0; i < ratio.length; i++) {
    const r = ratio[i];
    if (!Number.isFinite(r)) continue;
    const c = Math.min(1, Math.max(0, r));
    good[i] = rawType === 'success' ? c : 1 - c;
    total[i] = 1;
  }
  return { startMs, stepMs, good, total };
}

/**
 * Threshold SLI: one measured value per step (NaN = no data); a step is a good event when
 * `value op threshold` holds (e.g. latency `lt 500`).
 */
export function fromThreshold(startMs: number, stepMs: number, values: ArrayLike<number>, op: CompareOp, threshold: number): SliceSeries {
  const good = new Float64Array(values.length);
  const total = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    total[i] = 1;
    good[i] = compare(v, op, threshold) ? 1 : 0;
  }
  return { startMs, stepMs, good, total };
}

/** End of the series, ms (exclusive). */
export function seriesEndMs(s: SliceSeries): number {
  return s.startMs + s.total.length * s.stepMs;
}
