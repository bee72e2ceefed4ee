/**
 * The rules of the one authorisation path, as pure functions: which roles may take which action,
 * what an error budget decision demands, and how a change request's binding differs from the
 * revision about to ship. No I/O here; src/change/authorizer.ts reads the facts and applies them.
 */
import type { Role } from '../auth/roles';
import type { GateAction, RevisionBinding } from '../core/hooks';
import type { RefusalCode } from '../core/errors';
import type { RiskLevel } from './risk-points';
import { RISK_LEVELS } from './risk-points';

/** Roles that may take each action (admin always may, as on every route). */
export const ACTION_ROLES: Record<GateAction, readonly Role[]> = {
  release: ['deployer', 'oncall'],
  retry: ['deployer', 'oncall'],
  undo: ['deployer', 'oncall'],
  promote: ['deployer', 'oncall'],
  'flag.enable': ['deployer'],
  'flag.rollout': ['deployer'],
  // Steps of a guarded flag rollout are taken by the server itself.
  'flag.step': [],
  'route.apply': ['deployer'],
};

/** True when `role` may take `action`. */
export function roleMayAct(action: GateAction, role: Role): boolean {
  return role === 'admin' || ACTION_ROLES[action].includes(role);
}

/** Actions that continue a change already being implemented instead of starting one. */
export function continuesChange(action: GateAction): boolean {
  return action === 'promote' || action === 'flag.step';
}

export type BudgetDecision = 'allow' | 'requireApproval' | 'freeze' | 'deny' | undefined;

/**
 * What the error budget policy decision demands of an action: nothing, a change with at least
 * one recorded approval, or a refusal. An emergency change passes a freeze (and is loud).
 */
export function budgetDemand(decision: BudgetDecision, emergency: boolean): { refuse?: RefusalCode; needsApproval: boolean } {
  if (emergency) return { needsApproval: false };
  if (decision === 'freeze' || decision === 'deny') return { refuse: 'BUDGET_FROZEN', needsApproval: false };
  if (decision === 'requireApproval') return { needsApproval: true };
  return { needsApproval: false };
}

/** One field where what ships differs from what was approved. */
export interface BindingDifference {
  field: 'service' | 'environment' | 'version' | 'artifact' | 'configHash';
  approved: string | null;
  requested: string;
}

/**
 * Differences between the change request's binding and the action's target. A change bound to
 * nothing (no version) authorises no release: every field then differs.
 */
export function bindingDifferences(
  approved: { service: string; environment: string; version: string | null; artifact: string | null; configHash: string | null },
  requested: { service: string; environment: string; revision?: RevisionBinding },
): BindingDifference[] {
  const out: BindingDifference[] = [];
  if (approved.service !== requested.service) out.push({ field: 'service', approved: approved.service, requested: requested.service });
  if (approved.environment !== requested.environment) out.push({ field: 'environment', approved: approved.environment, requested: requested.environment });
  const r = requested.revision;
  if (r) {
    if (approved.version !== r.version) out.push({ field: 'version', approved: approved.version, requested: r.version });
    if ((approved.artifact ?? null) !== r.artifact) out.push({ field: 'artifact', approved: approved.artifact, requested: r.artifact });
    if ((approved.configHash ?? null) !== r.configHash) out.push({ field: 'configHash', approved: approved.configHash, requested: r.configHash });
  }
  return out;
}

/** "version: approved v2, requested v3; config: approved sha256:ab12…, requested sha256:cd34…". */
export function describeDifferences(d: BindingDifference[]): string {
  const show = (f: BindingDifference['field'], v: string | null) =>
    v === null ? '(none)' : f === 'configHash' ? `sha256:${v.slice(0, 12)}…` : v === '' ? '(default)' : v;
  return d
    .map((x) => `${x.field === 'configHash' ? 'config' : x.field}: approved ${show(x.field, x.approved)}, requested ${show(x.field, x.requested)}`)
    .join('; ');
}

/** True when `level` is at most `max` (low < medium < high < critical). */
export function riskAtMost(level: RiskLevel, max: RiskLevel): boolean {
  return RISK_LEVELS.indexOf(level) <= RISK_LEVELS.indexOf(max);
}

/** Whether a change's own slot (maintenance window it was scheduled in) covers now. */
export function slotRefusal(slot: { startMs: number | null; endMs: number | null }, nowMs: number): string | undefined {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (slot.startMs !== null && nowMs < slot.startMs) return `it is scheduled to start at ${iso(slot.startMs)}`;
  if (slot.endMs !== null && nowMs > slot.endMs) return `its slot ended at ${iso(slot.endMs)}`;
  return undefined;
}
