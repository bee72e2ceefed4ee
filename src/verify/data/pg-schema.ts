/**
 * What `data sync` needs to know of a PostgreSQL database, read from pg_catalog: every user table
 * (any schema), its columns (type as format_type prints it, NOT NULL, generated, identity, length
 * of varchar/char), its primary key and every foreign key (pg_constraint contype 'f', composite
 * keys in column order, deferrable or not). The model is plain data; the closure, masking and
 * insert plan are computed from it without a connection.
 */
import type pg from 'pg';

/** One column as the catalog describes it. */
export interface ColumnInfo {
  name: string;
  /** `format_type(atttypid, atttypmod)`: usable in a CAST as is (it quotes what needs quoting). */
  type: string;
  notNull: boolean;
  /** GENERATED ALWAYS AS (…) STORED: never inserted, PostgreSQL computes it. */
  generated: boolean;
  /** GENERATED ALWAYS AS IDENTITY: an INSERT needs OVERRIDING SYSTEM VALUE to keep the copied value. */
  identityAlways: boolean;
  /** pg_type.typcategory: 'S' string, 'N' numeric, 'U' user (uuid), … */
  category: string;
  /** pg_type.typname of the column's type (`uuid`, `varchar`, `int4`, …). */
  typeName: string;
  /** Declared length of varchar(n)/char(n), in characters; null when unbounded. */
  maxLength: number | null;
  /** The sequence the column owns (serial, identity), qualified and quoted as regclass prints it; null when none. */
  sequence: string | null;
}

/** A table, keyed `schema.name` (unquoted, as the user writes it). */
export interface TableInfo {
  key: string;
  schema: string;
  name: string;
  columns: ColumnInfo[];
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[];
}

/** A foreign key from `child(childColumns)` to `parent(parentColumns)`, columns paired by position. */
export interface ForeignKey {
  name: string;
  child: string;
  childColumns: string[];
  parent: string;
  parentColumns: string[];
  deferrable: boolean;
}

export interface DbSchema {
  tables: Map<string, TableInfo>;
  foreignKeys: ForeignKey[];
}

/** `schema.table` or `table` (then `public`) to the model's key; quotes are not interpreted. */
export function tableKey(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

const USER_TABLES = `
  SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;

const COLUMNS = `
  SELECT a.attrelid::int8 AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
         a.attnotnull AS not_null, a.attgenerated <> '' AS generated, a.attidentity = 'a' AS identity_always,
         t.typcategory AS category, t.typname AS type_name,
         CASE WHEN a.atttypid IN (1042, 1043) AND a.atttypmod > 4 THEN a.atttypmod - 4 END AS max_length,
         (SELECT d.objid::regclass::text FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
          WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid
            AND d.refobjsubid = a.attnum AND d.deptype IN ('a', 'i') LIMIT 1) AS sequence
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attrelid, a.attnum`;

const CONSTRAINTS = `
  SELECT con.contype AS type, con.conname AS name, con.conrelid::int8 AS oid, con.confrelid::int8 AS foid, con.condeferrable AS deferrable,
         array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
         array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS fcols
  FROM pg_constraint con
  WHERE con.contype IN ('p', 'f') AND con.conrelid = ANY($1::oid[])
    -- a foreign key to or from a partitioned table is cloned onto each partition (conparentid set): the copy follows the declared one
    AND (con.contype = 'p' OR con.conparentid = 0)
  ORDER BY con.conname`;

/** Postgres arrays come back as text when the client parses nothing (the copy's connections). */
function textArray(v: unknown): string[] {
  if (Array.isArray(v)) return v as string[];
  const s = String(v);
  if (s === '{}') return [];
  // attnames from the catalog: quoted when they hold commas, quotes, braces or spaces
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,{}]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s.slice(1, -1)))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

const truthy = (v: unknown): boolean => v === true || v === 't' || v === 'true';

/** Reads every user table, column, primary key and foreign key of the database `c` is connected to. */
export async function readSchema(c: pg.Client): Promise<DbSchema> {
  const rels = (await c.query(USER_TABLES)).rows as { oid: string; schema: string; name: string }[];
  const byOid = new Map<string, TableInfo>();
  for (const r of rels) byOid.set(String(r.oid), { key: `${r.schema}.${r.name}`, schema: r.schema, name: r.name, columns: [], primaryKey: [] });
  const oids = [...byOid.keys()];
  const cols = (await c.query(COLUMNS, [oids])).rows;
  for (const r of cols) {
    byOid.get(String(r.oid))!.columns.push({
      name: r.name,
      type: r.type,
      notNull: truthy(r.not_null),
      generated: truthy(r.generated),
      identityAlways: truthy(r.identity_always),
      category: r.category,
      typeName: r.type_name,
      maxLength: r.max_length === null ? null : Number(r.max_length),
      sequence: r.sequence ?? null,
    });
  }
  const foreignKeys: ForeignKey[] = [];
  for (const r of (await c.query(CONSTRAINTS, [oids])).rows) {
    const table = byOid.get(String(r.oid))!;
    if (r.type === 'p') table.primaryKey = textArray(r.cols);
    else {
      const parent = byOid.get(String(r.foid));
      if (!parent) continue;
      foreignKeys.push({
        name: r.name,
        child: table.key,
        childColumns: textArray(r.cols),
        parent: parent.key,
        parentColumns: textArray(r.fcols),
        deferrable: truthy(r.deferrable),
      });
    }
  }
  return { tables: new Map([...byOid.values()].map((t) => [t.key, t])), foreignKeys };
}

/** Every table reachable from `roots` by following foreign keys from child to parent, roots included, in discovery order. */
export function reachableTables(schema: DbSchema, roots: string[]): string[] {
  const seen = new Set<string>(roots);
  const queue = [...roots];
  while (queue.length) {
    const t = queue.shift()!;
    for (const fk of schema.foreignKeys) {
      if (fk.child === t && !seen.has(fk.parent)) {
        seen.add(fk.parent);
        queue.push(fk.parent);
      }
    }
  }
  return [...seen];
}

/** The columns a copy writes: every column but generated ones. */
export function copiedColumns(t: TableInfo): ColumnInfo[] {
  return t.columns.filter((c) => !c.generated);
}
