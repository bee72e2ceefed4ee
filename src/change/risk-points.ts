/**
 * The explainable points model: every factor that makes a change risky adds points, and `change
 * show` lists each one with its points and the fact behind it. The total decides the level,
 * and the level decides the approval policy. Pure: the caller gathers the facts.
 */
import type { ChangeType } from './change-state-machine';

export const CHANGE_KINDS = ['config', 'code', 'schema', 'data-migration'] as const;
/** What a change touches: configuration, code, a schema, or a data migration. */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** The facts the risk of one change request is computed from. */
export interface RiskInput {
  type: ChangeType;
  /** Service tier from the catalog: 1 is the most critical, 4 the least. */
  tier: number;
  environmentKind: 'dev' | 'staging' | 'production';
  /** Services that depend on this one, transitively. */
  dependentCount: number;
  /** Whether the catalog reports the service as a single point of failure (`graph spof`, HOOKS.graph). */
  spof: boolean;
  /** Error budget remaining as a fraction of the budget (1 = untouched, ≤ 0 = spent); undefined when unknown. */
  budgetRemainingFraction?: number;
  /** Current burn rate (1 = spending exactly the budget over the SLO period); undefined when unknown. */
  burnRate?: number;
  kind: ChangeKind;
  irreversible: boolean;
  /** Lines changed, when known. */
  linesChanged?: number;
  /** The planned start falls in the service's peak traffic hours. */
  inPeakTraffic: boolean;
  /** The service has maintenance windows and the planned start is outside all of them. */
  outsideMaintenanceWindow: boolean;
  /** The planned start is inside a freeze window. */
  insideFreeze: boolean;
  /** Failed or rolled-back changes to this service in the last 30 days. */
  recentFailures: number;
  hasRollbackPlan: boolean;
  hasOncall: boolean;
  /** Hours between creation and the planned start; undefined when not scheduled. */
  leadTimeHours?: number;
  /** Why the release's instances fall short of the forecast peak (capacity's plan), when they do. */
  capacityShortfall?: string;
  /** The service's recovery drills that are overdue, e.g. `quarterly-rollback (due 2026-10-05)`. */
  overdueDrills?: string[];
}

export interface RiskFactor {
  id: string;
  points: number;
  /** The fact behind the points, e.g. "tier 1 service". */
  detail: string;
}

export interface PointsAssessment {
  /** Sum of the factors' points, 0..100 (capped). */
  points: number;
  level: RiskLevel;
  /** Every factor looked at, including those that scored 0, so the reason for a low score is visible too. */
  factors: RiskFactor[];
}

/** Lower bounds (inclusive) of each level on the points scale. */
export const LEVEL_THRESHOLDS: Record<Exclude<RiskLevel, 'low'>, number> = { medium: 25, high: 45, critical: 65 };

export function levelFor(points: number): RiskLevel {
  if (points >= LEVEL_THRESHOLDS.critical) return 'critical';
  if (points >= LEVEL_THRESHOLDS.high) return 'high';
  if (points >= LEVEL_THRESHOLDS.medium) return 'medium';
  return 'low';
}

const TIER_POINTS: Record<number, number> = { 1: 15, 2: 10, 3: 4, 4: 0 };
const KIND_POINTS: Record<ChangeKind, number> = { config: 3, code: 6, schema: 12, 'data-migration': 15 };

/** Scores one change. Every factor is listed, in a fixed order. */
export function assessPoints(input: RiskInput): PointsAssessment {
  const f: RiskFactor[] = [];
  const add = (id: string, points: number, detail: string) => f.push({ id, points, detail });

  add('tier', TIER_POINTS[input.tier] ?? 0, `tier ${input.tier} service`);
  add('environment', input.environmentKind === 'production' ? 8 : input.environmentKind === 'staging' ? 2 : 0, `${input.environmentKind} environment`);
  add('blast-radius', Math.min(10, 2 * input.dependentCount), `${input.dependentCount} dependent service${input.dependentCount === 1 ? '' : 's'}`);
  add('spof', input.spof ? 6 : 0, input.spof ? 'other services hard-depend on it (single point of failure)' : 'no hard dependents');

  const b = input.budgetRemainingFraction;
  if (b === undefined) add('error-budget', 0, 'error budget unknown');
  else add('error-budget', b <= 0 ? 15 : b < 0.25 ? 10 : b < 0.5 ? 4 : 0, `${(b * 100).toFixed(0)}% of the error budget remaining`);
  const burn = input.burnRate;
  if (burn === undefined) add('burn-rate', 0, 'burn rate unknown');
  else add('burn-rate', burn >= 6 ? 10 : burn >= 2 ? 6 : burn > 1 ? 3 : 0, `burn rate ${burn.toFixed(1)}×`);

  add('kind', KIND_POINTS[input.kind], `${input.kind} change`);
  add('irreversible', input.irreversible ? 12 : 0, input.irreversible ? 'irreversible (cannot be rolled back)' : 'reversible');
  const lines = input.linesChanged;
  if (lines === undefined) add('size', 0, 'size unknown');
  else add('size', lines > 1000 ? 8 : lines > 300 ? 5 : lines > 50 ? 2 : 0, `${lines} lines changed`);

  add('peak-traffic', input.inPeakTraffic ? 8 : 0, input.inPeakTraffic ? 'planned during peak traffic' : 'outside peak traffic');
  add(
    'maintenance-window',
    input.outsideMaintenanceWindow ? 4 : 0,
    input.outsideMaintenanceWindow ? 'outside the maintenance window' : 'no maintenance window missed',
  );
  add('freeze', input.insideFreeze ? 12 : 0, input.insideFreeze ? 'inside a freeze window' : 'no freeze');
  add('recent-failures', Math.min(12, 4 * input.recentFailures), `${input.recentFailures} failed change${input.recentFailures === 1 ? '' : 's'} in 30 days`);
  add('rollback-plan', input.hasRollbackPlan ? 0 : 8, input.hasRollbackPlan ? 'rollback plan given' : 'no rollback plan');
  add('oncall', input.hasOncall ? 0 : 6, input.hasOncall ? 'on-call engineer assigned' : 'no on-call engineer assigned');
  const lt = input.leadTimeHours;
  if (lt === undefined) add('lead-time', 0, 'not scheduled');
  else add('lead-time', lt < 1 ? 6 : lt < 24 ? 3 : 0, `${lt < 1 ? `${Math.round(lt * 60)} min` : `${lt.toFixed(1)} h`} lead time`);

  add(
    'capacity',
    input.capacityShortfall ? 8 : 0,
    input.capacityShortfall ? `too few instances for the forecast peak: ${input.capacityShortfall}` : 'no capacity shortfall known',
  );

  const drills = input.overdueDrills ?? [];
  add('drill-overdue', drills.length ? 4 : 0, drills.length ? `recovery drill overdue: ${drills.join(', ')}` : 'no recovery drill overdue');

  const points = Math.min(
    100,
    f.reduce((s, x) => s + x.points, 0),
  );
  return { points, level: levelFor(points), factors: f };
}

/**
 * The points model's failure probability: a fixed logistic curve over the points, used alone
 * until the learned model has enough outcomes. 50 points ≈ 18%, 65 points = 50%.
 */
export function pointsProbability(points: number): number {
  return 1 / (1 + Math.exp(-(points - 65) / 10));
}
