/**
 * `data sync`: copies a masked, referentially complete subset of one PostgreSQL database into
 * another. The source is opened with default_transaction_read_only=on and read in one REPEATABLE
 * READ snapshot; the target is checked (every copied table and column present) and written in ONE
 * transaction, or not at all. Every refusal we can foresee (bad table, bad mask, missing column,
 * same database, row cap) happens before the target transaction starts.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CliError, EXIT } from '../../cli/exit-codes';
import { InputError, type Issue } from '../../core/errors';
import { closeOver, DanglingReferenceError, RowCapError, type Row } from './closure';
import { planInserts } from './insert-plan';
import { Masker, planMasks, type MaskPlan, type MaskSpec } from './masking';
import { PgRowSource, PgRowWriter } from './pg-rows';
import { copiedColumns, readSchema, reachableTables, tableKey, type DbSchema } from './pg-schema';

export interface SyncOptions {
  from: string;
  to: string;
  /** Root tables, `schema.table` or `table` (public). */
  tables: string[];
  /** Tables whose rows referencing the selected rows come along (one level; their parents by the closure). */
  withChildren?: string[];
  /** Raw SQL conditions per root table (run on the source only). */
  where: Map<string, string>;
  masks: MaskSpec[];
  /** HMAC key; a random one per run when absent. */
  maskKey?: string;
  /** Rows per root table. */
  limit: number;
  /** Most rows in all. */
  maxRows: number;
  dryRun: boolean;
  truncate: boolean;
  log?: (text: string) => void;
  progress?: (text: string) => void;
}

export interface SyncTableReport {
  table: string;
  root: boolean;
  selected: number;
  /** Rows referencing the selected rows (--with-children). */
  children: number;
  pulledIn: number;
  rows: number;
  /** column → rule (`hash`, `email`, …; `(linked)` when propagated from a linked key column). */
  masked: Record<string, string>;
}

export interface SyncReport {
  kind: 'shipgate.dev/data-sync/v1';
  from: string;
  to: string;
  dryRun: boolean;
  written: boolean;
  truncated: boolean;
  tables: SyncTableReport[];
  totalRows: number;
  closureRounds: number;
  insertOrder: string[];
  /** Cycle foreign keys checked at COMMIT. */
  deferred: string[];
  /** Cycle foreign keys inserted NULL, then UPDATEd. */
  nullThenUpdate: string[];
  /** Target sequences (serial, identity) moved past the copied values: sequence → value set. */
  sequences: Record<string, number>;
  maskKey: 'given' | 'random';
  durationMs: number;
}

/** A URL without its password, for reports and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** pg parses nothing: every value stays in PostgreSQL's text form. */
const textTypes = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', '57P01', '57P03']);

function isUnreachable(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return (code !== undefined && UNREACHABLE_CODES.has(code)) || /timeout|Connection terminated/i.test((e as Error).message ?? '');
}

async function connect(url: string, flag: string, readOnly: boolean): Promise<pg.Client> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(EXIT.USAGE, `${flag} must be a postgres:// URL`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new CliError(EXIT.USAGE, `${flag} must be a postgres:// URL`);
  const c = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'shipgate-data-sync',
    types: textTypes,
    ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  c.on('error', () => {});
  try {
    await c.connect();
  } catch (e) {
    await c.end().catch(() => {});
    if (isUnreachable(e)) throw new CliError(EXIT.UNREACHABLE, `${flag}: cannot reach ${redactUrl(url)}: ${(e as Error).message}`);
    throw new CliError(EXIT.USAGE, `${flag}: cannot connect to ${redactUrl(url)}: ${(e as Error).message}`);
  }
  return c;
}

/** Which server instance and database a connection is on: equal for the same database under two URLs. */
async function identity(c: pg.Client): Promise<string> {
  const r = await c.query(
    `SELECT d.oid::text AS oid, current_database() AS db, pg_postmaster_start_time()::text AS started, coalesce(inet_server_port(), 0)::text AS port
     FROM pg_database d WHERE d.datname = current_database()`,
  );
  const x = r.rows[0];
  return `${x.db}/${x.oid}/${x.started}/${x.port}`;
}

/** Resolves the user's table names against the source schema; unknown ones are input errors. */
function resolveTables(schema: DbSchema, o: SyncOptions): string[] {
  const issues: Issue[] = [];
  const roots = [...new Set(o.tables.map(tableKey))];
  for (const t of roots) if (!schema.tables.has(t)) issues.push({ path: '--tables', message: `no table ${t} in the source` });
  for (const t of o.where.keys()) if (!roots.includes(t)) issues.push({ path: '--where', message: `${t} is not one of --tables` });
  for (const c of (o.withChildren ?? []).map(tableKey)) {
    if (!schema.tables.has(c)) issues.push({ path: '--with-children', message: `no table ${c} in the source` });
    else if (!schema.foreignKeys.some((fk) => fk.child === c && roots.includes(fk.parent)))
      issues.push({ path: '--with-children', message: `${c} has no foreign key to one of --tables` });
  }
  if (issues.length) throw new InputError('data sync: unknown tables', issues);
  return roots;
}

