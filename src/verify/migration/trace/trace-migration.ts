/**
 * The dynamic check: runs the migration on a throwaway database filled to the given table sizes,
 * under a synthetic read/write workload, and records per statement the locks PostgreSQL actually
 * granted (pg_locks, read from a second connection), whether tables were rewritten (relfilenode
 * changed) and how long workload queries were blocked. The database is dropped on every exit path.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { InputError } from '../../../core/errors';
import { blocksOf, lockModeSql, strongest, type LockMode } from '../lock-modes';
import type { Finding } from '../finding';
import { ruleDocs, RULES } from '../rule-catalog';
import { relationName } from '../schema-model';
import type { SqlStatement } from '../sql-statements';
import { blockedPerStatement, type StatementWindow } from './blocking-attribution';
import { insertSql } from './row-values';
import { backendLocks, relations, tableColumns, userTables } from './schema-introspection';
import { createThrowawayDatabase } from './throwaway-database';
import type { DynamicResult, ObservedLock, TracedStatement } from './trace-result';
import { Workload, type WorkloadTable } from './workload';

export interface TraceOptions {
  /** The server (and optionally the database to copy as a template). */
  url: string;
  /** Statements that create the schema the migration starts from (applied, not traced). */
  schema: SqlStatement[];
  /** The migration files, in order. */
  files: SqlStatement[][];
  /** Each file runs inside one transaction, as the migration tool would run it. */
  inTransaction?: boolean;
  tableSizes: Record<string, number>;
  lockTimeoutMs: number;
  /** statement_timeout of workload queries, in milliseconds (default: a quarter of the lock timeout, 100 to 1000). */
  workloadTimeoutMs?: number;
  log: (text: string) => void;
}

/** Statements PostgreSQL refuses inside a transaction block: they run on their own, and their locks are sampled while they run. */
function outsideTransaction(s: SqlStatement): boolean {
  const n = s.node;
  if (s.kind === 'IndexStmt' || s.kind === 'DropStmt' || s.kind === 'RefreshMatViewStmt') return Boolean(n.concurrent) && s.kind !== 'RefreshMatViewStmt';
  if (s.kind === 'ReindexStmt') return (n.params ?? []).some((p: { DefElem?: { defname?: string } }) => p.DefElem?.defname === 'concurrently');
  return ['VacuumStmt', 'CreatedbStmt', 'DropdbStmt', 'AlterSystemStmt', 'CreateTableSpaceStmt', 'DropTableSpaceStmt'].includes(s.kind);
}

const isBegin = (s: SqlStatement) => s.kind === 'TransactionStmt' && (s.node.kind === 'TRANS_STMT_BEGIN' || s.node.kind === 'TRANS_STMT_START');
const isEnd = (s: SqlStatement) => s.kind === 'TransactionStmt' && ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(s.node.kind);

/** Groups a file into units: an explicit BEGIN … COMMIT block, or one statement. */
export function transactionUnits(statements: SqlStatement[], wrapped = false): { explicit: boolean; statements: SqlStatement[] }[] {
  if (wrapped && statements.length > 0) {
    const at = statements[0];
    const control = (kind: string, text: string): SqlStatement => ({ ...at, index: -1, text, kind: 'TransactionStmt', node: { kind }, allow: {} });
    return [{ explicit: true, statements: [control('TRANS_STMT_BEGIN', 'BEGIN'), ...statements, control('TRANS_STMT_COMMIT', 'COMMIT')] }];
  }
  const units: { explicit: boolean; statements: SqlStatement[] }[] = [];
  let open: SqlStatement[] | null = null;
  for (const s of statements) {
    if (open) {
      open.push(s);
      if (isEnd(s)) open = null;
    } else if (isBegin(s)) {
      open = [s];
      units.push({ explicit: true, statements: open });
    } else units.push({ explicit: false, statements: [s] });
  }
  return units;
}

const oneLine = (t: string) => {
  const s = t.replace(/\s+/g, ' ');
  return s.length > 100 ? `${s.slice(0, 99)}…` : s;
};

function merge(into: ObservedLock[], l: ObservedLock): void {
  const prev = into.find((x) => x.relation === l.relation);
  if (prev) prev.mode = strongest(prev.mode, l.mode) as LockMode;
  else into.push({ ...l });
}

class Tracer {
  readonly traced: TracedStatement[] = [];
  readonly windows: StatementWindow[] = [];
  private pid = 0;
  stopped = false;

  constructor(
    private readonly mig: pg.Client,
    private readonly observer: pg.Client,
  ) {}

