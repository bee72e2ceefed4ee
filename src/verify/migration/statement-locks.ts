/**
 * The table locks a statement takes, per relation, as PostgreSQL's documentation states them
 * (ALTER TABLE takes the strongest lock any of its subcommands needs). Pure.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { LOCK_MODES, strongest, type LockMode } from './lock-modes';
import { droppedNames, relationName, type SchemaModel } from './schema-model';
import type { SqlStatement } from './sql-statements';

export interface RelationLock {
  relation: string;
  mode: LockMode;
}

/** ALTER TABLE subcommands that need less than ACCESS EXCLUSIVE on the table. */
const ALTER_WEAKER: Record<string, LockMode> = {
  AT_ValidateConstraint: 'ShareUpdateExclusiveLock',
  AT_SetStatistics: 'ShareUpdateExclusiveLock',
  AT_ClusterOn: 'ShareUpdateExclusiveLock',
  AT_DropCluster: 'ShareUpdateExclusiveLock',
  AT_SetRelOptions: 'ShareUpdateExclusiveLock',
  AT_ResetRelOptions: 'ShareUpdateExclusiveLock',
  AT_AttachPartition: 'ShareUpdateExclusiveLock',
  AT_EnableTrig: 'ShareRowExclusiveLock',
  AT_DisableTrig: 'ShareRowExclusiveLock',
};

const LOCK_STMT_MODES: LockMode[] = [...LOCK_MODES]; // LOCK TABLE … IN mode: 1..8 in this order

function add(out: RelationLock[], relation: string, mode: LockMode): void {
  const prev = out.find((l) => l.relation === relation);
  if (prev) prev.mode = strongest(prev.mode, mode) as LockMode;
  else out.push({ relation, mode });
}

function hasOption(options: any[] | undefined, name: string): boolean {
  return (options ?? []).some(
    (o: any) => o.DefElem?.defname === name && o.DefElem?.arg?.Boolean?.boolval !== false && o.DefElem?.arg?.String?.sval !== 'false',
  );
}

/** The locks one statement takes; `model` maps an index to its table for DROP INDEX. */
export function statementLocks(s: SqlStatement, model: SchemaModel): RelationLock[] {
  const n = s.node;
  const out: RelationLock[] = [];
  switch (s.kind) {
    case 'IndexStmt':
      add(out, relationName(n.relation), n.concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock');
      break;
    case 'AlterTableStmt': {
      const table = relationName(n.relation);
      let mode: LockMode | null = null;
      for (const c of n.cmds ?? []) {
        const cmd = c.AlterTableCmd;
        const con = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
        if (con?.contype === 'CONSTR_FOREIGN') {
          mode = strongest(mode, 'ShareRowExclusiveLock');
          add(out, relationName(con.pktable), 'ShareRowExclusiveLock');
        } else mode = strongest(mode, ALTER_WEAKER[cmd.subtype] ?? 'AccessExclusiveLock');
      }
      if (mode) out.unshift({ relation: table, mode });
      // the table itself first, merged with a self-reference
      const dup = out.findIndex((l, i) => i > 0 && l.relation === table);
      if (dup > 0) {
        out[0].mode = strongest(out[0].mode, out[dup].mode) as LockMode;
        out.splice(dup, 1);
      }
      break;
    }
    case 'RenameStmt':
      if (n.relation) add(out, relationName(n.relation), 'AccessExclusiveLock');
      break;
    case 'DropStmt': {
      const relKinds = ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE'];
      for (const name of droppedNames(n)) {
        if (n.removeType === 'OBJECT_INDEX') add(out, model.tableOfIndex(name) ?? name, n.concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock');
        else if (relKinds.includes(n.removeType)) add(out, name, 'AccessExclusiveLock');
      }
      break;
    }
    case 'VacuumStmt': {
      const full = hasOption(n.options, 'full');
      for (const r of n.rels ?? []) add(out, relationName(r.VacuumRelation?.relation), full ? 'AccessExclusiveLock' : 'ShareUpdateExclusiveLock');
      if ((n.rels ?? []).length === 0 && full) for (const t of model.knownTables()) add(out, t, 'AccessExclusiveLock');
      break;
    }
    case 'ClusterStmt':
      if (n.relation) add(out, relationName(n.relation), 'AccessExclusiveLock');
      else for (const t of model.knownTables()) add(out, t, 'AccessExclusiveLock');
      break;
    case 'CreateStmt':
      for (const e of n.tableElts ?? []) {
        const cons = [...(e.Constraint ? [e.Constraint] : []), ...(e.ColumnDef?.constraints ?? []).map((c: any) => c.Constraint)];
        for (const con of cons) if (con?.contype === 'CONSTR_FOREIGN') add(out, relationName(con.pktable), 'ShareRowExclusiveLock');
      }
      break;
    case 'CreateTrigStmt':
      add(out, relationName(n.relation), 'ShareRowExclusiveLock');
      break;
    case 'TruncateStmt':
      for (const r of n.relations ?? []) add(out, relationName(r.RangeVar), 'AccessExclusiveLock');
      break;
    case 'ReindexStmt':
      if (n.relation) add(out, relationName(n.relation), hasOption(n.params, 'concurrently') ? 'ShareUpdateExclusiveLock' : 'ShareLock');
      break;
    case 'RefreshMatViewStmt':
      add(out, relationName(n.relation), n.concurrent ? 'ExclusiveLock' : 'AccessExclusiveLock');
      break;
    case 'LockStmt':
      for (const r of n.relations ?? []) add(out, relationName(r.RangeVar), LOCK_STMT_MODES[(n.mode ?? 8) - 1] ?? 'AccessExclusiveLock');
      break;
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      add(out, relationName(n.relation), 'RowExclusiveLock');
      break;
    default:
      break;
  }
  return out;
}
