/**
 * The synthetic traffic a trace runs under: one connection looping SELECTs, one UPDATEs and one
 * INSERTs (rolled back) over the tables, each with a short statement_timeout, and a watcher that
 * marks a query blocked when PostgreSQL shows it waiting for a lock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { insertSql, type ColumnInfo } from './row-values';

export type QueryKind = 'select' | 'update' | 'insert';

/** One workload query: when it ran (performance.now() milliseconds) and how it ended. */
export interface WorkloadQuery {
  worker: number;
  kind: QueryKind;
  table: string;
  start: number;
  end: number;
  ok: boolean;
  timedOut: boolean;
  /** Seen waiting for a lock (pg_stat_activity.wait_event_type = 'Lock') while it ran. */
  blocked: boolean;
}

export interface WorkloadTable {
  name: string;
  sql: string;
  columns: ColumnInfo[];
}

const KINDS: QueryKind[] = ['select', 'update', 'insert'];
const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;

function querySql(kind: QueryKind, t: WorkloadTable, seq: number): string | null {
  if (kind === 'select') return `SELECT * FROM ${t.sql} LIMIT 5`;
  const col = t.columns.find((c) => !c.generated);
  if (!col) return null;
  if (kind === 'update') return `UPDATE ${t.sql} SET ${q(col.name)} = ${q(col.name)} WHERE ctid = '(0,1)'`;
  // rolled back, so the rows of the trace stay what was generated (a later VALIDATE sees no stray rows)
  const ins = insertSql(t.sql, t.columns, `(SELECT ${1_000_000_000 + seq}::bigint AS g) s`);
  return ins ? `BEGIN; ${ins}; ROLLBACK` : null;
}

export class Workload {
  readonly queries: WorkloadQuery[] = [];
  private readonly clients: pg.Client[] = [];
  private readonly current: (WorkloadQuery | null)[] = [];
  private pids: number[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(
    private readonly url: string,
    private readonly tables: WorkloadTable[] = [],
    /** statement_timeout of each workload query, in milliseconds. */
    readonly statementTimeoutMs: number,
    /** Pause between a worker's queries, in milliseconds. */
    private readonly pauseMs = 5,
  ) {}

  get connections(): number {
    return KINDS.length;
  }

  /** Tables that appear during the trace (created by an earlier migration file) join the loops. */
  addTables(tables: WorkloadTable[]): void {
    for (const t of tables) if (!this.tables.some((x) => x.name === t.name)) this.tables.push(t);
  }

  async start(): Promise<void> {
    for (let i = 0; i < KINDS.length + 1; i++) {
      const c = new pg.Client({ connectionString: this.url, application_name: i < KINDS.length ? `shipgate-workload-${KINDS[i]}` : 'shipgate-workload-watch' });
      c.on('error', () => {});
      await c.connect();
      await c.query(`SET statement_timeout = ${Math.max(1, Math.round(this.statementTimeoutMs))}`);
      this.clients.push(c);
    }
    this.pids = await Promise.all(
      this.clients.slice(0, KINDS.length).map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid),
    );
    this.running = true;
    this.loops = [...KINDS.map((k, i) => this.loop(i, k)), this.watch()];
  }

  private async loop(worker: number, kind: QueryKind): Promise<void> {
    const c = this.clients[worker];
    let n = worker;
    while (this.running) {
      const t = this.tables.length ? this.tables[n++ % this.tables.length] : null;
      const sql = t ? querySql(kind, t, this.seq++) : null;
      if (sql) {
        const rec: WorkloadQuery = { worker, kind, table: t!.name, start: performance.now(), end: 0, ok: true, timedOut: false, blocked: false };
        this.current[worker] = rec;
        try {
          await c.query(sql);
        } catch (e) {
          rec.ok = false;
          rec.timedOut = (e as { code?: string }).code === '57014';
          if (kind === 'insert') await c.query('ROLLBACK').catch(() => {});
        }
        rec.end = performance.now();
        this.current[worker] = null;
        this.queries.push(rec);
        if (!this.running) break;
      }
      await sleep(this.pauseMs);
    }
  }

  /** Marks in-flight queries that PostgreSQL shows waiting for a lock. */
  private async watch(): Promise<void> {
    const c = this.clients[KINDS.length];
    while (this.running) {
      try {
        const r = await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND wait_event_type = 'Lock'`, [this.pids]);
        for (const row of r.rows) {
          const w = this.pids.indexOf(row.pid);
          const cur = this.current[w];
          if (cur) cur.blocked = true;
        }
      } catch {
        // the database is going away
      }
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.clients.map((c) => c.end()));
  }
}
