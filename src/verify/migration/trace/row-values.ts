/**
 * SQL expressions that make a value of a column's type from a row number `g`, for generated rows
 * and workload inserts. Row g gets g in integer columns, so rows of equally sized tables reference
 * each other; strings are distinct. Pure.
 */

export interface ColumnInfo {
  name: string;
  /** format_type() of the column, e.g. `character varying(20)`. */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  /** Identity or generated: never written. */
  generated: boolean;
}

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** The expression for one column, or null to leave the column to its default (or NULL). */
export function valueExpression(c: ColumnInfo, g: string): string | null {
  if (c.generated) return null;
  const t = c.type.toLowerCase();
  if (t.endsWith('[]')) return c.notNull && !c.hasDefault ? `'{}'::${c.type}` : null;
  if (t === 'smallint') return `((${g}) % 32767)::smallint`;
  if (t === 'integer' || t === 'bigint' || t.startsWith('numeric') || t === 'real' || t === 'double precision') return `(${g})::${c.type}`;
  if (t === 'text' || t.startsWith('character varying') || t.startsWith('character(') || t === 'character' || t === 'citext')
    return `('r' || (${g}))::${c.type}`;
  if (t === 'boolean') return `((${g}) % 2 = 0)`;
  if (t.startsWith('timestamp') || t === 'date') return `(now() - (${g}) * interval '1 second')::${c.type}`;
  if (t === 'uuid') return 'gen_random_uuid()';
  if (t === 'json' || t === 'jsonb') return `'{}'::${c.type}`;
  if (t === 'bytea') return `convert_to((${g})::text, 'UTF8')`;
  if (t === 'inet' || t === 'cidr') return `'10.0.0.1'::${c.type}`;
  if (t === 'interval') return `(${g}) * interval '1 second'`;
  return null;
}

/** INSERT … SELECT … FROM generate_series(from, to) g for one table; null when no column can be written. */
export function insertSql(table: string, columns: ColumnInfo[], source: string): string | null {
  const written = columns.map((c) => ({ c, e: valueExpression(c, 'g') })).filter((x) => x.e !== null);
  if (written.length === 0) return null;
  return `INSERT INTO ${table} (${written.map((x) => q(x.c.name)).join(', ')}) SELECT ${written.map((x) => x.e).join(', ')} FROM ${source}`;
}
