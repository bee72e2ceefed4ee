/**
 * Gathers what risk, approvals and conflicts are computed from: the catalog (Service and
 * Environment resources), ChangeWindow and ApprovalPolicy resources, the SLO release gate when
 * installed, and this service's change history.
 */
import type { StandardChangeTemplateSpec } from './standard-template';
import type { ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { ApprovalPolicySpec } from './approval-policy';
import type { ChangeWindowSpec } from './change-window';
import { windowApplies, windowOccurrences } from './change-window';
import { blastRadius, hardDependenciesOf, type DependencyEdge } from './blast-radius';
import type { RiskInput } from './risk-points';
import type { ChangeRequest } from './change-store';
import { extractBudget, type BudgetFacts } from './budget-facts';

interface ServiceSpecLite {
  tier?: number;
  owner?: string;
  oncall?: string;
  dependencies?: { service: string; kind: 'hard' | 'soft' }[];
}
interface EnvironmentSpecLite {
  kind?: 'dev' | 'staging' | 'production';
}

export interface FactsSnapshot {
  services: Map<string, ServiceSpecLite>;
  environments: Map<string, EnvironmentSpecLite>;
  edges: DependencyEdge[];
  windows: { name: string; spec: ChangeWindowSpec }[];
  policies: { name: string; spec: ApprovalPolicySpec }[];
  templates: { name: string; spec: StandardChangeTemplateSpec }[];
}

/** Default length of a change's slot when only a start is given, ms. */
export const DEFAULT_SLOT_MS = 60 * 60_000;

export async function loadFacts(ctx: ServerContext): Promise<FactsSnapshot> {
  const [services, envs, windows, policies, templates] = await Promise.all([
    ctx.resources.list<ServiceSpecLite>(SHIPGATE_API_VERSION, 'Service'),
    ctx.resources.list<EnvironmentSpecLite>(SHIPGATE_API_VERSION, 'Environment'),
    ctx.resources.list<ChangeWindowSpec>(SHIPGATE_API_VERSION, 'ChangeWindow'),
    ctx.resources.list<ApprovalPolicySpec>(SHIPGATE_API_VERSION, 'ApprovalPolicy'),
    ctx.resources.list<StandardChangeTemplateSpec>(SHIPGATE_API_VERSION, 'StandardChangeTemplate'),
  ]);
  const edges: DependencyEdge[] = [];
  for (const s of services) for (const d of s.manifest.spec.dependencies ?? []) edges.push({ from: s.manifest.metadata.name, to: d.service, kind: d.kind });
  return {
    services: new Map(services.map((s) => [s.manifest.metadata.name, s.manifest.spec])),
    environments: new Map(envs.map((e) => [e.manifest.metadata.name, e.manifest.spec])),
    edges,
    windows: windows.map((w) => ({ name: w.manifest.metadata.name, spec: w.manifest.spec })),
    policies: policies.map((p) => ({ name: p.manifest.metadata.name, spec: p.manifest.spec })),
    templates: templates.map((t) => ({ name: t.manifest.metadata.name, spec: t.manifest.spec })),
  };
}

/** The environment's kind from its Environment resource, or from its name when it has none. */
export function environmentKindOf(f: FactsSnapshot, environment: string): 'dev' | 'staging' | 'production' {
  const declared = f.environments.get(environment)?.kind;
  if (declared) return declared;
  if (/^prod/.test(environment)) return 'production';
  if (/stag|preprod|uat/.test(environment)) return 'staging';
  return 'dev';
}

export function tierOf(f: FactsSnapshot, service: string): number {
  return f.services.get(service)?.tier ?? 3;
}

export function hardDepsOf(f: FactsSnapshot, service: string): string[] {
  return hardDependenciesOf(service, f.edges);
}

/** Error budget remaining and burn from the SLO capability's release gate, when installed. */
export async function budgetFor(ctx: ServerContext, service: string, environment: string, atMs: number): Promise<BudgetFacts> {
  const gate = ctx.services.get(HOOKS.releaseGate);
  if (!gate) return {};
  try {
    const d = await gate.evaluate({ service, environment, atMs });
    return { ...extractBudget(d.details), decision: d.decision, reason: d.reason };
  } catch (e) {
    ctx.log.warn({ err: e, service }, 'release gate failed; risk computed without error budget');
    return {};
  }
}

/** The slot a change occupies: its schedule, or an hour from `nowMs` when not scheduled. */
export function slotOf(c: Pick<ChangeRequest, 'scheduledStartMs' | 'scheduledEndMs'>, nowMs: number): { startMs: number; endMs: number } {
  const startMs = c.scheduledStartMs ?? nowMs;
  return { startMs, endMs: c.scheduledEndMs ?? startMs + DEFAULT_SLOT_MS };
}

/** Builds the risk input of a change from the facts. */
export function riskInputFor(
  c: ChangeRequest,
  f: FactsSnapshot,
  budget: BudgetFacts,
  recentFailures: number,
  nowMs: number,
): RiskInput {
  const slot = slotOf(c, nowMs);
  const br = blastRadius(c.service, f.edges);
  const target = { service: c.service, tier: tierOf(f, c.service), environment: c.environment };
  const applicable = f.windows.filter((w) => windowApplies(w.spec, target));
  const hits = (type: string) => applicable.filter((w) => w.spec.type === type).some((w) => windowOccurrences(w.spec, slot.startMs, slot.endMs).length > 0);
  const maint = applicable.filter((w) => w.spec.type === 'maintenance');
  const insideMaint = maint.some((w) => windowOccurrences(w.spec, slot.startMs, slot.endMs).some((o) => o.startMs <= slot.startMs && o.endMs >= slot.endMs));
  return {
    type: c.type,
    tier: target.tier,
    environmentKind: c.environmentKind,
    dependentCount: br.dependents.length,
    spof: br.spof,
    budgetRemainingFraction: budget.budgetRemainingFraction,
    burnRate: budget.burnRate,
    kind: c.kind,
    irreversible: c.irreversible,
    linesChanged: c.linesChanged ?? undefined,
    inPeakTraffic: hits('peak'),
    outsideMaintenanceWindow: maint.length > 0 && !insideMaint,
    insideFreeze: hits('freeze'),
    recentFailures,
    hasRollbackPlan: !!c.rollbackPlan,
    hasOncall: !!c.oncall,
    leadTimeHours: c.scheduledStartMs !== null ? Math.max(0, (c.scheduledStartMs - c.createdAtMs) / 3600_000) : undefined,
  };
}
