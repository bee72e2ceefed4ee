/** Reads what a trace needs from the throwaway database's catalog: tables, columns, relfilenodes, locks. */
import type pg from 'pg';
import type { LockMode } from '../lock-modes';
import type { ColumnInfo } from './row-values';

/** A user table as SQL names it (schema-qualified outside public) → its oid. */
export async function userTables(c: pg.Client): Promise<{ oid: number; name: string; sql: string }[]> {
  const r = await c.query<{ oid: number; nspname: string; relname: string }>(
    `SELECT c.oid::int AS oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
      ORDER BY c.oid`,
  );
  return r.rows.map((x) => ({
    oid: x.oid,
    name: x.nspname === 'public' ? x.relname : `${x.nspname}.${x.relname}`,
    sql: `"${x.nspname.replace(/"/g, '""')}"."${x.relname.replace(/"/g, '""')}"`,
  }));
}

export async function tableColumns(c: pg.Client, oid: number): Promise<ColumnInfo[]> {
  const r = await c.query<{ attname: string; type: string; attnotnull: boolean; atthasdef: boolean; generated: boolean }>(
    `SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull, atthasdef, (attidentity <> '' OR attgenerated <> '') AS generated
       FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [oid],
  );
  return r.rows.map((x) => ({ name: x.attname, type: x.type, notNull: x.attnotnull, hasDefault: x.atthasdef, generated: x.generated }));
}

/** oid → {name, relfilenode, kind} of every user relation, as the given session sees them (its own uncommitted DDL included). */
export async function relations(c: pg.Client): Promise<Map<number, { name: string; relfilenode: number; kind: string }>> {
  const r = await c.query<{ oid: number; nspname: string; relname: string; relfilenode: number; relkind: string }>(
    `SELECT c.oid::int AS oid, n.nspname, c.relname, c.relfilenode::int AS relfilenode, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm', 'i') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
  );
  return new Map(
    r.rows.map((x) => [x.oid, { name: x.nspname === 'public' ? x.relname : `${x.nspname}.${x.relname}`, relfilenode: x.relfilenode, kind: x.relkind }]),
  );
}

/** The granted relation locks of one backend, read from another session. */
export async function backendLocks(observer: pg.Client, pid: number): Promise<{ oid: number; mode: LockMode }[]> {
  const r = await observer.query<{ oid: number; mode: LockMode }>(
    `SELECT relation::int AS oid, mode FROM pg_locks WHERE pid = $1 AND locktype = 'relation' AND granted`,
    [pid],
  );
  return r.rows;
}
