import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { blocksOf, conflicts, lockModeSql, LOCK_MODES } from './lock-modes';
import { checkStatements, typeChangeIsFree, volatileCall } from './migration-rules';
import { SchemaModel } from './schema-model';
import { loadSqlParser, parseMigration } from './sql-statements';
import { statementLocks } from './statement-locks';
import { blockedPerStatement, stalls } from './trace/blocking-attribution';
import type { WorkloadQuery } from './trace/workload';

const SCHEMA = `CREATE TABLE t (id bigint PRIMARY KEY, a int, v varchar(10), n numeric(8,2), s text);
CREATE TABLE u (id bigint PRIMARY KEY);
CREATE INDEX t_a ON t (a);`;
const TO = "SET lock_timeout = '1s';\n";

function check(sql: string) {
  const model = new SchemaModel();
  model.beginFile();
  for (const s of parseMigration(SCHEMA, 'schema.sql')) model.apply(s);
  return checkStatements(parseMigration(sql, 'm.sql'), model);
}

before(loadSqlParser);

describe('migration rules (table)', () => {
  const rows: [string, string, string[]][] = [
    ['plain CREATE INDEX', TO + 'CREATE INDEX t_s ON t (s);', ['index-without-concurrently']],
    ['CREATE INDEX CONCURRENTLY', TO + 'CREATE INDEX CONCURRENTLY t_s ON t (s);', []],
    ['CONCURRENTLY in BEGIN', TO + 'BEGIN; CREATE INDEX CONCURRENTLY t_s ON t (s); COMMIT;', ['concurrently-in-transaction']],
    [
      'DROP INDEX CONCURRENTLY in START TRANSACTION',
      TO + 'START TRANSACTION; DROP INDEX CONCURRENTLY t_a; END;',
      ['concurrently-in-transaction', 'irreversible-drop'],
    ],
    ['index on a table created in the file', 'CREATE TABLE w (id int); CREATE INDEX w_id ON w (id);', []],
    ['FK without NOT VALID', TO + 'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id);', ['constraint-without-not-valid']],
    ['FK NOT VALID + VALIDATE', TO + 'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT f;', []],
    ['CHECK without NOT VALID', TO + 'ALTER TABLE t ADD CHECK (a > 0);', ['constraint-without-not-valid']],
    ['SET NOT NULL bare', TO + 'ALTER TABLE t ALTER COLUMN a SET NOT NULL;', ['set-not-null-without-check']],
    [
      'SET NOT NULL after a NOT VALID check (not validated)',
      TO + 'ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID; ALTER TABLE t ALTER COLUMN a SET NOT NULL;',
      ['set-not-null-without-check'],
    ],
    [
      'SET NOT NULL after a validated check',
      TO + 'ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT c; ALTER TABLE t ALTER COLUMN a SET NOT NULL;',
      [],
    ],
    ['int → bigint', TO + 'ALTER TABLE t ALTER COLUMN a TYPE bigint;', ['column-type-rewrite']],
    ['varchar widen', TO + 'ALTER TABLE t ALTER COLUMN v TYPE varchar(20);', []],
    ['varchar → text', TO + 'ALTER TABLE t ALTER COLUMN v TYPE text;', []],
    ['numeric precision up', TO + 'ALTER TABLE t ALTER COLUMN n TYPE numeric(12,2);', []],
    ['numeric scale change', TO + 'ALTER TABLE t ALTER COLUMN n TYPE numeric(12,4);', ['column-type-rewrite']],
    ['USING always rewrites', TO + "ALTER TABLE t ALTER COLUMN v TYPE text USING v || '';", ['column-type-rewrite']],
    ['unknown column type', TO + 'ALTER TABLE t ALTER COLUMN zz TYPE text;', ['column-type-rewrite']],
    ['volatile default', TO + 'ALTER TABLE t ADD COLUMN r float DEFAULT random();', ['volatile-default']],
    ['volatile inside an expression', TO + "ALTER TABLE t ADD COLUMN r text DEFAULT 'x' || clock_timestamp()::text;", ['volatile-default']],
    ['stable now() default', TO + 'ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();', []],
    ['CURRENT_TIMESTAMP default', TO + 'ALTER TABLE t ADD COLUMN c timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP;', []],
    ['identity column', TO + 'ALTER TABLE t ADD COLUMN k bigint GENERATED ALWAYS AS IDENTITY;', ['volatile-default']],
    ['ADD PRIMARY KEY', TO + 'ALTER TABLE u DROP CONSTRAINT u_pkey, ADD PRIMARY KEY (id);', ['constraint-without-index', 'irreversible-drop']],
    ['ADD UNIQUE USING INDEX', TO + 'ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX t_a;', []],
    ['ADD COLUMN UNIQUE', TO + 'ALTER TABLE t ADD COLUMN e text UNIQUE;', ['constraint-without-index']],
    ['VACUUM FULL', TO + 'VACUUM (FULL, VERBOSE) t;', ['table-rewrite-command']],
    ['VACUUM (FULL false)', TO + 'VACUUM (FULL false) t;', []],
    ['CLUSTER', TO + 'CLUSTER t USING t_pkey;', ['table-rewrite-command']],
    ['RENAME COLUMN', TO + 'ALTER TABLE t RENAME COLUMN a TO b;', ['rename-column-or-table']],
    ['RENAME a table created here', 'CREATE TABLE w (id int); ALTER TABLE w RENAME TO w2;', []],
    ['DROP COLUMN', TO + 'ALTER TABLE t DROP COLUMN s;', ['drop-column-or-table', 'irreversible-drop']],
    ['DROP TABLE', TO + 'DROP TABLE IF EXISTS u;', ['drop-column-or-table', 'irreversible-drop']],
    ['DROP FUNCTION', 'DROP FUNCTION f(int);', ['irreversible-drop']],
    ['no lock_timeout', 'ALTER TABLE t ADD COLUMN z int;', ['missing-lock-timeout']],
    ['statement_timeout counts', "SET statement_timeout = '5s'; ALTER TABLE t ADD COLUMN z int;", []],
    ['timeout reset', TO + 'RESET lock_timeout; ALTER TABLE t ADD COLUMN z int;', ['missing-lock-timeout']],
    [
      'SET LOCAL ends with the transaction',
      "BEGIN; SET LOCAL lock_timeout = '1s'; ALTER TABLE t ADD COLUMN y int; COMMIT; ALTER TABLE t ADD COLUMN z int;",
      ['missing-lock-timeout'],
    ],
    ['DML needs no timeout', 'UPDATE t SET a = 1 WHERE id = 1;', []],
    ['two locks in a transaction', TO + 'BEGIN; ALTER TABLE t ADD COLUMN y int; LOCK TABLE u IN SHARE MODE; COMMIT;', ['locks-held-in-transaction']],
    [
      'one lock and new tables in a transaction',
      TO + 'BEGIN; CREATE TABLE w (id int); ALTER TABLE t ADD COLUMN y int; CREATE INDEX w_i ON w (id); COMMIT;',
      [],
    ],
    [
      'allow comment keeps the finding, marked allowed',
      TO + '-- shipgate:allow rename-column-or-table: nothing reads a\nALTER TABLE t RENAME COLUMN a TO b;',
      ['rename-column-or-table'],
    ],
  ];
  for (const [name, sql, want] of rows) {
    test(name, () => assert.deepEqual([...new Set(check(sql).map((f) => f.rule))].sort(), want.sort()));
  }

  test('findings carry the statement position, lock, what it blocks and the allowance', () => {
    const [f] = check(TO + '-- shipgate:allow rename-column-or-table: nothing reads a\n  ALTER TABLE t RENAME COLUMN a TO b;');
    assert.deepEqual(
      [f.line, f.column, f.lockMode, f.blocks, f.relation, f.allowed],
      [3, 3, 'AccessExclusiveLock', 'reads and writes', 't', 'nothing reads a'],
    );
    const [fk] = check(TO + 'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id);');
    assert.deepEqual([fk.lockMode, fk.blocks], ['ShareRowExclusiveLock', 'writes']);
    const held = check(TO + 'BEGIN;\nALTER TABLE t ADD COLUMN y int;\nALTER TABLE u ADD COLUMN y int;\nCOMMIT;').find(
      (x) => x.rule === 'locks-held-in-transaction',
    )!;
    assert.equal(held.line, 4);
    assert.match(held.message, /ACCESS EXCLUSIVE on t \(line 3\)/);
  });

  test('statement locks: ALTER TABLE takes the strongest its subcommands need; FKs lock both tables', () => {
    const model = new SchemaModel();
    for (const s of parseMigration(SCHEMA, 'schema.sql')) model.apply(s);
    const locks = (sql: string) => statementLocks(parseMigration(sql, 'x.sql')[0], model);
    assert.deepEqual(locks('ALTER TABLE t VALIDATE CONSTRAINT c'), [{ relation: 't', mode: 'ShareUpdateExclusiveLock' }]);
    assert.deepEqual(locks('ALTER TABLE t VALIDATE CONSTRAINT c, ADD COLUMN q int'), [{ relation: 't', mode: 'AccessExclusiveLock' }]);
    assert.deepEqual(locks('ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id) NOT VALID'), [
      { relation: 't', mode: 'ShareRowExclusiveLock' },
      { relation: 'u', mode: 'ShareRowExclusiveLock' },
    ]);
    assert.deepEqual(locks('DROP INDEX t_a'), [{ relation: 't', mode: 'AccessExclusiveLock' }]);
    assert.deepEqual(locks('LOCK TABLE u IN ROW EXCLUSIVE MODE'), [{ relation: 'u', mode: 'RowExclusiveLock' }]);
    assert.deepEqual(locks('REINDEX (CONCURRENTLY) TABLE t'), [{ relation: 't', mode: 'ShareUpdateExclusiveLock' }]);
  });
});

