/**
 * The order the copy inserts tables in, and how it gets through foreign-key cycles (pure). Parents
 * go before children. A foreign key inside a cycle (its two tables in one strongly connected
 * component, a self-reference included) is either DEFERRABLE — the write transaction starts with
 * `SET CONSTRAINTS ALL DEFERRED`, so it is checked at COMMIT — or, when it is not, its columns are
 * inserted NULL and set by an UPDATE once every table is in (they must be nullable). The order is
 * computed from the target's foreign keys: those are the constraints the inserts must satisfy.
 */
import { InputError } from '../../core/errors';
import type { DbSchema, ForeignKey } from './pg-schema';

export interface InsertPlan {
  /** Tables, parents first. */
  order: string[];
  /** Cycle foreign keys checked at COMMIT (deferrable). */
  deferred: ForeignKey[];
  /** Cycle foreign keys inserted NULL and then UPDATEd (not deferrable, nullable columns). */
  nullThenUpdate: ForeignKey[];
}

/** Strongly connected components (Tarjan) of `nodes` under `edges` (from → to). */
export function stronglyConnected(nodes: string[], edges: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const comp = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  let compNo = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.set(w, compNo);
      } while (w !== v);
      compNo++;
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return comp;
}

/** Plans the inserts of `tables` into a database with `schema` (the target's). Throws InputError for a cycle nothing can break. */
export function planInserts(schema: DbSchema, tables: string[]): InsertPlan {
  const set = new Set(tables);
  const fks = schema.foreignKeys.filter((fk) => set.has(fk.child) && set.has(fk.parent));
  const edges = new Map<string, string[]>();
  for (const fk of fks) {
    let l = edges.get(fk.child);
    if (!l) edges.set(fk.child, (l = []));
    l.push(fk.parent);
  }
  const comp = stronglyConnected(tables, edges);
  const deferred: ForeignKey[] = [];
  const nullThenUpdate: ForeignKey[] = [];
  const hard: ForeignKey[] = [];
  for (const fk of fks) {
    const cyclic = comp.get(fk.child) === comp.get(fk.parent);
    if (!cyclic) hard.push(fk);
    else if (fk.deferrable) deferred.push(fk);
    else {
      const child = schema.tables.get(fk.child)!;
      const notNull = fk.childColumns.filter((c) => child.columns.find((x) => x.name === c)?.notNull);
      if (notNull.length === 0 && child.primaryKey.length > 0) nullThenUpdate.push(fk);
      else hard.push(fk);
    }
  }
  // Kahn over the edges that must hold at each statement: parent before child
  const waiting = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const fk of hard) if (fk.child !== fk.parent) waiting.get(fk.child)!.add(fk.parent);
  const selfHard = hard.find((fk) => fk.child === fk.parent);
  const order: string[] = [];
  const left = new Set(tables);
  while (left.size) {
    const ready = tables.filter((t) => left.has(t) && [...waiting.get(t)!].every((p) => !left.has(p)));
    if (ready.length === 0 || selfHard) {
      const stuck = selfHard ? [selfHard] : hard.filter((fk) => left.has(fk.child) && left.has(fk.parent));
      throw new InputError(
        `the target's foreign keys ${stuck.map((fk) => `${fk.name} (${fk.child} → ${fk.parent})`).join(', ')} form a cycle that is neither DEFERRABLE nor on nullable columns of a table with a primary key: the copy cannot insert them in any order; make one DEFERRABLE`,
      );
    }
    for (const t of ready) {
      order.push(t);
      left.delete(t);
    }
  }
  return { order, deferred, nullThenUpdate };
}
