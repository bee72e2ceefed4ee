/**
 * Which migration statement blocked which workload queries, and for how long. A worker's stall is
 * a run of consecutive queries on one table that waited for a lock or timed out, until one on that table gets through; it is charged to the statement
 * whose locks (held until its transaction ended) conflict with what the stalled query needed. Pure.
 */
import { conflicts, type LockMode } from '../lock-modes';
import type { ObservedLock } from './trace-result';
import type { QueryKind, WorkloadQuery } from './workload';

export interface StatementWindow {
  /** performance.now() milliseconds: statement start, and the end of its transaction (locks released). */
  start: number;
  unitEnd: number;
  locks: ObservedLock[];
}

export interface Stall {
  worker: number;
  start: number;
  end: number;
  tables: string[];
  kinds: QueryKind[];
}

const NEEDS: Record<QueryKind, LockMode> = { select: 'AccessShareLock', update: 'RowExclusiveLock', insert: 'RowExclusiveLock' };

export function stalls(queries: WorkloadQuery[]): Stall[] {
  // per worker and table: a worker cycles over the tables, and a success on another table says nothing about this one
  const groups = new Map<string, WorkloadQuery[]>();
  for (const q of queries) {
    const k = `${q.worker}\u0000${q.table}`;
    groups.set(k, [...(groups.get(k) ?? []), q]);
  }
  const out: Stall[] = [];
  for (const qs of groups.values()) {
    qs.sort((a, b) => a.start - b.start);
    let cur: Stall | null = null;
    for (const q of qs) {
      if (q.blocked || q.timedOut) {
        if (!cur) cur = { worker: q.worker, start: q.start, end: q.end, tables: [q.table], kinds: [] };
        cur.end = q.end;
        if (!cur.kinds.includes(q.kind)) cur.kinds.push(q.kind);
      } else if (cur) {
        // traffic to the table was stopped until this query got through
        cur.end = Math.max(cur.end, q.start);
        out.push(cur);
        cur = null;
      }
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** The index of the statement a stall is charged to, or -1 when no statement ran then. */
export function chargeStall(stall: Stall, windows: StatementWindow[]): number {
  const during = windows.map((w, i) => ({ w, i })).filter(({ w }) => w.start <= stall.end && stall.start <= w.unitEnd);
  if (during.length === 0) return -1;
  const conflicting = during.find(({ w }) => w.locks.some((l) => stall.tables.includes(l.relation) && stall.kinds.some((k) => conflicts(l.mode, NEEDS[k]))));
  return (conflicting ?? during[0]).i;
}

/** Longest stall charged to each statement (milliseconds) and the kinds of query it stopped. */
export function blockedPerStatement(queries: WorkloadQuery[], windows: StatementWindow[]): { blockedMs: number; kinds: QueryKind[] }[] {
  const out = windows.map(() => ({ blockedMs: 0, kinds: [] as QueryKind[] }));
  for (const s of stalls(queries)) {
    const i = chargeStall(s, windows);
    if (i < 0) continue;
    out[i].blockedMs = Math.max(out[i].blockedMs, s.end - s.start);
    for (const k of s.kinds) if (!out[i].kinds.includes(k)) out[i].kinds.push(k);
  }
  return out;
}
