/**
 * Approval policies: rules from a change's type, risk level, service tier and environment to the
 * approvals it needs (peers, a group such as `cab`, a count). Pure: schema, matching and the
 * status of a change's approvals. Segregation-of-duties rules live in change-sod.ts.
 */
import { z } from 'zod';
import { VERIFICATION_KINDS, type VerificationKindName } from '../core/hooks';
import { CHANGE_TYPES, type ChangeType } from './change-state-machine';
import { RISK_LEVELS, type RiskLevel } from './risk-points';

const groupName = z.string().regex(/^[a-z0-9][-a-z0-9_]*$/, 'expected a lowercase group name');

export const approvalRequirementSchema = z.strictObject({
  /** Approvers must belong to this group (listed in spec.groups); omitted = any peer other than the author. */
  group: groupName.optional(),
  count: z.number().int().min(1).max(10).default(1),
});

export const approvalRuleSchema = z.strictObject({
  name: z.string().min(1),
  match: z
    .strictObject({
      types: z.array(z.enum(CHANGE_TYPES)).optional(),
      levels: z.array(z.enum(RISK_LEVELS)).optional(),
      tiers: z.array(z.number().int().min(1).max(4)).optional(),
      /** Environment names. */
      environments: z.array(z.string().min(1)).optional(),
      /** Service names. */
      services: z.array(z.string().min(1)).optional(),
    })
    .default({}),
  require: z.array(approvalRequirementSchema).default([]),
  requireRollbackPlan: z.boolean().default(false),
  requireOncall: z.boolean().default(false),
  /**
   * Verifications the revision must have passed before it ships (evidence recorded against its
   * exact version and artifact): migration, openapi, pact, canIDeploy, scan.
   */
  requireVerifications: z.array(z.enum(VERIFICATION_KINDS)).default([]),
});

export const approvalPolicySpecSchema = z.strictObject({
  /** Members of the approval groups the rules name, by user. */
  groups: z.record(groupName, z.array(z.string().min(1))).default({}),
  rules: z.array(approvalRuleSchema).min(1),
});
export type ApprovalPolicySpec = z.infer<typeof approvalPolicySpecSchema>;
export type ApprovalRule = z.infer<typeof approvalRuleSchema>;

/** What decides which rules apply to a change. */
export interface PolicySubject {
  type: ChangeType;
  level: RiskLevel;
  tier: number;
  environment: string;
  service: string;
  irreversible: boolean;
}

/**
 * Where an approval is collected: `assess` (peer review, normal changes) or `authorize` (group
 * authorisation; for emergency changes every approval is taken there).
 */
export type ApprovalStage = 'assess' | 'authorize';

export interface Requirement {
  stage: ApprovalStage;
  /** undefined = a peer (anyone but the author). */
  group?: string;
  count: number;
  /** Rule (`policy/rule`) or built-in reason that asked for it. */
  source: string;
}

export interface RequiredApprovals {
  requirements: Requirement[];
  requireRollbackPlan: boolean;
  requireOncall: boolean;
  /** Verifications the matching rules require of the revision (absent in changes stored before they existed). */
  verifications?: VerificationKindName[];
  /** `policy/rule` names that matched. */
  matched: string[];
}

/** Levels at which a rollback plan and an on-call engineer are required before anyone may approve. */
export const HIGH_IMPACT_LEVELS: RiskLevel[] = ['high', 'critical'];

function matches(rule: ApprovalRule, s: PolicySubject): boolean {
  const m = rule.match;
  return (
    (!m.types || m.types.includes(s.type)) &&
    (!m.levels || m.levels.includes(s.level)) &&
    (!m.tiers || m.tiers.includes(s.tier)) &&
    (!m.environments || m.environments.includes(s.environment)) &&
    (!m.services || m.services.includes(s.service))
  );
}

/**
 * The approvals a change needs. Every matching rule of every policy applies; for the same stage
 * and group the largest count wins. Without a matching rule: standard changes need none (they
 * are pre-approved), normal changes one peer (two when high or critical), emergency changes one.
 * An irreversible change always needs two approvers. The verifications of every matching rule
 * apply to every type of change, standard and emergency included.
 */
