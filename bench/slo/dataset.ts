/**
 * Synthetic data for the SLO benchmarks: N SLOs, each with 30 days of one-minute good/total
 * counts (16-bit counters, as the router's per-minute rollups fit), a mix of budgeting methods
 * and window kinds.
 */
import type { SloModel } from '../../src/slo/slo-model';
import type { IndicatorData } from '../../src/slo/slo-evaluation';

export const MIN = 60_000;
export const DAYS = 30;
export const STEPS = DAYS * 24 * 60;
export const T0 = Date.parse('2026-03-01T00:00:00Z');

/** xorshift32: fast, deterministic. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export interface BenchSlo {
  model: SloModel;
  data: IndicatorData & { good: Uint16Array; total: Uint16Array };
}

/** Builds `count` SLOs; arrays hold STEPS + `spareSteps` (room for ticks). */
export function buildDataset(count: number, spareSteps = 1): BenchSlo[] {
  const methods = ['Occurrences', 'Timeslices', 'RatioTimeslices'] as const;
  const out: BenchSlo[] = [];
  for (let k = 0; k < count; k++) {
    const r = rng(k + 1);
    const n = STEPS + spareSteps;
    const total = new Uint16Array(n);
    const good = new Uint16Array(n);
    const base = 50 + Math.floor(r() * 500);
    for (let i = 0; i < STEPS; i++) {
      const t = base + Math.floor(r() * 20);
      total[i] = t;
      // rare incidents: 1 minute in 500 loses up to 20% of its requests
      good[i] = r() < 0.002 ? t - Math.floor(r() * t * 0.2) : t;
    }
    const method = methods[k % 3];
    const calendar = k % 2 === 1;
    out.push({
      model: {
        name: `slo-${k}`,
        service: `svc-${k % 50}`,
        indicatorName: `sli-${k}`,
        indicator: { kind: 'ratio', counter: false, good: { type: 'shipgate', spec: {} }, total: { type: 'shipgate', spec: {} } },
        budgetingMethod: method,
        window: calendar
          ? { duration: '1M', isRolling: false, calendar: { startTime: '2026-01-01 00:00:00', timeZone: 'Europe/Paris' } }
          : { duration: '30d', isRolling: true },
        objectives: [{ name: 'o', target: 0.999, timeSliceTarget: 0.99, timeSliceWindowMs: MIN }],
        notificationTargets: [],
        layer: 'user-facing',
        components: [],
        alertsDisabled: [],
      },
      data: { startMs: T0, stepMs: MIN, good, total },
    });
  }
  return out;
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}
