/**
 * Error budget policy (SRE Workbook, "Example Error Budget Policy"): rules turn budget remaining,
 * burn rates and firing alerts into allow / requireApproval / freeze. Pure.
 */
import { z } from 'zod';

export const POLICY_ACTIONS = ['allow', 'requireApproval', 'freeze'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

const ruleSchema = z.strictObject({
  name: z.string().min(1),
  /** Every condition given must hold for the rule to match. */
  when: z
    .strictObject({
      /** Budget remaining (fraction) strictly below this, e.g. 0 = spent, 0.25 = three quarters spent. */
      budgetRemainingBelow: z.number().optional(),
      /** Burn rate over a window (OpenSLO duration) strictly above a value. */
      burnRateAbove: z.strictObject({ window: z.string().regex(/^[1-9][0-9]*[smhdw]$/), value: z.number().min(0) }).optional(),
      /** An alert of this severity is firing. */
      alertFiring: z.enum(['page', 'ticket']).optional(),
    })
    .refine((w) => Object.keys(w).length > 0, 'give at least one condition: budgetRemainingBelow, burnRateAbove or alertFiring'),
  action: z.enum(POLICY_ACTIONS),
});

export const errorBudgetPolicySpecSchema = z.strictObject({
  description: z.string().optional(),
  /** Which SLOs the policy governs; empty = every SLO. */
  selector: z
    .strictObject({
      services: z.array(z.string().min(1)).optional(),
      layer: z.enum(['user-facing', 'backend']).optional(),
    })
    .default({}),
  rules: z.array(ruleSchema).min(1),
  /** Change types a freeze lets through (P0 fixes and security fixes in the Workbook). */
  freezeExemptChangeTypes: z.array(z.string().min(1)).default(['emergency', 'security']),
  /** A release or incident spending more than this share of a budget requires a postmortem. */
  postmortemBudgetShare: z.number().gt(0).max(1).default(0.2),
});
export type ErrorBudgetPolicySpec = z.infer<typeof errorBudgetPolicySpecSchema>;
export type PolicyRule = ErrorBudgetPolicySpec['rules'][number];

/** The Workbook default: freeze when spent, ask for approval while a page alert fires. */
export const DEFAULT_POLICY: ErrorBudgetPolicySpec & { name: string } = {
  name: 'default',
  description: 'Freeze releases while the error budget is spent; require approval while a page-level burn-rate alert fires.',
  selector: {},
  rules: [
    { name: 'budget-exhausted', when: { budgetRemainingBelow: 0 }, action: 'freeze' },
    { name: 'page-burn', when: { alertFiring: 'page' }, action: 'requireApproval' },
  ],
  freezeExemptChangeTypes: ['emergency', 'security'],
  postmortemBudgetShare: 0.2,
};

/** What the policy sees of one SLO objective. */
export interface SloPolicyInput {
  slo: string;
  service: string;
  layer: 'user-facing' | 'backend';
  budgetRemaining: number;
  /** Burn rate by window text (`1h`, `6h`…). */
  burnRates: Record<string, number | null>;
  firing: ('page' | 'ticket')[];
}

export interface PolicyDecision {
  decision: PolicyAction;
  /** SLO and rule that decided (absent when nothing matched). */
  slo?: string;
  policy?: string;
  rule?: string;
  reason: string;
  /** True when a freeze was waived for an exempt change type. */
  exempted?: boolean;
  matches: { slo: string; policy: string; rule: string; action: PolicyAction }[];
}

const RANK: Record<PolicyAction, number> = { allow: 0, requireApproval: 1, freeze: 2 };

/** True when the policy's selector covers the SLO. */
export function policyApplies(p: ErrorBudgetPolicySpec, s: SloPolicyInput): boolean {
  if (p.selector.services?.length && !p.selector.services.includes(s.service)) return false;
  if (p.selector.layer && p.selector.layer !== s.layer) return false;
  return true;
}

export function ruleMatches(r: PolicyRule, s: SloPolicyInput): boolean {
  const w = r.when;
  if (w.budgetRemainingBelow !== undefined && !(s.budgetRemaining < w.budgetRemainingBelow)) return false;
  if (w.burnRateAbove) {
    const b = s.burnRates[w.burnRateAbove.window];
    if (b === null || b === undefined || !(b > w.burnRateAbove.value)) return false;
  }
  if (w.alertFiring && !s.firing.includes(w.alertFiring)) return false;
  return true;
}

/**
 * The strictest action any policy rule yields over the SLOs (freeze > requireApproval > allow);
 * ties go to the first SLO and rule in order. A freeze is waived for `changeType` in the
 * deciding policy's `freezeExemptChangeTypes`.
 */
export function evaluatePolicies(
  policies: readonly (ErrorBudgetPolicySpec & { name: string })[],
  slos: readonly SloPolicyInput[],
  changeType?: string,
): PolicyDecision {
  const matches: PolicyDecision['matches'] = [];
  let best: { slo: SloPolicyInput; policy: ErrorBudgetPolicySpec & { name: string }; rule: PolicyRule } | undefined;
  for (const s of slos) {
    for (const p of policies) {
      if (!policyApplies(p, s)) continue;
      for (const r of p.rules) {
        if (!ruleMatches(r, s)) continue;
        matches.push({ slo: s.slo, policy: p.name, rule: r.name, action: r.action });
        if (!best || RANK[r.action] > RANK[best.rule.action]) best = { slo: s, policy: p, rule: r };
      }
    }
  }
  if (!best || best.rule.action === 'allow') {
    return {
      decision: 'allow',
      ...(best ? { slo: best.slo.slo, policy: best.policy.name, rule: best.rule.name } : {}),
      reason: best ? `rule ${best.policy.name}/${best.rule.name} allows on SLO ${best.slo.slo}` : `no policy rule matched ${slos.length} SLO(s)`,
      matches,
    };
  }
  const who = { slo: best.slo.slo, policy: best.policy.name, rule: best.rule.name };
  const state = describe(best.slo);
  if (best.rule.action === 'freeze' && changeType && best.policy.freezeExemptChangeTypes.includes(changeType)) {
    return {
      decision: 'allow',
      ...who,
      exempted: true,
      reason: `freeze by ${who.policy}/${who.rule} on SLO ${who.slo} (${state}) waived for a ${changeType} change`,
      matches,
    };
  }
  return { decision: best.rule.action, ...who, reason: `${best.rule.action} by ${who.policy}/${who.rule} on SLO ${who.slo} (${state})`, matches };
}

function describe(s: SloPolicyInput): string {
  const parts = [`budget remaining ${(s.budgetRemaining * 100).toFixed(1)}%`];
  if (s.firing.length) parts.push(`firing: ${s.firing.join(', ')}`);
  return parts.join(', ');
}

/** Whether a release or incident that spent `share` of a budget needs a postmortem (share > limit). */
export function postmortemRequired(share: number, limit = 0.2): boolean {
  return share > limit;
}
