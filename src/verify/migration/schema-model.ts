/**
 * What the migration rules know of the schema: tables, their column types, indexes and NOT NULL
 * check constraints, built from the statements before the one being checked (a --schema file,
 * earlier files in the folder, earlier statements in the file). Pure.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { SqlStatement } from './sql-statements';

/** A column type as written: the last name part (`int4`, `varchar`) and its modifiers. */
export interface ColumnType {
  name: string;
  mods: number[];
  array: boolean;
}

interface TableInfo {
  columns: Map<string, ColumnType>;
  /** Names of CHECK (col IS NOT NULL) constraints → column and whether validated. */
  notNullChecks: Map<string, { column: string; valid: boolean }>;
}

/** A relation name as PostgreSQL's RangeVar gives it: `schema.table` unless in the default schema. */
export function relationName(rv: any): string {
  if (!rv) return '?';
  return rv.schemaname && rv.schemaname !== 'public' ? `${rv.schemaname}.${rv.relname}` : rv.relname;
}

export function columnType(tn: any): ColumnType {
  const names: string[] = (tn?.names ?? []).map((n: any) => n.String?.sval ?? '');
  const mods: number[] = (tn?.typmods ?? []).map((m: any) => Number(m.A_Const?.ival?.ival ?? 0));
  return { name: names[names.length - 1] ?? '?', mods, array: Array.isArray(tn?.arrayBounds) && tn.arrayBounds.length > 0 };
}

/** The column a `CHECK (col IS NOT NULL)` expression tests, if that is all it tests. */
export function notNullCheckColumn(expr: any): string | null {
  const t = expr?.NullTest;
  if (!t || t.nulltesttype !== 'IS_NOT_NULL') return null;
  const fields = t.arg?.ColumnRef?.fields;
  if (!Array.isArray(fields) || fields.length === 0) return null;
  return fields[fields.length - 1].String?.sval ?? null;
}

function dropNames(node: any): string[] {
  return (node.objects ?? []).map((o: any) => {
    const items = (o.List?.items ?? []).map((i: any) => i.String?.sval ?? '');
    return items.length > 1 && items[0] !== 'public' ? items.join('.') : items[items.length - 1];
  });
}

/** Names of the objects a DROP statement removes, as written. */
export function droppedNames(node: any): string[] {
  return dropNames(node);
}

export class SchemaModel {
  private readonly tables = new Map<string, TableInfo>();
  /** index name → table */
  private readonly indexes = new Map<string, string>();
  /** Relations created since beginFile(): nobody else uses them yet, so their locks block nobody. */
  private createdHere = new Set<string>();

  beginFile(): void {
    this.createdHere = new Set();
  }

  /** True when the relation existed before the current file (unknown relations count as existing). */
  existing(relation: string): boolean {
    return !this.createdHere.has(relation);
  }

  columnType(table: string, column: string): ColumnType | undefined {
    return this.tables.get(table)?.columns.get(column);
  }

  hasValidNotNullCheck(table: string, column: string): boolean {
    for (const c of this.tables.get(table)?.notNullChecks.values() ?? []) if (c.column === column && c.valid) return true;
    return false;
  }

  tableOfIndex(index: string): string | undefined {
    return this.indexes.get(index);
  }

  knownTables(): string[] {
    return [...this.tables.keys()];
  }

  private table(name: string): TableInfo {
    let t = this.tables.get(name);
    if (!t) {
      t = { columns: new Map(), notNullChecks: new Map() };
      this.tables.set(name, t);
    }
    return t;
  }

  private addCheck(table: string, con: any): void {
    const column = notNullCheckColumn(con.raw_expr);
    if (column && con.conname) this.table(table).notNullChecks.set(con.conname, { column, valid: !con.skip_validation });
  }

  /** Records what one statement does to the schema (after the rules have looked at it). */
  apply(s: SqlStatement): void {
    const n = s.node;
    switch (s.kind) {
      case 'CreateStmt': {
        const name = relationName(n.relation);
        this.tables.delete(name);
        const t = this.table(name);
        this.createdHere.add(name);
        for (const e of n.tableElts ?? []) {
          if (e.ColumnDef) t.columns.set(e.ColumnDef.colname, columnType(e.ColumnDef.typeName));
          if (e.Constraint?.contype === 'CONSTR_CHECK') this.addCheck(name, e.Constraint);
        }
        break;
      }
      case 'CreateTableAsStmt':
        this.createdHere.add(relationName(n.into?.rel));
        break;
      case 'IndexStmt':
        if (n.idxname) {
          this.indexes.set(n.idxname, relationName(n.relation));
          if (this.createdHere.has(relationName(n.relation))) this.createdHere.add(n.idxname);
        }
        break;
      case 'AlterTableStmt': {
        const name = relationName(n.relation);
        for (const c of n.cmds ?? []) {
          const cmd = c.AlterTableCmd;
          if (cmd.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef)
            this.table(name).columns.set(cmd.def.ColumnDef.colname, columnType(cmd.def.ColumnDef.typeName));
          else if (cmd.subtype === 'AT_AlterColumnType') this.table(name).columns.set(cmd.name, columnType(cmd.def?.ColumnDef?.typeName));
          else if (cmd.subtype === 'AT_DropColumn') this.tables.get(name)?.columns.delete(cmd.name);
          else if (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.contype === 'CONSTR_CHECK') this.addCheck(name, cmd.def.Constraint);
          else if (cmd.subtype === 'AT_ValidateConstraint') {
            const c2 = this.tables.get(name)?.notNullChecks.get(cmd.name);
            if (c2) c2.valid = true;
          } else if (cmd.subtype === 'AT_DropConstraint') this.tables.get(name)?.notNullChecks.delete(cmd.name);
        }
        break;
      }
      case 'RenameStmt': {
        const name = relationName(n.relation);
        if (n.renameType === 'OBJECT_TABLE') {
          const t = this.tables.get(name);
          this.tables.delete(name);
          if (t) this.tables.set(n.newname, t);
          if (this.createdHere.has(name)) this.createdHere.add(n.newname);
        } else if (n.renameType === 'OBJECT_COLUMN') {
          const cols = this.tables.get(name)?.columns;
          const ty = cols?.get(n.subname);
          if (cols && ty) {
            cols.delete(n.subname);
            cols.set(n.newname, ty);
          }
        }
        break;
      }
      case 'DropStmt':
        for (const name of dropNames(n)) {
          if (n.removeType === 'OBJECT_TABLE') this.tables.delete(name);
          if (n.removeType === 'OBJECT_INDEX') this.indexes.delete(name);
        }
        break;
      default:
        break;
    }
  }
}
