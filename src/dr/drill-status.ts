/** Every Drill with its last run, its last pass and when the next is due (the list and the overdue hook read the same). */
import type { ServerContext } from '../core/capability';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { DRILL_KIND, drillSpec, type DrillSpec } from './drill-spec';
import type { DrillRun, DrillStore } from './drill-store';
import { nextDue } from './drill-verdict';

export interface DrillStatus {
  name: string;
  service: string;
  environment: string;
  exercise: string;
  last: DrillRun | null;
  lastPassAtMs: number | null;
  dueAtMs: number | null;
  overdue: boolean;
}

export async function drillStatuses(ctx: ServerContext, store: DrillStore, nowMs: number, service?: string): Promise<DrillStatus[]> {
  const out: DrillStatus[] = [];
  for (const m of await ctx.resources.list<DrillSpec>(SHIPGATE_API_VERSION, DRILL_KIND)) {
    const p = drillSpec.safeParse(m.manifest.spec);
    if (!p.success || (service !== undefined && p.data.service !== service)) continue;
    const runs = await store.runs(m.manifest.metadata.name);
    const lastPass = runs.find((r) => r.verdict === 'pass')?.startedAtMs ?? null;
    const due = nextDue(p.data.schedule, lastPass, nowMs);
    out.push({
      name: m.manifest.metadata.name,
      service: p.data.service,
      environment: p.data.environment,
      exercise: p.data.exercise,
      last: runs[0] ?? null,
      lastPassAtMs: lastPass,
      dueAtMs: due,
      overdue: due !== null && due < nowMs,
    });
  }
  return out;
}