  async init(): Promise<void> {
    this.pid = (await this.mig.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  }

  /** Locks of the migration session on relations that existed at the start of the unit, tables and materialised views only. */
  private async locksNow(known: Map<number, { name: string; kind: string }>): Promise<ObservedLock[]> {
    const out: ObservedLock[] = [];
    for (const l of await backendLocks(this.observer, this.pid)) {
      const rel = known.get(l.oid);
      if (rel && (rel.kind === 'r' || rel.kind === 'p' || rel.kind === 'm')) merge(out, { relation: rel.name, mode: l.mode });
    }
    return out;
  }

  async runUnit(unit: { explicit: boolean; statements: SqlStatement[] }): Promise<void> {
    const unitStart = await relations(this.mig);
    const held: ObservedLock[] = [];
    const first = this.traced.length;
    const wrap = !unit.explicit && !outsideTransaction(unit.statements[0]) && unit.statements[0].kind !== 'VariableSetStmt';
    if (wrap) await this.mig.query('BEGIN');
    for (const s of unit.statements) {
      if (s.kind === 'TransactionStmt') {
        await this.mig.query(s.text).catch(() => {});
        continue;
      }
      const before = await relations(this.mig);
      const rec: TracedStatement = {
        file: s.file,
        line: s.line,
        column: s.column,
        statement: oneLine(s.text),
        durationMs: 0,
        locks: [],
        rewritten: [],
        blockedMs: 0,
        blockedQueries: [],
        error: null,
      };
      const start = performance.now();
      let sampled: ObservedLock[] = [];
      if (outsideTransaction(s)) {
        // no transaction holds the locks afterwards: sample pg_locks while the statement runs
        let done = false;
        const run = this.mig.query(s.text).finally(() => (done = true));
        run.catch(() => {});
        while (!done) {
          for (const l of await this.locksNow(before)) merge(sampled, l);
        }
        await run.catch((e) => (rec.error = (e as Error).message));
      } else {
        await this.mig.query(s.text).catch((e) => (rec.error = (e as Error).message));
        if (!rec.error) sampled = await this.locksNow(unitStart);
      }
      rec.durationMs = performance.now() - start;
      // locks taken by this statement: not held (at that strength) before it in its transaction
      rec.locks = sampled.filter((l) => !held.some((h) => h.relation === l.relation && strongest(h.mode, l.mode) === h.mode));
      for (const l of sampled) merge(held, l);
      if (!rec.error) {
        const after = await relations(this.mig);
        for (const [oid, r] of before) {
          const now = after.get(oid);
          if ((r.kind === 'r' || r.kind === 'm') && now && now.relfilenode !== r.relfilenode && unitStart.has(oid)) rec.rewritten.push(r.name);
        }
      }
      this.traced.push(rec);
      this.windows.push({ start, unitEnd: Number.POSITIVE_INFINITY, locks: rec.locks });
      if (rec.error) {
        this.stopped = true;
        break;
      }
    }
    if (this.stopped) await this.mig.query('ROLLBACK').catch(() => {});
    else if (wrap) await this.mig.query('COMMIT');
    const end = performance.now();
    for (let i = first; i < this.windows.length; i++)
      this.windows[i].unitEnd = unit.explicit || wrap ? end : Math.max(this.windows[i].start + this.traced[i].durationMs, this.windows[i].start);
  }
}

async function connect(url: string, name: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: name });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Names of the tables the migration files create (CREATE TABLE), as the rules name them. */
function createdByFiles(files: SqlStatement[][]): Set<string> {
  const out = new Set<string>();
  for (const f of files) for (const s of f) if (s.kind === 'CreateStmt') out.add(relationName(s.node.relation));
  return out;
}

/**
 * Generates rows for the sized tables that exist now and have none yet. Tables a migration file
 * creates get theirs before the next file runs, so a folder is traced as it would run in
 * production: each file on the schema the earlier ones left, with data.
 */
async function populate(c: pg.Client, sizes: Record<string, number>, done: Record<string, number>, log: (t: string) => void): Promise<WorkloadTable[]> {
  const tables = (await userTables(c)).filter((t) => t.name in sizes && !(t.name in done));
  if (tables.length === 0) return [];
  // rows of equally sized tables reference each other by number; foreign keys are not checked while loading
  await c.query('SET session_replication_role = replica').catch(() => {});
  const added: WorkloadTable[] = [];
  for (const t of tables) {
    const columns = await tableColumns(c, t.oid);
    const sql = insertSql(t.sql, columns, `generate_series(1, ${sizes[t.name]}) g`);
    if (sql && sizes[t.name] > 0) await c.query(sql);
    done[t.name] = sizes[t.name];
    added.push({ name: t.name, sql: t.sql, columns });
  }
  await c.query('RESET session_replication_role').catch(() => {});
  await c.query(`ANALYZE ${tables.map((t) => t.sql).join(', ')}`);
  log(`trace: generated rows ${tables.map((t) => `${t.name}=${sizes[t.name]}`).join(', ')}`);
  return added;
}

/** The workload loops over at most this many tables, so each is hit often enough to notice a block. */
const MAX_WORKLOAD_TABLES = 16;