describe('statement positions', () => {
  test('line and column of the first token, past comments (nested block comments too) and multibyte text', () => {
    const sql = "-- é\n/* a /* b */ c */ SELECT 'ü';\n\n\t-- shipgate:allow irreversible-drop: archived\n  DROP TABLE ü;";
    const st = parseMigration(sql, 'p.sql');
    assert.deepEqual(
      st.map((s) => [s.line, s.column, s.kind, s.text]),
      [
        [2, 19, 'SelectStmt', "SELECT 'ü'"],
        [5, 3, 'DropStmt', 'DROP TABLE ü'],
      ],
    );
    assert.deepEqual(st[1].allow, { 'irreversible-drop': 'archived' });
  });
  test('a syntax error after multibyte text names the right column', () => {
    assert.throws(
      () => parseMigration("SELECT 'ééé';\nSELECT 'ü' FROM WHERE;", 'e.sql'),
      (e: Error) => /^e\.sql:2:17: syntax error at or near "WHERE"/.test(e.message),
    );
  });
});

describe('lock modes (PostgreSQL table 13.2)', () => {
  test('conflicts are symmetric', () => {
    for (const a of LOCK_MODES) for (const b of LOCK_MODES) assert.equal(conflicts(a, b), conflicts(b, a), `${a} ${b}`);
  });
  const rows: [(typeof LOCK_MODES)[number], string][] = [
    ['AccessShareLock', 'nothing'],
    ['RowShareLock', 'nothing'],
    ['RowExclusiveLock', 'nothing'],
    ['ShareUpdateExclusiveLock', 'nothing'],
    ['ShareLock', 'writes'],
    ['ShareRowExclusiveLock', 'writes'],
    ['ExclusiveLock', 'writes'],
    ['AccessExclusiveLock', 'reads and writes'],
  ];
  for (const [mode, blocks] of rows) test(`${lockModeSql(mode)} blocks ${blocks}`, () => assert.equal(blocksOf(mode), blocks));
});