export function requiredApprovals(s: PolicySubject, policies: { name: string; spec: ApprovalPolicySpec }[]): RequiredApprovals {
  const reqs: Requirement[] = [];
  const matched: string[] = [];
  let requireRollbackPlan = HIGH_IMPACT_LEVELS.includes(s.level);
  let requireOncall = HIGH_IMPACT_LEVELS.includes(s.level);
  const verifications = new Set<VerificationKindName>();
  const stageFor = (group: string | undefined): ApprovalStage => (s.type === 'emergency' || group ? 'authorize' : 'assess');

  // Verifications apply to every type of change: a pre-approved (standard) or emergency change
  // skips approvals, never the evidence that the revision is safe to run.
  for (const p of policies) for (const rule of p.spec.rules) if (matches(rule, s)) for (const v of rule.requireVerifications) verifications.add(v);
  if (s.type !== 'standard') {
    for (const p of policies) {
      for (const rule of p.spec.rules) {
        if (!matches(rule, s)) continue;
        const source = `${p.name}/${rule.name}`;
        matched.push(source);
        requireRollbackPlan ||= rule.requireRollbackPlan;
        requireOncall ||= rule.requireOncall;
        for (const r of rule.require) reqs.push({ stage: stageFor(r.group), group: r.group, count: r.count, source });
      }
    }
    if (reqs.length === 0) {
      const count = s.type === 'normal' && HIGH_IMPACT_LEVELS.includes(s.level) ? 2 : 1;
      reqs.push({ stage: stageFor(undefined), count, source: `default for ${s.type} changes` });
    }
  }
  if (s.irreversible) reqs.push({ stage: s.type === 'normal' ? 'assess' : 'authorize', count: 2, source: 'irreversible change: two approvers' });

  const merged = new Map<string, Requirement>();
  for (const r of reqs) {
    const key = `${r.stage}/${r.group ?? ''}`;
    const prev = merged.get(key);
    if (!prev || r.count > prev.count) merged.set(key, r);
  }
  return { requirements: [...merged.values()], requireRollbackPlan, requireOncall, verifications: [...verifications].sort(), matched };
}

/** Groups a user belongs to across all policies. */
export function groupsOf(user: string, policies: { spec: ApprovalPolicySpec }[]): string[] {
  const out = new Set<string>();
  for (const p of policies) for (const [g, members] of Object.entries(p.spec.groups)) if (members.includes(user)) out.add(g);
  return [...out].sort();
}

export interface ApprovalRecord {
  user: string;
  /** Groups the approver belonged to when approving. */
  groups: string[];
}

export interface RequirementStatus extends Requirement {
  /** Distinct approvers that count towards it. */
  approvers: string[];
  met: boolean;
}

export interface ApprovalStatus {
  requirements: RequirementStatus[];
  assessDone: boolean;
  authorizeDone: boolean;
}

/**
 * Which requirements the recorded approvals meet. The author's approvals never count, each
 * person counts once per requirement, and one approval may count towards several requirements
 * (a CAB member is also a peer).
 */
export function approvalStatus(required: Requirement[], approvals: ApprovalRecord[], author: string): ApprovalStatus {
  const requirements = required.map((r) => {
    const approvers = [...new Set(approvals.filter((a) => a.user !== author && (!r.group || a.groups.includes(r.group))).map((a) => a.user))].sort();
    return { ...r, approvers, met: approvers.length >= r.count };
  });
  const done = (stage: ApprovalStage) => requirements.filter((r) => r.stage === stage).every((r) => r.met);
  const assessDone = done('assess');
  return { requirements, assessDone, authorizeDone: assessDone && done('authorize') };
}

/** True when a user can still help meet an open requirement (peer, or member of a group still short). */
export function canContribute(status: ApprovalStatus, user: string, groups: string[]): boolean {
  return status.requirements.some((r) => !r.met && !r.approvers.includes(user) && (!r.group || groups.includes(r.group)));
}
