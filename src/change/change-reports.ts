/** Read-only views over many change requests: the CAB agenda, the calendar, DORA, the risk model. */
import type { ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import type { ChangeService } from './change-service';
import type { ChangeRequest } from './change-store';
import { loadFacts, slotOf, type FactsSnapshot } from './change-facts';
import { conflictsOf } from './change-view';
import { windowOccurrences } from './change-window';
import { approvalStatus } from './approval-policy';
import { doraByService, doraMetrics, type Deployment, type DoraReport } from './dora-metrics';
import { evaluateTimeOrdered, learnedWeight, modelDrivers, FULL_OUTCOMES, MIN_OUTCOMES } from './risk-model';
import type { Conflict } from './change-conflicts';

const DAY_MS = 86_400_000;

export interface AgendaItem {
  id: string;
  title: string;
  service: string;
  environment: string;
  type: string;
  state: string;
  author: string;
  riskLevel: string | null;
  riskPoints: number | null;
  scheduledStartMs: number | null;
  /** Open requirements, e.g. "2 from cab". */
  awaiting: string[];
  conflicts: Conflict[];
}

const TYPE_ORDER: Record<string, number> = { emergency: 0, normal: 1, standard: 2 };

/**
 * Changes awaiting approval, in the order a CAB should take them: emergencies first, then the
 * soonest planned start, then the highest risk. `dayMs` limits to changes planned that UTC day.
 */
export async function cabAgenda(svc: ChangeService, nowMs: number, dayMs?: number): Promise<AgendaItem[]> {
  const facts = await loadFacts(svc.ctx);
  const open = await svc.store.list({ states: ['assess', 'authorize', 'scheduled', 'implement'] });
  const waiting = open.filter((c) => c.state === 'assess' || c.state === 'authorize');
  const inDay = (c: ChangeRequest) =>
    dayMs === undefined || (c.scheduledStartMs !== null && c.scheduledStartMs >= dayMs && c.scheduledStartMs < dayMs + DAY_MS);
  const items: AgendaItem[] = [];
  for (const c of waiting.filter(inDay)) {
    const approvals = (await svc.store.approvals(c.id, c.cycle)).filter((a) => a.decision === 'approve');
    const st = c.requirements
      ? approvalStatus(
          c.requirements.requirements,
          approvals.map((a) => ({ user: a.user, groups: a.groups })),
          c.author,
        )
      : null;
    items.push({
      id: c.id,
      title: c.title,
      service: c.service,
      environment: c.environment,
      type: c.type,
      state: c.state,
      author: c.author,
      riskLevel: c.risk?.level ?? null,
      riskPoints: c.risk?.points ?? null,
      scheduledStartMs: c.scheduledStartMs,
      awaiting: (st?.requirements ?? []).filter((r) => !r.met).map((r) => `${r.count - r.approvers.length} from ${r.group ?? 'peers'}`),
      conflicts: conflictsOf(c, facts, open, nowMs),
    });
  }
  return items.sort(
    (a, b) =>
      (TYPE_ORDER[a.type] ?? 9) - (TYPE_ORDER[b.type] ?? 9) ||
      (a.scheduledStartMs ?? Infinity) - (b.scheduledStartMs ?? Infinity) ||
      (b.riskPoints ?? 0) - (a.riskPoints ?? 0) ||
      a.id.localeCompare(b.id),
  );
}

export interface CalendarEntry {
  startMs: number;
  endMs: number;
  what: 'freeze' | 'maintenance' | 'peak' | 'change' | 'reservation';
  name: string;
  detail: string;
}

/** Window occurrences and scheduled changes overlapping [fromMs, toMs), by start time. */
export async function calendar(svc: ChangeService, fromMs: number, toMs: number, facts?: FactsSnapshot): Promise<CalendarEntry[]> {
  const f = facts ?? (await loadFacts(svc.ctx));
  const out: CalendarEntry[] = [];
  for (const w of f.windows) {
    const scope = Object.entries(w.spec.scope)
      .map(([k, v]) => `${k}=${(v as unknown[]).join(',')}`)
      .join(' ');
    for (const o of windowOccurrences(w.spec, fromMs, toMs)) {
      out.push({ ...o, what: w.spec.type, name: w.name, detail: [w.spec.reason, scope].filter(Boolean).join('; ') || 'everywhere' });
    }
  }
  const changes = await svc.store.list({ states: ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed'] });
  for (const c of changes) {
    if (c.scheduledStartMs === null) continue;
    const slot = slotOf(c, svc.ctx.clock.now());
    if (slot.startMs < toMs && slot.endMs > fromMs) {
      out.push({ ...slot, what: 'change', name: c.id, detail: `${c.type} ${c.service}/${c.environment} [${c.state}] ${c.title}` });
    }
  }
  // Capacity reservations, from the pre-warming start (the instances are up from then).
  for (const r of (await svc.ctx.services.get(HOOKS.reservations)?.during({ fromMs, toMs })) ?? []) {
    out.push({
      startMs: r.prewarmFromMs,
      endMs: r.endMs,
      what: 'reservation',
      name: r.name,
      detail: `${r.minInstances} instances of ${r.service}/${r.environment} (pre-warmed from ${new Date(r.prewarmFromMs).toISOString().slice(11, 16)})${r.reason ? `; ${r.reason}` : ''}`,
    });
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.name.localeCompare(b.name));
}

/** Completed changes in production environments as DORA deployments. */
export function deploymentsOf(changes: ChangeRequest[]): Deployment[] {
  return changes
    .filter((c) => c.environmentKind === 'production' && c.implementedAtMs !== null && c.completedAtMs !== null && c.outcome !== null)
    .map((c) => ({
      id: c.id,
      service: c.service,
      createdAtMs: c.createdAtMs,
      deployedAtMs: c.implementedAtMs!,
      completedAtMs: c.completedAtMs!,
      outcome: c.outcome!,
      unplanned: c.type === 'emergency',
    }));
}

export async function doraReport(
  svc: ChangeService,
  q: { service?: string; team?: string; sinceMs: number; nowMs: number },
): Promise<{ overall: DoraReport; services: { service: string; report: DoraReport }[]; team?: string }> {
  let changes = await svc.store.list({ service: q.service, states: ['review', 'closed'] });
  if (q.team) {
    const facts = await loadFacts(svc.ctx);
    changes = changes.filter((c) => facts.graph.service(c.service)?.owner === q.team);
  }
  const ds = deploymentsOf(changes);
  return { overall: doraMetrics(ds, q.sinceMs, q.nowMs), services: doraByService(ds, q.sinceMs, q.nowMs), ...(q.team ? { team: q.team } : {}) };
}

/** `shipgate risk model`: how well the learned model does on a time-ordered holdout, and what drives it. */
export async function riskModelReport(ctx: ServerContext, svc: ChangeService) {
  void ctx;
  const samples = await svc.models.samples();
  const failures = samples.filter((s) => s.failed).length;
  const model = await svc.models.model();
  const holdout = samples.length >= 20 ? evaluateTimeOrdered(samples) : undefined;
  return {
    outcomes: samples.length,
    failures,
    learnedWeight: learnedWeight(model?.trainedOn ?? 0),
    minOutcomes: MIN_OUTCOMES,
    fullOutcomes: FULL_OUTCOMES,
    status: !model
      ? 'points model only: no failure and success to learn from yet'
      : model.trainedOn < MIN_OUTCOMES
        ? `points model only until ${MIN_OUTCOMES} outcomes`
        : model.trainedOn < FULL_OUTCOMES
          ? 'blended'
          : 'learned',
    drivers: model ? modelDrivers(model) : [],
    holdout: holdout
      ? {
          trainCount: holdout.trainCount,
          holdoutCount: holdout.holdoutCount,
          holdoutFromMs: holdout.holdoutFromMs,
          learned: holdout.learned,
          points: holdout.points,
        }
      : null,
  };
}