/** Rows of each --with-children table that reference a selected row through one of its foreign keys, at most `limit` per table. */
async function childRows(schema: DbSchema, reader: PgRowSource, tables: string[], seeds: Map<string, Row[]>, limit: number): Promise<Map<string, Row[]>> {
  const out = new Map<string, Row[]>();
  for (const c of tables) {
    const seen = new Set<string>();
    const rows: Row[] = [];
    const pk = schema.tables.get(c)!.primaryKey;
    const id = (r: Row) => JSON.stringify(pk.length ? pk.map((k) => r[k]) : r);
    for (const fk of schema.foreignKeys.filter((f) => f.child === c && seeds.has(f.parent))) {
      const keys = seeds
        .get(fk.parent)!
        .map((r) => fk.parentColumns.map((col) => r[col]))
        .filter((k): k is string[] => k.every((v) => v !== null));
      for (let i = 0; i < keys.length && rows.length < limit; i += 5000) {
        for (const r of await reader.rowsByKey(c, fk.childColumns, keys.slice(i, i + 5000))) {
          if (rows.length >= limit) break;
          if (seen.has(id(r))) continue;
          seen.add(id(r));
          rows.push(r);
        }
      }
    }
    out.set(c, rows);
  }
  return out;
}

/** Every copied table and column must exist on the target (and be writable there). */
function checkTarget(source: DbSchema, target: DbSchema, tables: string[], log: (t: string) => void): void {
  const issues: Issue[] = [];
  for (const key of tables) {
    const t = target.tables.get(key);
    if (!t) {
      issues.push({ path: '--to', message: `the target has no table ${key}` });
      continue;
    }
    for (const c of copiedColumns(source.tables.get(key)!)) {
      const tc = t.columns.find((x) => x.name === c.name);
      if (!tc) issues.push({ path: '--to', message: `the target's ${key} has no column ${c.name}` });
      else if (tc.generated) issues.push({ path: '--to', message: `the target's ${key}.${c.name} is a generated column; the source's is not` });
      else if (tc.type !== c.type) log(`data sync: ${key}.${c.name} is ${c.type} in the source and ${tc.type} in the target; values are cast`);
    }
  }
  if (issues.length) throw new InputError('data sync: the target does not have the schema of the copied tables (nothing was written)', issues);
}

/** Runs the copy (or, with dryRun, everything but the write). */
export async function dataSync(o: SyncOptions): Promise<SyncReport> {
  const started = performance.now();
  const log = o.log ?? (() => {});
  const progress = o.progress ?? (() => {});
  if (!(o.limit > 0) || !(o.maxRows > 0)) throw new InputError('--limit and --max-rows must be positive integers');
  const src = await connect(o.from, '--from', true);
  let dst: pg.Client | undefined;
  try {
    dst = await connect(o.to, '--to', false);
    if ((await identity(src)) === (await identity(dst))) {
      throw new InputError(`--from and --to are the same database (${redactUrl(o.to)}); the copy never writes to its source`);
    }
    await src.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const schema = await readSchema(src);
    const targetSchema = await readSchema(dst);
    const roots = resolveTables(schema, o);
    const withChildren = [...new Set((o.withChildren ?? []).map(tableKey))];
    const copied = reachableTables(schema, [...roots, ...withChildren.filter((c) => !roots.includes(c))]);
    const masks: MaskPlan = planMasks(schema, copied, o.masks);
    checkTarget(schema, targetSchema, copied, log);
    const plan = planInserts(targetSchema, copied);

    const reader = new PgRowSource(src, schema);
    const seeds = new Map<string, Row[]>();
    for (const t of roots) {
      try {
        seeds.set(t, await reader.select(t, o.where.get(t), Math.min(o.limit, o.maxRows + 1)));
      } catch (e) {
        if (isUnreachable(e)) throw e;
        throw new InputError(`--where ${t}: the source refused the selection: ${(e as Error).message}`);
      }
      progress(`selected ${seeds.get(t)!.length} rows of ${t}`);
    }
    const children = await childRows(schema, reader, withChildren, seeds, o.limit);
    let closure: Awaited<ReturnType<typeof closeOver>>;
    try {
      closure = await closeOver({
        schema,
        seeds,
        children,
        source: reader,
        maxRows: o.maxRows,
        onProgress: (n, r) => progress(`closure round ${r}: ${n} rows`),
      });
    } catch (e) {
      if (e instanceof RowCapError || e instanceof DanglingReferenceError) throw new InputError(e.message);
      throw e;
    }
    await src.query('COMMIT');

    const masker = new Masker(o.maskKey ?? randomBytes(32));
    const rowsOf = (t: string): Row[] => (closure.tables.get(t)?.rows ?? []).map((r) => masker.row(masks.get(t), r));
    const masked = new Map(copied.map((t) => [t, rowsOf(t)]));

    let written = false;
    let sequences: Record<string, number> = {};
    if (!o.dryRun) {
      sequences = await write(dst, schema, targetSchema, plan, masked, o.truncate ? copied : [], progress);
      written = true;
    }
    return {
      kind: 'shipgate.dev/data-sync/v1',
      from: redactUrl(o.from),
      to: redactUrl(o.to),
      dryRun: o.dryRun,
      written,
      truncated: written && o.truncate,
      tables: copied.map((t) => {
        const c = closure.tables.get(t);
        const m = masks.get(t);
        return {
          table: t,
          root: roots.includes(t),
          selected: c?.selected ?? 0,
          children: c?.children ?? 0,
          pulledIn: c?.pulledIn ?? 0,
          rows: c?.rows.length ?? 0,
          masked: Object.fromEntries([...(m ?? new Map()).entries()].map(([col, x]) => [col, ruleText(x.rule) + (x.propagated ? ' (linked)' : '')])),
        };
      }),
      totalRows: closure.totalRows,
      closureRounds: closure.rounds,
      insertOrder: plan.order,
      deferred: plan.deferred.map((fk) => `${fk.child}.${fk.name}`),
      nullThenUpdate: plan.nullThenUpdate.map((fk) => `${fk.child}.${fk.name}`),
      sequences,
      maskKey: o.maskKey ? 'given' : 'random',
      durationMs: Math.round(performance.now() - started),
    };
  } catch (e) {
    if (e instanceof CliError || e instanceof InputError) throw e;
    if (isUnreachable(e)) throw new CliError(EXIT.UNREACHABLE, `a database connection was lost: ${(e as Error).message}`);
    throw e;
  } finally {
    await src.end().catch(() => {});
    await dst?.end().catch(() => {});
  }
}