describe('type changes and volatility (pure)', () => {
  const ty = (name: string, mods: number[] = []) => ({ name, mods, array: false });
  const rows: [string, ReturnType<typeof ty> | undefined, ReturnType<typeof ty>, boolean][] = [
    ['varchar(10) → varchar(20)', ty('varchar', [10]), ty('varchar', [20]), true],
    ['varchar(20) → varchar(10)', ty('varchar', [20]), ty('varchar', [10]), false],
    ['varchar → varchar(10)', ty('varchar'), ty('varchar', [10]), false],
    ['text → varchar', ty('text'), ty('varchar'), true],
    ['numeric(8,2) → numeric', ty('numeric', [8, 2]), ty('numeric'), true],
    ['numeric → numeric(8,2)', ty('numeric'), ty('numeric', [8, 2]), false],
    ['int4 → int8', ty('int4'), ty('int8'), false],
    ['unknown → text', undefined, ty('text'), false],
  ];
  for (const [name, from, to, free] of rows) test(name, () => assert.equal(typeChangeIsFree(from, to), free));
  test('volatileCall finds the first volatile call, unknown functions included', () => {
    assert.equal(volatileCall({ FuncCall: { funcname: [{ String: { sval: 'now' } }] } }), null);
    assert.equal(
      volatileCall({
        A_Expr: { lexpr: { FuncCall: { funcname: [{ String: { sval: 'lower' } }], args: [{ FuncCall: { funcname: [{ String: { sval: 'my_fn' } }] } }] } } },
      }),
      'my_fn()',
    );
  });
});

describe('blocking attribution (pure)', () => {
  const q = (worker: number, table: string, start: number, end: number, blocked: boolean, kind: WorkloadQuery['kind'] = 'select'): WorkloadQuery => ({
    worker,
    kind,
    table,
    start,
    end,
    ok: !blocked,
    timedOut: false,
    blocked,
  });
  test('a stall per worker and table lasts until a query on that table gets through', () => {
    const qs = [q(0, 'a', 0, 10, false), q(0, 'a', 20, 120, true), q(0, 'b', 125, 130, false), q(0, 'a', 135, 235, true), q(0, 'a', 240, 245, false)];
    assert.deepEqual(
      stalls(qs).map((s) => [s.tables, s.start, s.end]),
      [[['a'], 20, 240]],
    );
  });
  test('a stall is charged to the statement whose lock conflicts, not to whichever ran then', () => {
    const windows = [
      { start: 0, unitEnd: 500, locks: [{ relation: 'a', mode: 'AccessExclusiveLock' as const }] },
      { start: 100, unitEnd: 500, locks: [{ relation: 'b', mode: 'ShareLock' as const }] },
    ];
    const qs = [q(0, 'b', 150, 400, true, 'update'), q(0, 'b', 410, 420, false, 'update'), q(1, 'b', 150, 160, false, 'select')];
    const r = blockedPerStatement(qs, windows);
    assert.deepEqual(
      r.map((x) => [x.blockedMs, x.kinds]),
      [
        [0, []],
        [260, ['update']],
      ],
    );
  });
});