export async function traceMigration(o: TraceOptions): Promise<DynamicResult> {
  const db = await createThrowawayDatabase(o.url, o.schema.length === 0, o.log);
  o.log(`trace: throwaway database ${db.name}${db.fromTemplate ? ' (schema from the named database)' : ''}`);
  const clients: pg.Client[] = [];
  let workload: Workload | null = null;
  try {
    const mig = await connect(db.url, 'shipgate-verify-migration');
    const observer = await connect(db.url, 'shipgate-verify-observer');
    clients.push(mig, observer);
    if (db.fromTemplate) {
      const tables = await userTables(mig);
      if (tables.length) await mig.query(`TRUNCATE ${tables.map((t) => t.sql).join(', ')} CASCADE`);
    }
    for (const s of o.schema) await mig.query(s.text);
    const existing = new Set((await userTables(mig)).map((t) => t.name));
    const created = createdByFiles(o.files);
    for (const name of Object.keys(o.tableSizes))
      if (!existing.has(name) && !created.has(name))
        throw new InputError(`--table-sizes: no table ${name} in the traced schema`, [{ path: name, message: 'unknown table' }]);
    const tableRows: Record<string, number> = {};
    await populate(mig, o.tableSizes, tableRows, o.log);
    const tables: WorkloadTable[] = [];
    for (const t of (await userTables(mig)).slice(0, MAX_WORKLOAD_TABLES)) tables.push({ name: t.name, sql: t.sql, columns: await tableColumns(mig, t.oid) });
    const workloadTimeoutMs = o.workloadTimeoutMs ?? Math.min(1000, Math.max(100, o.lockTimeoutMs / 4));
    workload = new Workload(db.url, tables, workloadTimeoutMs);
    await workload.start();
    o.log(`trace: ${o.files.reduce((n, f) => n + f.length, 0)} statements under a workload of ${workload.connections} connections`);
    await sleep(150);
    const tracer = new Tracer(mig, observer);
    await tracer.init();
    for (const file of o.files) {
      for (const unit of transactionUnits(file, o.inTransaction)) {
        await tracer.runUnit(unit);
        if (tracer.stopped) break;
      }
      if (tracer.stopped) break;
      workload.addTables((await populate(mig, o.tableSizes, tableRows, o.log)).slice(0, MAX_WORKLOAD_TABLES));
    }
    await sleep(150);
    await workload.stop();
    const blocked = blockedPerStatement(workload.queries, tracer.windows);
    const findings: Finding[] = [];
    tracer.traced.forEach((t, i) => {
      t.blockedMs = Math.round(blocked[i].blockedMs);
      t.blockedQueries = blocked[i].kinds;
      if (t.blockedMs > o.lockTimeoutMs) {
        const lock = t.locks.find((l) => blocksOf(l.mode) !== 'nothing') ?? t.locks[0] ?? null;
        const what = t.blockedQueries.map((k) => k.toUpperCase()).join(', ');
        findings.push({
          rule: 'dynamic-blocking',
          severity: RULES['dynamic-blocking'].severity,
          file: t.file,
          line: t.line,
          column: t.column,
          statement: t.statement,
          relation: lock?.relation ?? null,
          lockMode: lock?.mode ?? null,
          blocks: lock ? blocksOf(lock.mode) : 'nothing',
          message: `in the trace, ${what} queries waited ${t.blockedMs} ms behind this statement${lock ? ` (${lockModeSql(lock.mode)} on ${lock.relation})` : ''}, longer than the lock timeout of ${o.lockTimeoutMs} ms`,
          safeRewrite: 'apply the safe rewrite of the static finding for this statement; split long work into batches or an online rebuild',
          docs: ruleDocs('dynamic-blocking'),
          irreversible: false,
          allowed: null,
        });
      }
    });
    const failed = tracer.traced.find((t) => t.error);
    if (failed)
      findings.push({
        rule: 'dynamic-statement-failed',
        severity: RULES['dynamic-statement-failed'].severity,
        file: failed.file,
        line: failed.line,
        column: failed.column,
        statement: failed.statement,
        relation: null,
        lockMode: null,
        blocks: 'nothing',
        message: `PostgreSQL refused this statement in the trace (${failed.error}): the migration stops here, half applied unless the file is one transaction; later statements were not traced`,
        safeRewrite: 'fix the statement for this schema and data (see the error), or split the file so that what must run alone runs alone',
        docs: ruleDocs('dynamic-statement-failed'),
        irreversible: false,
        allowed: null,
      });
    const qs = workload.queries;
    return {
      database: db.name,
      tableRows,
      workload: { connections: workload.connections, statementTimeoutMs: workloadTimeoutMs, queries: qs.length, timeouts: qs.filter((q) => q.timedOut).length },
      statements: tracer.traced,
      findings,
    };
  } finally {
    await workload?.stop().catch(() => {});
    await Promise.allSettled(clients.map((c) => c.end()));
    await db.drop();
  }
}