const ruleText = (r: MaskSpec['rule']): string => (r.kind === 'fixed' ? `fixed:${r.value}` : r.kind);

/**
 * One transaction on the target: deferred constraints, truncate, inserts in plan order, the cycle
 * UPDATEs, the sequences, COMMIT; any refusal rolls it all back (a sequence moved before a refused
 * COMMIT stays moved: PostgreSQL's setval is not transactional, and a gap in a sequence is harmless).
 */
async function write(
  dst: pg.Client,
  source: DbSchema,
  target: DbSchema,
  plan: ReturnType<typeof planInserts>,
  rows: Map<string, Row[]>,
  truncate: string[],
  progress: (t: string) => void,
): Promise<Record<string, number>> {
  const writer = new PgRowWriter(dst, target);
  const nulled = new Map<string, Set<string>>();
  for (const fk of plan.nullThenUpdate) {
    let s = nulled.get(fk.child);
    if (!s) nulled.set(fk.child, (s = new Set()));
    fk.childColumns.forEach((c) => s.add(c));
  }
  await dst.query('BEGIN');
  try {
    await dst.query('SET CONSTRAINTS ALL DEFERRED');
    await writer.truncate(truncate);
    for (const t of plan.order) {
      const r = rows.get(t) ?? [];
      if (!r.length) continue;
      await writer.insert(
        t,
        copiedColumns(source.tables.get(t)!).map((c) => c.name),
        r,
        nulled.get(t) ?? new Set(),
      );
      progress(`inserted ${r.length} rows into ${t}`);
    }
    for (const [t, cols] of nulled) await writer.update(t, [...cols], rows.get(t) ?? []);
    const sequences: Record<string, number> = {};
    for (const t of plan.order) {
      if (!rows.get(t)?.length) continue;
      const copiedNames = new Set(copiedColumns(source.tables.get(t)!).map((c) => c.name));
      for (const c of target.tables.get(t)!.columns) {
        if (!c.sequence || !copiedNames.has(c.name)) continue;
        const v = await writer.advanceSequence(t, c.name, c.sequence);
        if (v !== null) sequences[c.sequence] = v;
      }
    }
    await dst.query('COMMIT');
    return sequences;
  } catch (e) {
    await dst.query('ROLLBACK').catch(() => {});
    if (isUnreachable(e)) throw e;
    const pe = e as pg.DatabaseError;
    const where = [pe.table && `table ${pe.schema ? `${pe.schema}.` : ''}${pe.table}`, pe.constraint && `constraint ${pe.constraint}`]
      .filter(Boolean)
      .join(', ');
    throw new CliError(
      EXIT.NO,
      `the target refused the copy, nothing was written: ${pe.message}${pe.detail ? ` (${pe.detail})` : ''}${where ? ` [${where}]` : ''}`,
    );
  }
}
