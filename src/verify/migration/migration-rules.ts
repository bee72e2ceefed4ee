/**
 * The static migration rules: parsed statements in, findings out. Pure (no I/O); table-tested in
 * migration-rules.test.ts and, through the CLI, on the corpus under testdata/.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { blocksOf, blocksTraffic, lockModeSql, type LockMode } from './lock-modes';
import { RULES, ruleDocs, type RuleId } from './rule-catalog';
import { columnType, droppedNames, relationName, type ColumnType, type SchemaModel } from './schema-model';
import type { Finding } from './finding';
import type { SqlStatement } from './sql-statements';
import { statementLocks, type RelationLock } from './statement-locks';

const oneLine = (text: string, max = 100): string => {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Functions that are not volatile: a default using only these is stored once, without a rewrite (PostgreSQL 11+). */
const NON_VOLATILE = new Set([
  'now',
  'statement_timestamp',
  'transaction_timestamp',
  'lower',
  'upper',
  'length',
  'concat',
  'concat_ws',
  'to_char',
  'to_json',
  'to_jsonb',
  'json_build_object',
  'jsonb_build_object',
  'json_build_array',
  'jsonb_build_array',
  'abs',
  'round',
  'floor',
  'ceil',
  'make_date',
  'make_interval',
  'md5',
  'substr',
  'substring',
  'replace',
  'btrim',
  'ltrim',
  'rtrim',
  'date_trunc',
  'date_part',
  'timezone',
  'to_timestamp',
  'to_date',
  'array_fill',
  'int4',
  'int8',
  'text',
  'numeric',
  'current_setting',
]);

/** The first volatile function call in an expression, or null. Unknown functions count as volatile, PostgreSQL's default. */
export function volatileCall(expr: any): string | null {
  if (expr === null || typeof expr !== 'object') return null;
  if (Array.isArray(expr)) {
    for (const e of expr) {
      const v = volatileCall(e);
      if (v) return v;
    }
    return null;
  }
  if (expr.FuncCall) {
    const names: string[] = (expr.FuncCall.funcname ?? []).map((n: any) => n.String?.sval ?? '');
    const name = names[names.length - 1];
    if (!NON_VOLATILE.has(name)) return `${name}()`;
  }
  for (const v of Object.values(expr)) {
    const found = volatileCall(v);
    if (found) return found;
  }
  return null;
}

const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** True when changing `from` to `to` needs neither a rewrite nor a scan (binary-coercible, wider or equal). */
export function typeChangeIsFree(from: ColumnType | undefined, to: ColumnType): boolean {
  if (!from || from.array !== to.array) return false;
  const strings = ['varchar', 'text'];
  if (from.name === to.name && JSON.stringify(from.mods) === JSON.stringify(to.mods)) return true;
  if (strings.includes(from.name) && to.name === 'text') return true;
  if (from.name === 'varchar' && to.name === 'varchar') return to.mods.length === 0 || (from.mods.length > 0 && to.mods[0] >= from.mods[0]);
  if (from.name === 'text' && to.name === 'varchar') return to.mods.length === 0;
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.mods.length === 0) return true;
    if (from.mods.length === 0) return false;
    return to.mods[0] >= from.mods[0] && (to.mods[1] ?? 0) === (from.mods[1] ?? 0);
  }
  if (from.name === 'varbit' && to.name === 'varbit') return to.mods.length === 0 || (from.mods.length > 0 && to.mods[0] >= from.mods[0]);
  return from.name === 'cidr' && to.name === 'inet';
}

const typeText = (t: ColumnType | undefined): string => (t ? `${t.name}${t.mods.length ? `(${t.mods.join(',')})` : ''}${t.array ? '[]' : ''}` : 'unknown');

interface TxnLock {
  line: number;
  lock: RelationLock;
}

/** State carried from statement to statement within one file. */
interface FileState {
  inTransaction: boolean;
  /** lock_timeout or statement_timeout set for the session, or (LOCAL) for the current transaction. */
  sessionTimeout: boolean;
  localTimeout: boolean;
  /** Traffic-blocking locks taken so far in the current explicit transaction. */
  txnLocks: TxnLock[];
  txnReported: boolean;
  timeoutReported: boolean;
}

const TIMEOUTS = new Set(['lock_timeout', 'statement_timeout']);

