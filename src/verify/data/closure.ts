/**
 * Foreign-key closure over key sets (pure: rows come through a port). Starting from the selected
 * rows of the root tables, every row a copied row references is fetched, transitively, until a
 * fixed point: a round asks each parent table only for key tuples not asked before, so cycles (two
 * tables referencing each other, a self-reference) end once no new row appears. Rows are text (the
 * copy reads every value in PostgreSQL's text form) and identified by their primary key, or by all
 * their values when the table has none. A NULL in any column of a foreign key means no reference
 * (MATCH SIMPLE).
 */
import type { DbSchema, ForeignKey } from './pg-schema';

/** A row in PostgreSQL's text form, by column name; SQL NULL is null. */
export type Row = Record<string, string | null>;

/** Where the closure reads rows: the read-only source snapshot in production, a fake in tests. */
export interface RowSource {
  /** Rows of `table` whose `columns` equal one of `keys` (each a tuple in `columns` order, no nulls). */
  rowsByKey(table: string, columns: string[], keys: string[][]): Promise<Row[]>;
}

/** The rows of one table: those selected by --where/--limit, those referencing them (--with-children), and those the closure pulled in. */
export interface TableRows {
  table: string;
  selected: number;
  children: number;
  pulledIn: number;
  rows: Row[];
}

export interface ClosureResult {
  tables: Map<string, TableRows>;
  totalRows: number;
  /** Fetch rounds until the fixed point. */
  rounds: number;
}

/** The total row cap was passed: nothing is written. */
export class RowCapError extends Error {
  constructor(
    readonly cap: number,
    readonly table: string,
  ) {
    super(`the copy would exceed the total row cap of ${cap} rows (reached while pulling in ${table}); narrow --where/--limit or raise --max-rows`);
  }
}

/** A referenced row is missing from the source (a NOT VALID foreign key): the copy would be refused by the target. */
export class DanglingReferenceError extends Error {
  constructor(
    readonly fk: ForeignKey,
    readonly key: string[],
  ) {
    super(`${fk.child} references ${fk.parent} (${fk.parentColumns.join(', ')}) = (${key.join(', ')}) through ${fk.name}, but the source has no such row`);
  }
}

export interface ClosureInput {
  schema: DbSchema;
  /** Selected rows per root table (the table keys are the model's). */
  seeds: Map<string, Row[]>;
  /** Rows that reference selected rows (--with-children), per table: seeds too, counted apart. */
  children?: Map<string, Row[]>;
  source: RowSource;
  /** Most rows in all, selected ones included. */
  maxRows: number;
  /** Key tuples per fetch (bounds the query's parameter size). */
  batchSize?: number;
  onProgress?: (totalRows: number, round: number) => void;
}

/** A tuple's identity; JSON keeps `null` apart from the string "null" and commas apart from separators. */
const tupleId = (values: (string | null)[]): string => JSON.stringify(values);

function identityOf(pk: string[]): (r: Row) => string {
  if (pk.length) return (r) => tupleId(pk.map((c) => r[c]));
  return (r) =>
    tupleId(
      Object.keys(r)
        .sort()
        .map((c) => r[c]),
    );
}

/** Runs the closure to its fixed point. Throws RowCapError past `maxRows`, DanglingReferenceError for a reference the source cannot satisfy. */
export async function closeOver(input: ClosureInput): Promise<ClosureResult> {
  const { schema, source, maxRows } = input;
  const batchSize = input.batchSize ?? 5000;
  const state = new Map<string, { id: (r: Row) => string; rows: Map<string, Row>; selected: number; children: number }>();
  const tableState = (t: string) => {
    let s = state.get(t);
    if (!s) {
      const info = schema.tables.get(t);
      if (!info) throw new Error(`unknown table ${t}`);
      s = { id: identityOf(info.primaryKey), rows: new Map(), selected: 0, children: 0 };
      state.set(t, s);
    }
    return s;
  };
  let total = 0;
  /** Rows added in the last round, per table: the frontier whose references are followed next. */
  let frontier = new Map<string, Row[]>();
  const add = (t: string, r: Row, how: 'selected' | 'children' | 'closure'): boolean => {
    const s = tableState(t);
    const id = s.id(r);
    if (s.rows.has(id)) return false;
    if (total + 1 > maxRows) throw new RowCapError(maxRows, t);
    s.rows.set(id, r);
    total++;
    if (how === 'selected') s.selected++;
    else if (how === 'children') s.children++;
    let f = frontier.get(t);
    if (!f) frontier.set(t, (f = []));
    f.push(r);
    return true;
  };
  for (const [t, rows] of input.seeds) {
    tableState(t);
    for (const r of rows) add(t, r, 'selected');
  }
  for (const [t, rows] of input.children ?? []) for (const r of rows) add(t, r, 'children');
  const fksByChild = new Map<string, ForeignKey[]>();
  for (const fk of schema.foreignKeys) {
    let l = fksByChild.get(fk.child);
    if (!l) fksByChild.set(fk.child, (l = []));
    l.push(fk);
  }
  const typeOf = (t: string, c: string) => schema.tables.get(t)?.columns.find((x) => x.name === c)?.type;
  const sameTypes = (fk: ForeignKey) => fk.childColumns.every((c, i) => typeOf(fk.child, c) === typeOf(fk.parent, fk.parentColumns[i]));
  /** Key tuples already asked for, per parent table and column list. */
  const asked = new Map<string, Set<string>>();
  let rounds = 0;
  while (frontier.size) {
    rounds++;
    const current = frontier;
    frontier = new Map();
    // group the wanted tuples per (parent, columns) so one query serves every FK with the same target
    const wanted = new Map<string, { fks: ForeignKey[]; parent: string; columns: string[]; keys: Map<string, string[]> }>();
    for (const [t, rows] of current) {
      for (const fk of fksByChild.get(t) ?? []) {
        const askKey = `${fk.parent}\u0000${fk.parentColumns.join('\u0000')}`;
        let seen = asked.get(askKey);
        if (!seen) asked.set(askKey, (seen = new Set()));
        let w = wanted.get(askKey);
        for (const r of rows) {
          const tuple = fk.childColumns.map((c) => r[c]);
          if (tuple.some((v) => v === null || v === undefined)) continue;
          const id = tupleId(tuple);
          if (seen.has(id)) continue;
          seen.add(id);
          if (!w) wanted.set(askKey, (w = { fks: [], parent: fk.parent, columns: fk.parentColumns, keys: new Map() }));
          w.keys.set(id, tuple as string[]);
        }
        if (w && !w.fks.includes(fk)) w.fks.push(fk);
      }
    }
    for (const w of wanted.values()) {
      const keys = [...w.keys.values()];
      const found = new Set<string>();
      for (let i = 0; i < keys.length; i += batchSize) {
        const rows = await source.rowsByKey(w.parent, w.columns, keys.slice(i, i + batchSize));
        for (const r of rows) {
          found.add(tupleId(w.columns.map((c) => r[c])));
          add(w.parent, r, 'closure');
        }
      }
      // text forms compare only between equal types (numeric(10,2) '1.50' is numeric '1.5'); otherwise the target checks
      if (w.fks.every(sameTypes)) for (const [id, key] of w.keys) if (!found.has(id)) throw new DanglingReferenceError(w.fks[0], key);
      input.onProgress?.(total, rounds);
    }
  }
  const tables = new Map<string, TableRows>();
  for (const [t, s] of state) {
    tables.set(t, { table: t, selected: s.selected, children: s.children, pulledIn: s.rows.size - s.selected - s.children, rows: [...s.rows.values()] });
  }
  return { tables, totalRows: total, rounds };
}
