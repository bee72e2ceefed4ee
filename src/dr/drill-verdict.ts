/** A rollback drill's figures judged against its objectives, and when the next one is due. Pure. */
import { expandRRule } from '../core/rrule';
import type { DrillSpec } from './drill-spec';

export interface DrillFigures {
  /** Rollback decision → all traffic on the serving revision, ms; null when it never got there. */
  timeToRollbackMs: number | null;
  /** Rollback decision → the new revision torn down, ms. */
  timeToRolledBackMs: number | null;
  userRequests: number;
  userErrors: number;
}

export function judgeDrill(f: DrillFigures, o: DrillSpec['objectives']): { pass: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (f.timeToRollbackMs === null) reasons.push('traffic never went back to the serving revision');
  else if (f.timeToRollbackMs > o.timeToRollback) reasons.push(`traffic back after ${f.timeToRollbackMs} ms, over the objective ${o.timeToRollback} ms`);
  if (f.userRequests === 0) reasons.push('no user request was measured');
  else if (f.userErrors / f.userRequests > o.maxUserErrors)
    reasons.push(
      `${f.userErrors} of ${f.userRequests} user requests failed (${((100 * f.userErrors) / f.userRequests).toFixed(2)}%), over ${(o.maxUserErrors * 100).toFixed(2)}%`,
    );
  return { pass: reasons.length === 0, reasons };
}

/** The first scheduled time after the last passing run (or after the schedule's start when none passed). */
export function nextDue(s: DrillSpec['schedule'], lastPassMs: number | null, nowMs: number): number | null {
  const from = lastPassMs ?? 0;
  const all = expandRRule({
    rule: s.rrule,
    dtstart: s.start,
    timeZone: s.timeZone,
    fromMs: from + 1,
    toMs: Math.max(nowMs, from) + 400 * 86_400_000,
    limit: 2,
  });
  return all[0] ?? null;
}