function timeoutValueSet(n: any): boolean {
  if (n.kind !== 'VAR_SET_VALUE') return false;
  const a = n.args?.[0]?.A_Const;
  if (!a) return true;
  if (a.ival !== undefined) return Number(a.ival.ival ?? 0) !== 0;
  if (a.sval !== undefined) return !/^0+\s*(ms|s|min|h|d)?$/i.test(String(a.sval.sval ?? '').trim());
  return true;
}

/** Applies BEGIN/COMMIT/SET to the state; returns true when the statement was one of those. */
function track(s: SqlStatement, st: FileState): void {
  const n = s.node;
  if (s.kind === 'TransactionStmt') {
    if (n.kind === 'TRANS_STMT_BEGIN' || n.kind === 'TRANS_STMT_START') {
      st.inTransaction = true;
      st.txnLocks = [];
      st.txnReported = false;
    } else if (['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_COMMIT_PREPARED', 'TRANS_STMT_PREPARE'].includes(n.kind)) {
      st.inTransaction = false;
      st.localTimeout = false;
      st.txnLocks = [];
    }
  } else if (s.kind === 'VariableSetStmt' && TIMEOUTS.has(n.name)) {
    const set = timeoutValueSet(n);
    // SET LOCAL outside a transaction block has no effect (PostgreSQL warns and ignores it)
    if (n.is_local) st.localTimeout = st.inTransaction && set;
    else st.sessionTimeout = set;
  }
}

type Emit = (rule: RuleId, f: { relation?: string | null; lockMode?: LockMode | null; message: string; safeRewrite: string; irreversible?: boolean }) => void;

