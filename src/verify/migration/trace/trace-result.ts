import type { LockMode } from '../lock-modes';
import type { Finding } from '../finding';

/** The locks one statement was seen holding on one relation, from pg_locks. */
export interface ObservedLock {
  relation: string;
  mode: LockMode;
}

/** What the trace saw for one statement. */
export interface TracedStatement {
  file: string;
  line: number;
  column: number;
  statement: string;
  /** Wall time of the statement, in milliseconds. */
  durationMs: number;
  /** Locks on tables, views and indexes that this statement took (not held before it in its transaction). */
  locks: ObservedLock[];
  /** Tables whose relfilenode changed: the statement rewrote them. */
  rewritten: string[];
  /** The longest time a workload query on a touched table waited because of this statement, in milliseconds. */
  blockedMs: number;
  /** Which workload queries were blocked: `select`, `update`, `insert`. */
  blockedQueries: string[];
  /** The error PostgreSQL gave, if the statement failed (the trace stops at a failure). */
  error: string | null;
}

export interface DynamicResult {
  /** The throwaway database, already dropped. */
  database: string;
  /** Rows generated per table before the trace. */
  tableRows: Record<string, number>;
  /** Workload connections and their statement_timeout, in milliseconds. */
  workload: { connections: number; statementTimeoutMs: number; queries: number; timeouts: number };
  statements: TracedStatement[];
  /** `dynamic-blocking` findings: statements that blocked traffic longer than --lock-timeout. */
  findings: Finding[];
}
