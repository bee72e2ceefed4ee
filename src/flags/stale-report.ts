/**
 * Which flags are stale, and why. Pure, no I/O.
 */
import { FLAG_TYPES, type FeatureFlagSpec } from './flag-model';

const DAY_MS = 86_400_000;

export type StaleReason = 'past-expected-lifetime' | 'fully-rolled-out' | 'never-evaluated';

export interface StaleInput {
  name: string;
  spec: FeatureFlagSpec;
  createdAtMs: number;
  /** Last change of the manifest or of the flag's state in the environment. */
  changedAtMs: number;
  /** The flag's effective state in the environment. */
  enabled: boolean;
  /** Effective rollout percentage override, if any. */
  percentage: number | null;
  /** Total evaluations reported in the environment. */
  evaluations: number;
}

export interface StaleEntry {
  name: string;
  key: string;
  type: string;
  ageDays: number;
  reasons: StaleReason[];
}

export interface StaleOptions {
  nowMs: number;
  environment: string;
  /** A flag fully on and unchanged this long is ready to be removed from code. Default 14 days. */
  unchangedForMs?: number;
  /** A flag younger than this is not reported as never evaluated. Default 7 days. */
  evaluationGraceMs?: number;
}

/** True when every context gets the flag: enabled, and no rule narrows it (no constraints, segments, or rollout below 100%). */
export function fullyRolledOut(spec: FeatureFlagSpec, environment: string, enabled: boolean, percentage: number | null): boolean {
  if (!enabled) return false;
  if (percentage !== null && percentage < 100) return false;
  const env = spec.environments[environment];
  const rules = env?.rules ?? [];
  if (rules.length === 0) return true;
  return rules.some((r) => r.constraints.length === 0 && r.segments.length === 0 && (percentage !== null || !r.rollout || r.rollout.percentage >= 100));
}

export function staleFlags(flags: StaleInput[], o: StaleOptions): StaleEntry[] {
  const unchangedFor = o.unchangedForMs ?? 14 * DAY_MS;
  const grace = o.evaluationGraceMs ?? 7 * DAY_MS;
  const out: StaleEntry[] = [];
  for (const f of flags) {
    const reasons: StaleReason[] = [];
    const lifetimeDays = FLAG_TYPES[f.spec.type];
    const ageMs = o.nowMs - f.createdAtMs;
    if (lifetimeDays !== undefined && ageMs > lifetimeDays * DAY_MS) reasons.push('past-expected-lifetime');
    if (fullyRolledOut(f.spec, o.environment, f.enabled, f.percentage) && o.nowMs - f.changedAtMs > unchangedFor) reasons.push('fully-rolled-out');
    if (f.evaluations === 0 && ageMs > grace) reasons.push('never-evaluated');
    if (reasons.length) out.push({ name: f.name, key: f.spec.key ?? f.name, type: f.spec.type, ageDays: Math.floor(ageMs / DAY_MS), reasons });
  }
  return out;
}
