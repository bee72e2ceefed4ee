/**
 * A generated history of closed changes whose outcome depends on the risk factors, with noise.
 * Seeded, so tests and the benchmark are reproducible. The true failure log-odds are not the
 * points table (different weights, a nonlinear size effect and an interaction), so a model that
 * learns from outcomes has something to find that the fixed points cannot.
 */
import { sigmoid } from './logistic-regression';
import type { RiskSample } from './risk-model';
import type { ChangeKind, RiskInput } from './risk-points';
import type { ChangeType } from './change-state-machine';
import { seededRandom } from '../core/seeded-random';

function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

function pick<T>(rnd: () => number, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rnd() * total;
  for (const [v, w] of items) {
    r -= w;
    if (r <= 0) return v;
  }
  return items[items.length - 1][0];
}

/** The generator's true failure log-odds for one change, before noise. */
export function trueLogit(r: RiskInput): number {
  const lines = r.linesChanged ?? 100;
  const budget = r.budgetRemainingFraction ?? 1;
  let z = -4.1;
  z += r.tier === 1 ? 0.9 : r.tier === 2 ? 0.45 : 0;
  z += r.environmentKind === 'production' ? 0.3 : 0;
  z += 0.18 * Math.min(8, r.dependentCount) + (r.spof ? 0.35 : 0);
  z += budget <= 0 ? 1.1 : budget < 0.25 ? 0.5 : 0;
  z += 0.12 * Math.min(10, r.burnRate ?? 1);
  z += ({ config: -0.6, code: 0, schema: 0.55, 'data-migration': 0.9 } as Record<ChangeKind, number>)[r.kind];
  z += r.irreversible ? 0.7 : 0;
  // Size matters by its logarithm, not by steps.
  z += 0.55 * Math.log10(1 + lines);
  z += r.inPeakTraffic ? 0.55 : 0;
  z += r.outsideMaintenanceWindow ? 0.2 : 0;
  z += r.insideFreeze ? 0.45 : 0;
  z += 0.3 * Math.min(6, r.recentFailures);
  // A missing rollback plan hurts most on big changes.
  z += r.hasRollbackPlan ? 0 : 0.35 + (0.35 * Math.log10(1 + lines)) / 3;
  z += r.hasOncall ? 0 : 0.4;
  z -= 0.2 * Math.log1p(r.leadTimeHours ?? 72);
  z += r.type === 'emergency' ? 0.5 : r.type === 'standard' ? -0.9 : 0;
  return z;
}

export interface HistoryOptions {
  count: number;
  seed?: number;
  /** Close time of the first change, ms. */
  startMs?: number;
  /** Mean time between closes, ms. */
  spacingMs?: number;
  /** Standard deviation of the noise added to the log-odds. */
  noise?: number;
}

/** Generates `count` closed changes in time order. */
export function generateHistory(opts: HistoryOptions): RiskSample[] {
  const rnd = seededRandom(opts.seed ?? 42);
  const start = opts.startMs ?? Date.parse('2024-01-01T00:00:00Z');
  const spacing = opts.spacingMs ?? 3 * 3600_000;
  const noise = opts.noise ?? 0.6;
  const out: RiskSample[] = [];
  let t = start;
  for (let i = 0; i < opts.count; i++) {
    t += Math.round(spacing * (0.5 + rnd()));
    const type = pick<ChangeType>(rnd, [
      ['standard', 0.35],
      ['normal', 0.57],
      ['emergency', 0.08],
    ]);
    const kind = pick<ChangeKind>(rnd, [
      ['config', 0.35],
      ['code', 0.45],
      ['schema', 0.12],
      ['data-migration', 0.08],
    ]);
    const dependentCount = pick(rnd, [
      [0, 0.4],
      [1, 0.2],
      [2, 0.15],
      [3, 0.1],
      [5, 0.1],
      [8, 0.05],
    ] as [number, number][]);
    const input: RiskInput = {
      type,
      tier: pick(rnd, [
        [1, 0.15],
        [2, 0.3],
        [3, 0.4],
        [4, 0.15],
      ] as [number, number][]),
      environmentKind: pick(rnd, [
        ['production', 0.6],
        ['staging', 0.3],
        ['dev', 0.1],
      ] as ['production' | 'staging' | 'dev', number][]),
      dependentCount,
      spof: dependentCount > 0 && rnd() < 0.6,
      budgetRemainingFraction: rnd() < 0.1 ? -0.2 * rnd() : rnd(),
      burnRate: rnd() < 0.85 ? rnd() * 1.5 : 1 + rnd() * 10,
      kind,
      irreversible: kind === 'data-migration' ? rnd() < 0.5 : kind === 'schema' ? rnd() < 0.15 : false,
      linesChanged: Math.round(Math.pow(10, 0.5 + rnd() * 3.3)),
      inPeakTraffic: rnd() < 0.2,
      outsideMaintenanceWindow: rnd() < 0.3,
      insideFreeze: type === 'emergency' ? rnd() < 0.4 : rnd() < 0.03,
      recentFailures: pick(rnd, [
        [0, 0.6],
        [1, 0.25],
        [2, 0.1],
        [4, 0.05],
      ] as [number, number][]),
      hasRollbackPlan: rnd() < (type === 'standard' ? 0.95 : 0.75),
      hasOncall: rnd() < 0.85,
      leadTimeHours: type === 'emergency' ? rnd() * 2 : Math.pow(10, rnd() * 2.5),
    };
    const failed = rnd() < sigmoid(trueLogit(input) + noise * gaussian(rnd));
    out.push({ input, closedAtMs: t, failed });
  }
  return out;
}
