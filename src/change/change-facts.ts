/**
 * Gathers what risk, approvals and conflicts are computed from: the catalog's dependency graph
 * (HOOKS.graph, when installed), ChangeWindow and ApprovalPolicy resources, the SLO release gate
 * when installed, and this service's change history.
 */
import type { StandardChangeTemplateSpec } from './standard-template';
import type { ServerContext } from '../core/capability';
import { HOOKS, type EnvironmentKind, type GraphView } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { ApprovalPolicySpec } from './approval-policy';
import type { ChangeWindowSpec } from './change-window';
import { windowApplies, windowOccurrences } from './change-window';
import type { RiskInput } from './risk-points';
import type { ChangeRequest } from './change-store';
import { extractBudget, type BudgetFacts } from './budget-facts';

export interface FactsSnapshot {
  /** The catalog as HOOKS.graph read it; {@link NO_CATALOG} when the catalog is not installed. */
  graph: GraphView;
  windows: { name: string; spec: ChangeWindowSpec }[];
  policies: { name: string; spec: ApprovalPolicySpec }[];
  templates: { name: string; spec: StandardChangeTemplateSpec }[];
}

/** What the facts hold without the catalog capability: no services, no edges, no Environment resources. */
export const NO_CATALOG: GraphView = {
  services: () => [],
  service: () => undefined,
  dependencies: () => [],
  dependents: () => [],
  hardDependencies: () => [],
  blastRadius: (service) => ({ service, hard: [], soft: [] }),
  isSpof: () => false,
  environmentKind: () => undefined,
};

/** Default length of a change's slot when only a start is given, ms. */
export const DEFAULT_SLOT_MS = 60 * 60_000;

export async function loadFacts(ctx: ServerContext): Promise<FactsSnapshot> {
  const catalog = ctx.services.get(HOOKS.graph);
  const [graph, windows, policies, templates] = await Promise.all([
    catalog ? catalog.snapshot() : NO_CATALOG,
    ctx.resources.list<ChangeWindowSpec>(SHIPGATE_API_VERSION, 'ChangeWindow'),
    ctx.resources.list<ApprovalPolicySpec>(SHIPGATE_API_VERSION, 'ApprovalPolicy'),
    ctx.resources.list<StandardChangeTemplateSpec>(SHIPGATE_API_VERSION, 'StandardChangeTemplate'),
  ]);
  return {
    graph,
    windows: windows.map((w) => ({ name: w.manifest.metadata.name, spec: w.manifest.spec })),
    policies: policies.map((p) => ({ name: p.manifest.metadata.name, spec: p.manifest.spec })),
    templates: templates.map((t) => ({ name: t.manifest.metadata.name, spec: t.manifest.spec })),
  };
}

/**
 * The environment's kind from its Environment resource, never from its name. An environment
 * without one is assessed as production: an undeclared environment may well serve users, and
 * assessing it lower would ask for fewer approvals (fail closed, as the gate does).
 */
export function environmentKindOf(f: FactsSnapshot, environment: string): EnvironmentKind {
  return f.graph.environmentKind(environment) ?? 'production';
}

/** The service's tier; 3 (the Service kind's default) when the catalog does not declare it. */
export function tierOf(f: FactsSnapshot, service: string): number {
  return f.graph.service(service)?.tier ?? 3;
}

/** Services `service` hard-depends on, directly. */
export function hardDepsOf(f: FactsSnapshot, service: string): string[] {
  return f.graph.hardDependencies(service);
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
  capacityShortfall?: string,
  overdueDrills?: string[],
): RiskInput {
  const slot = slotOf(c, nowMs);
  const br = f.graph.blastRadius(c.service);
  const target = { service: c.service, tier: tierOf(f, c.service), environment: c.environment };
  const applicable = f.windows.filter((w) => windowApplies(w.spec, target));
  const hits = (type: string) => applicable.filter((w) => w.spec.type === type).some((w) => windowOccurrences(w.spec, slot.startMs, slot.endMs).length > 0);
  const maint = applicable.filter((w) => w.spec.type === 'maintenance');
  const insideMaint = maint.some((w) => windowOccurrences(w.spec, slot.startMs, slot.endMs).some((o) => o.startMs <= slot.startMs && o.endMs >= slot.endMs));
  return {
    type: c.type,
    tier: target.tier,
    environmentKind: c.environmentKind,
    dependentCount: br.hard.length + br.soft.length,
    spof: f.graph.isSpof(c.service),
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
    ...(capacityShortfall ? { capacityShortfall } : {}),
    ...(overdueDrills?.length ? { overdueDrills } : {}),
  };
}