/** The rules about one statement's own content (not about what came before it in the transaction). */
function statementRules(s: SqlStatement, model: SchemaModel, inTransaction: boolean, emit: Emit): void {
  const n = s.node;
  const existing = (rel: string) => model.existing(rel);
  switch (s.kind) {
    case 'IndexStmt': {
      const rel = relationName(n.relation);
      if (!n.concurrent && existing(rel))
        emit('index-without-concurrently', {
          relation: rel,
          lockMode: 'ShareLock',
          message: `CREATE INDEX takes SHARE on ${rel} while it builds: every INSERT, UPDATE and DELETE waits until the index is built`,
          safeRewrite: `CREATE ${n.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY ${n.idxname ?? '…'} ON ${rel} (…); outside a transaction block`,
        });
      if (n.concurrent && inTransaction)
        emit('concurrently-in-transaction', {
          relation: rel,
          lockMode: 'ShareUpdateExclusiveLock',
          message: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block: PostgreSQL refuses it and the migration fails half-way',
          safeRewrite: 'run CREATE INDEX CONCURRENTLY on its own, outside BEGIN … COMMIT (and tell the migration tool not to wrap this file in a transaction)',
        });
      break;
    }
    case 'DropStmt': {
      const names = droppedNames(n);
      if (n.removeType === 'OBJECT_INDEX') {
        for (const name of names) {
          const rel = model.tableOfIndex(name) ?? name;
          if (!n.concurrent && existing(rel))
            emit('index-without-concurrently', {
              relation: rel,
              lockMode: 'AccessExclusiveLock',
              message: `DROP INDEX takes ACCESS EXCLUSIVE on ${rel}: reads and writes wait`,
              safeRewrite: `DROP INDEX CONCURRENTLY ${name}; outside a transaction block`,
            });
          if (n.concurrent && inTransaction)
            emit('concurrently-in-transaction', {
              relation: rel,
              lockMode: 'ShareUpdateExclusiveLock',
              message: 'DROP INDEX CONCURRENTLY cannot run inside a transaction block',
              safeRewrite: 'run DROP INDEX CONCURRENTLY on its own, outside BEGIN … COMMIT',
            });
        }
      }
      const isTable = n.removeType === 'OBJECT_TABLE';
      for (const name of names) {
        const rel = n.removeType === 'OBJECT_INDEX' ? (model.tableOfIndex(name) ?? name) : name;
        // objects created earlier in this file hold no data anyone relies on yet
        if (!existing(name) || !existing(rel)) continue;
        if (isTable)
          emit('drop-column-or-table', {
            relation: name,
            lockMode: 'AccessExclusiveLock',
            message: `DROP TABLE ${name}: the running version still reads it, and rolling back the deploy cannot bring it back`,
            safeRewrite: `stop reading and writing ${name} in a release first; drop it in a later migration once no running version uses it`,
          });
        emit('irreversible-drop', {
          relation: isTable || n.removeType === 'OBJECT_INDEX' ? rel : null,
          lockMode: isTable || n.removeType === 'OBJECT_INDEX' ? (n.concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock') : null,
          message: `DROP ${String(n.removeType).replace('OBJECT_', '')} ${name} cannot be undone by a rollback: the change is irreversible and needs two approvers`,
          safeRewrite: 'keep a backup or a way to recreate it; drop only after the release that stopped using it has run long enough',
          irreversible: true,
        });
      }
      break;
    }
    case 'DropdbStmt':
      emit('irreversible-drop', {
        message: `DROP DATABASE ${n.dbname}: irreversible`,
        safeRewrite: 'do not drop databases from a migration',
        irreversible: true,
      });
      break;
    case 'RenameStmt': {
      const rel = relationName(n.relation);
      if (!existing(rel)) break;
      if (n.renameType === 'OBJECT_COLUMN')
        emit('rename-column-or-table', {
          relation: rel,
          lockMode: 'AccessExclusiveLock',
          message: `renaming ${rel}.${n.subname} to ${n.newname} breaks the running version, which still uses the old name; a rollback finds the new one`,
          safeRewrite: `add ${n.newname}, write both columns from the application, backfill, switch reads, then drop ${n.subname} in a later release`,
        });
      else if (n.renameType === 'OBJECT_TABLE')
        emit('rename-column-or-table', {
          relation: rel,
          lockMode: 'AccessExclusiveLock',
          message: `renaming table ${rel} to ${n.newname} breaks the running version, which still uses the old name`,
          safeRewrite: `rename, then CREATE VIEW ${rel} AS SELECT * FROM ${n.newname} in the same transaction until no running version uses the old name`,
        });
      break;
    }
    case 'VacuumStmt':
    case 'ClusterStmt': {
      const locks = statementLocks(s, model).filter((l) => l.mode === 'AccessExclusiveLock');
      for (const l of locks)
        emit('table-rewrite-command', {
          relation: l.relation,
          lockMode: 'AccessExclusiveLock',
          message: `${s.kind === 'VacuumStmt' ? 'VACUUM FULL' : 'CLUSTER'} rewrites ${l.relation} under ACCESS EXCLUSIVE: reads and writes wait for the whole copy`,
          safeRewrite: 'plain VACUUM (or pg_repack / pg_squeeze, which rebuild online); never from a migration',
        });
      break;
    }
    case 'AlterTableStmt':
      alterTableRules(s, model, emit);
      break;
    default:
      break;
  }
}

function alterTableRules(s: SqlStatement, model: SchemaModel, emit: Emit): void {
  const n = s.node;
  const rel = relationName(n.relation);
  if (!model.existing(rel)) return;
  for (const c of n.cmds ?? []) {
    const cmd = c.AlterTableCmd;
    const con = cmd.def?.Constraint;
    switch (cmd.subtype) {
      case 'AT_AddConstraint':
        if ((con.contype === 'CONSTR_FOREIGN' || con.contype === 'CONSTR_CHECK') && !con.skip_validation) {
          const fk = con.contype === 'CONSTR_FOREIGN';
          emit('constraint-without-not-valid', {
            relation: rel,
            lockMode: fk ? 'ShareRowExclusiveLock' : 'AccessExclusiveLock',
            message: fk
              ? `ADD FOREIGN KEY scans ${rel} under SHARE ROW EXCLUSIVE on it and on ${relationName(con.pktable)}: writes to both wait for the whole scan`
              : `ADD CHECK scans ${rel} under ACCESS EXCLUSIVE: reads and writes wait for the whole scan`,
            safeRewrite: `ALTER TABLE ${rel} ADD CONSTRAINT ${con.conname ?? '…'} … NOT VALID; then, in its own transaction, ALTER TABLE ${rel} VALIDATE CONSTRAINT ${con.conname ?? '…'}; (SHARE UPDATE EXCLUSIVE: traffic flows)`,
          });
        }
        if ((con.contype === 'CONSTR_PRIMARY' || con.contype === 'CONSTR_UNIQUE') && !con.indexname)
          emit('constraint-without-index', {
            relation: rel,
            lockMode: 'AccessExclusiveLock',
            message: `ADD ${con.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE'} builds its index under ACCESS EXCLUSIVE on ${rel}: reads and writes wait for the build`,
            safeRewrite: `CREATE UNIQUE INDEX CONCURRENTLY ${con.conname ?? rel + '_key'}_idx ON ${rel} (…); then ALTER TABLE ${rel} ADD CONSTRAINT ${con.conname ?? '…'} ${con.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX …_idx;`,
          });
        break;
      case 'AT_SetNotNull':
        if (!model.hasValidNotNullCheck(rel, cmd.name))
          emit('set-not-null-without-check', {
            relation: rel,
            lockMode: 'AccessExclusiveLock',
            message: `SET NOT NULL on ${rel}.${cmd.name} scans the whole table under ACCESS EXCLUSIVE: reads and writes wait`,
            safeRewrite: `ALTER TABLE ${rel} ADD CONSTRAINT ${cmd.name}_not_null CHECK (${cmd.name} IS NOT NULL) NOT VALID; ALTER TABLE ${rel} VALIDATE CONSTRAINT ${cmd.name}_not_null; then SET NOT NULL (no scan, PostgreSQL 12+) and drop the check`,
          });
        break;
      case 'AT_AlterColumnType': {
        const to = columnType(cmd.def?.ColumnDef?.typeName);
        const from = model.columnType(rel, cmd.name);
        const using = cmd.def?.ColumnDef?.raw_default !== undefined;
        if (using || !typeChangeIsFree(from, to))
          emit('column-type-rewrite', {
            relation: rel,
            lockMode: 'AccessExclusiveLock',
            message: `changing ${rel}.${cmd.name} from ${typeText(from)} to ${typeText(to)}${using ? ' with USING' : ''} rewrites the table and its indexes under ACCESS EXCLUSIVE: reads and writes wait`,
            safeRewrite: `add a new column of type ${typeText(to)}, write both from the application, backfill in batches, switch reads, drop the old column later (widening varchar/numeric or varchar→text needs no rewrite)`,
          });
        break;
      }
      case 'AT_AddColumn': {
        const def = cmd.def?.ColumnDef;
        const cons: any[] = (def?.constraints ?? []).map((x: any) => x.Constraint);
        const dflt = cons.find((x) => x.contype === 'CONSTR_DEFAULT');
        const volatile = dflt ? volatileCall(dflt.raw_expr) : null;
        const serial = SERIAL.has(columnType(def?.typeName).name);
        const generated = cons.find((x) => x.contype === 'CONSTR_IDENTITY' || x.contype === 'CONSTR_GENERATED');
        if (volatile || serial || generated) {
          const why = volatile
            ? `a volatile default (${volatile})`
            : serial
              ? `a serial type (nextval() default)`
              : generated.contype === 'CONSTR_IDENTITY'
                ? 'an identity'
                : 'a stored generated value';
          emit('volatile-default', {
            relation: rel,
            lockMode: 'AccessExclusiveLock',
            message: `adding ${rel}.${def.colname} with ${why} rewrites every row under ACCESS EXCLUSIVE: reads and writes wait`,
            safeRewrite: `ADD COLUMN ${def.colname} without a default (or with a constant one); SET DEFAULT for new rows; backfill existing rows in batches`,
          });
        }
        if (cons.some((x) => x.contype === 'CONSTR_NOTNULL' || x.contype === 'CONSTR_PRIMARY') && !dflt && !serial && !generated)
          emit('required-column-without-default', {
            relation: rel,
            lockMode: 'AccessExclusiveLock',
            message: `adding ${rel}.${def.colname} NOT NULL without a default fails on a table that has rows ("column contains null values"), and once added, the running version's INSERTs that do not name it fail`,
            safeRewrite: `ADD COLUMN ${def.colname} without NOT NULL (or with a constant DEFAULT, which needs no rewrite); deploy the version that writes it; backfill in batches; then the validated CHECK (${def.colname} IS NOT NULL) and SET NOT NULL`,
          });
        if (cons.some((x) => x.contype === 'CONSTR_PRIMARY' || x.contype === 'CONSTR_UNIQUE'))
          emit('constraint-without-index', {
            relation: rel,
            lockMode: 'AccessExclusiveLock',
            message: `ADD COLUMN … ${cons.some((x) => x.contype === 'CONSTR_PRIMARY') ? 'PRIMARY KEY' : 'UNIQUE'} builds an index under ACCESS EXCLUSIVE on ${rel}`,
            safeRewrite: 'add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX',
          });
        break;
      }
      case 'AT_DropColumn':
        emit('drop-column-or-table', {
          relation: rel,
          lockMode: 'AccessExclusiveLock',
          message: `dropping ${rel}.${cmd.name}: the running version still reads or writes it and fails; rolling back the deploy cannot bring the data back`,
          safeRewrite: `release code that no longer uses ${cmd.name} first (ignore it in the ORM), then drop it in a later migration`,
        });
        emit('irreversible-drop', {
          relation: rel,
          lockMode: 'AccessExclusiveLock',
          message: `DROP COLUMN ${rel}.${cmd.name} deletes its data: the change is irreversible and needs two approvers`,
          safeRewrite: 'back the column up (or copy it to an archive table) before dropping it',
          irreversible: true,
        });
        break;
      case 'AT_DropConstraint':
        emit('irreversible-drop', {
          relation: rel,
          lockMode: 'AccessExclusiveLock',
          message: `DROP CONSTRAINT ${cmd.name} on ${rel}: rows written while it is gone may not satisfy it when it is re-added`,
          safeRewrite: 'keep the constraint until no running version needs it to be absent',
          irreversible: true,
        });
        break;
      default:
        break;
    }
  }
}

/**
 * Checks one file's statements. `model` holds the schema before the file and is updated as the
 * statements are read, so that the next file sees their effect. With `inTransaction`, the file
 * runs inside one transaction (what Flyway, Rails and node-pg-migrate do by default).
 */
export function checkStatements(statements: SqlStatement[], model: SchemaModel, options: { inTransaction?: boolean } = {}): Finding[] {
  model.beginFile();
  // inTransaction: the migration tool wraps the whole file in one transaction
  const st: FileState = {
    inTransaction: options.inTransaction ?? false,
    sessionTimeout: false,
    localTimeout: false,
    txnLocks: [],
    txnReported: false,
    timeoutReported: false,
  };
  const findings: Finding[] = [];
  for (const s of statements) {
    const emit: Emit = (rule, f) => {
      const allowed = s.allow[rule];
      findings.push({
        rule,
        severity: RULES[rule].severity,
        file: s.file,
        line: s.line,
        column: s.column,
        statement: oneLine(s.text),
        relation: f.relation ?? null,
        lockMode: f.lockMode ?? null,
        blocks: f.lockMode ? blocksOf(f.lockMode) : 'nothing',
        message: f.message,
        safeRewrite: f.safeRewrite,
        docs: ruleDocs(rule),
        irreversible: f.irreversible ?? false,
        allowed: allowed === undefined ? null : allowed || 'allowed',
      });
    };
    statementRules(s, model, st.inTransaction, emit);
    const blocking = statementLocks(s, model).filter((l) => blocksTraffic(l.mode) && model.existing(l.relation));
    if (blocking.length > 0) {
      if (!st.sessionTimeout && !st.localTimeout && !st.timeoutReported) {
        st.timeoutReported = true;
        const l = blocking[0];
        emit('missing-lock-timeout', {
          relation: l.relation,
          lockMode: l.mode,
          message: `no lock_timeout (or statement_timeout) is set: if ${l.relation} is busy, this statement queues for ${lockModeSql(l.mode)} and every query behind it waits too, for as long as it takes`,
          safeRewrite: "SET lock_timeout = '2s'; at the top of the migration (and retry on timeout); SET statement_timeout for long statements",
        });
      }
      if (st.inTransaction) {
        if (st.txnLocks.length > 0 && !st.txnReported) {
          st.txnReported = true;
          const held = st.txnLocks.map((t) => `${lockModeSql(t.lock.mode)} on ${t.lock.relation} (line ${t.line})`).join(', ');
          emit('locks-held-in-transaction', {
            relation: blocking[0].relation,
            lockMode: blocking[0].mode,
            message: `${held} stay${st.txnLocks.length === 1 ? 's' : ''} held while this statement runs, until COMMIT: traffic waits for every statement of the transaction, not just one`,
            safeRewrite: 'one lock-taking statement per transaction: split the transaction, or commit between the statements',
          });
        }
        for (const lock of blocking) st.txnLocks.push({ line: s.line, lock });
      }
    }
    track(s, st);
    model.apply(s);
  }
  return findings;
}
