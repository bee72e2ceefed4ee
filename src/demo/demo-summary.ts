/** The demo's closing table: one row per release, from its run and what users saw. Pure. */
import { formatDurationMs } from '../core/duration';
import type { RunView } from '../rollout/rollout-status';
import type { VersionTally } from './load-generator';

export interface ReleaseSummary {
  version: string;
  outcome: 'completed' | 'rolledBack' | string;
  steps: string[];
  /** From the new version's first user traffic to the verdict (promotion or rollback decision), ms. */
  timeToDecisionMs: number | null;
  /** From the rollback decision to all traffic back on stable, ms. */
  timeToRollbackMs: number | null;
  /** Requests users got from each version while the release ran. */
  servedByVersion: Record<string, number>;
  /** Errors users saw while the release ran (any version). */
  userErrors: number;
  /** Errors users saw from the new version. */
  userErrorsFromNew: number;
  reason: string | null;
  /** What the analysis step's judge said when it decided: the evidence, in words. */
  evidence: string | null;
}

/** Difference of two load tallies: what happened between them. */
export function tallyDelta(before: Record<string, VersionTally>, after: Record<string, VersionTally>): Record<string, { requests: number; errors: number }> {
  const out: Record<string, { requests: number; errors: number }> = {};
  for (const [v, t] of Object.entries(after)) {
    const b = before[v] ?? { requests: 0, errors: 0 };
    const d = { requests: t.requests - b.requests, errors: t.errors - b.errors };
    if (d.requests > 0 || d.errors > 0) out[v] = d;
  }
  return out;
}

export function summariseRelease(run: RunView, delta: Record<string, { requests: number; errors: number }>): ReleaseSummary {
  const trafficAt = run.canaryTrafficAtMs;
  const decidedAt = run.rollback
    ? run.rollback.decidedAtMs
    : (run.steps.find((s) => s.label === 'promote' || s.label.startsWith('deploy (first'))?.finishedAtMs ?? run.finishedAtMs);
  return {
    version: run.toVersion,
    outcome: run.phase,
    steps: run.steps.filter((s) => s.status !== 'pending').map((s) => s.label),
    timeToDecisionMs: trafficAt !== null && decidedAt !== null && decidedAt !== undefined ? decidedAt - trafficAt : null,
    timeToRollbackMs: run.rollback?.trafficRestoredAtMs ? run.rollback.trafficRestoredAtMs - run.rollback.decidedAtMs : null,
    servedByVersion: Object.fromEntries(Object.entries(delta).map(([v, d]) => [v, d.requests])),
    userErrors: Object.values(delta).reduce((n, d) => n + d.errors, 0),
    userErrorsFromNew: delta[run.toVersion]?.errors ?? 0,
    reason: run.rollback ? `${run.rollback.reason}: ${run.rollback.message}` : null,
    evidence: run.steps.find((s) => s.kind === 'analysis' && s.message)?.message ?? null,
  };
}

export function summaryRows(list: ReleaseSummary[]): { headers: string[]; rows: (string | number)[][] } {
  return {
    headers: ['RELEASE', 'OUTCOME', 'STEPS', 'TIME TO DECISION', 'TIME TO ROLLBACK', 'REQUESTS SERVED', 'ERRORS USERS SAW'],
    rows: list.map((r) => [
      r.version,
      r.outcome === 'rolledBack' ? 'rolled back' : r.outcome,
      r.steps.join(' → '),
      r.timeToDecisionMs === null ? '-' : formatDurationMs(r.timeToDecisionMs),
      r.timeToRollbackMs === null ? '-' : formatDurationMs(r.timeToRollbackMs),
      Object.entries(r.servedByVersion)
        .map(([v, n]) => `${v}: ${n}`)
        .join(', '),
      r.userErrors,
    ]),
  };
}

/** The lines under the table: for each release, what decided it. */
export function evidenceLines(list: ReleaseSummary[]): string[] {
  const out: string[] = [];
  for (const r of list) {
    const what = r.outcome === 'completed' ? 'promoted' : r.outcome === 'rolledBack' ? 'rolled back' : r.outcome;
    out.push(`${r.version} ${what}: ${r.evidence ?? r.reason ?? 'no analysis step'}`);
  }
  return out;
}
