/**
 * The SQL of `data sync`: reading rows from the source snapshot (the root selection with the
 * user's --where, and rows by key for the closure) and writing them to the target. Every value
 * travels in PostgreSQL's text form (the connections parse no type) as a text[] per column, cast
 * to the column's type on the server: no type round-trips through JavaScript. Identifiers are
 * quoted with pg's escapeIdentifier; types come from format_type, which quotes what needs it.
 */
import pg from 'pg';
import type { Row, RowSource } from './closure';
import type { ColumnInfo, DbSchema, TableInfo } from './pg-schema';

const q = (s: string): string => pg.escapeIdentifier(s);

/** `"schema"."table"` */
export const qualified = (t: TableInfo): string => `${q(t.schema)}.${q(t.name)}`;

/** A column list built from `k.c1 … k.cN` (the unnest alias), each cast to its column's type. */
function castList(columns: ColumnInfo[], alias = 'k'): string {
  return columns.map((c, i) => `CAST(${alias}.c${i + 1} AS ${c.type})`).join(', ');
}

function unnestFrom(n: number, alias = 'k'): string {
  const params = Array.from({ length: n }, (_, i) => `$${i + 1}::text[]`).join(', ');
  const names = Array.from({ length: n }, (_, i) => `c${i + 1}`).join(', ');
  return `unnest(${params}) AS ${alias}(${names})`;
}

const byName = (t: TableInfo, names: string[]): ColumnInfo[] =>
  names.map((n) => {
    const c = t.columns.find((x) => x.name === n);
    if (!c) throw new Error(`${t.key} has no column ${n}`);
    return c;
  });

/** Columns as arrays, one text[] per column: the parameters of an unnest. */
function columnArrays(rows: Row[], names: string[]): (string | null)[][] {
  return names.map((n) => rows.map((r) => r[n] ?? null));
}

/** Reads rows from the source: `client` is the read-only REPEATABLE READ snapshot. */
export class PgRowSource implements RowSource {
  constructor(
    private readonly client: pg.Client,
    private readonly schema: DbSchema,
  ) {}

  /**
   * The root selection: rows of `table` matching `where` (raw SQL, the only raw SQL of the copy,
   * run here on the read-only connection), in primary key order, at most `limit`. Sent with a
   * parameter, so PostgreSQL accepts one statement only.
   */
  async select(table: string, where: string | undefined, limit: number): Promise<Row[]> {
    const t = this.schema.tables.get(table)!;
    const order = t.primaryKey.length ? ` ORDER BY ${t.primaryKey.map(q).join(', ')}` : '';
    const sql = `SELECT * FROM ${qualified(t)}${where ? ` WHERE (${where})` : ''}${order} LIMIT $1`;
    return (await this.client.query(sql, [limit])).rows;
  }

  async rowsByKey(table: string, columns: string[], keys: string[][]): Promise<Row[]> {
    const t = this.schema.tables.get(table)!;
    const cols = byName(t, columns);
    const sql = `SELECT t.* FROM ${qualified(t)} t WHERE (${columns.map((c) => `t.${q(c)}`).join(', ')}) IN (SELECT ${castList(cols)} FROM ${unnestFrom(cols.length)})`;
    return (
      await this.client.query(
        sql,
        columns.map((_, i) => keys.map((k) => k[i])),
      )
    ).rows;
  }
}

/** Writes rows into the target; every call runs inside the caller's one transaction. */
export class PgRowWriter {
  constructor(
    private readonly client: pg.Client,
    /** The target's schema: its column types are the casts. */
    private readonly schema: DbSchema,
  ) {}

  async truncate(tables: string[]): Promise<void> {
    if (tables.length) await this.client.query(`TRUNCATE TABLE ${tables.map((t) => qualified(this.schema.tables.get(t)!)).join(', ')}`);
  }

  /** INSERTs `rows` (only `columns` of each, those in `nulled` as NULL) in chunks of `chunk` rows. */
  async insert(table: string, columns: string[], rows: Row[], nulled: Set<string>, chunk = 5000): Promise<void> {
    const t = this.schema.tables.get(table)!;
    const cols = byName(t, columns);
    const overriding = cols.some((c) => c.identityAlways) ? ' OVERRIDING SYSTEM VALUE' : '';
    const sql = `INSERT INTO ${qualified(t)} (${columns.map(q).join(', ')})${overriding} SELECT ${castList(cols)} FROM ${unnestFrom(cols.length)}`;
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      const params = columns.map((n) => (nulled.has(n) ? part.map(() => null) : part.map((r) => r[n] ?? null)));
      await this.client.query(sql, params);
    }
  }

  /**
   * Moves the sequence a copied column owns (serial, identity) past the largest copied value, so
   * rows staging inserts later do not collide with the copy; never moves one back. Returns the
   * value set, or null when the sequence was already past it.
   */
  async advanceSequence(table: string, column: string, sequence: string): Promise<number | null> {
    const t = this.schema.tables.get(table)!;
    const r = await this.client.query(
      `SELECT setval($1::regclass, x.m) AS v FROM (SELECT max(${q(column)})::bigint AS m FROM ${qualified(t)}) x
       WHERE x.m IS NOT NULL AND x.m > coalesce(pg_sequence_last_value($1::regclass), 0)`,
      [sequence],
    );
    return r.rows.length ? Number(r.rows[0].v) : null;
  }

  /** Sets `columns` of the rows (found by primary key) to their values: the second half of null-then-update. */
  async update(table: string, columns: string[], rows: Row[], chunk = 5000): Promise<void> {
    const t = this.schema.tables.get(table)!;
    const keyCols = byName(t, t.primaryKey);
    const setCols = byName(t, columns);
    const all = [...keyCols, ...setCols];
    const sets = setCols.map((c, i) => `${q(c.name)} = CAST(k.c${keyCols.length + i + 1} AS ${c.type})`).join(', ');
    const match = keyCols.map((c, i) => `t.${q(c.name)} = CAST(k.c${i + 1} AS ${c.type})`).join(' AND ');
    const sql = `UPDATE ${qualified(t)} t SET ${sets} FROM ${unnestFrom(all.length)} WHERE ${match}`;
    const names = all.map((c) => c.name);
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk).filter((r) => columns.some((c) => r[c] !== null));
      if (part.length) await this.client.query(sql, columnArrays(part, names));
    }
  }
}
