/**
 * The dynamic trace on the real PostgreSQL: on every corpus file it agrees with the static rules
 * (the locks they predict are the locks PostgreSQL grants, rewrites happen where they say, the
 * statement they say fails does fail); it fails a migration that blocks traffic longer than
 * --lock-timeout; and Ctrl-C drops the throwaway database.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { main } from '../../cli/main';
import { PG_ADMIN_URL, pgAvailable } from '../../testing/postgres';
import { CORPUS } from './corpus-expectations';
import { blocksTraffic } from './lock-modes';
import type { MigrationResult } from './migration-result';
import { SchemaModel } from './schema-model';
import { loadSqlParser, parseMigration } from './sql-statements';
import { statementLocks } from './statement-locks';

const here = dirname(fileURLToPath(import.meta.url));
const testdata = join(here, 'testdata');
const root = join(here, '..', '..', '..');
const REWRITE_RULES = ['column-type-rewrite', 'volatile-default', 'table-rewrite-command'];

async function run(args: string[], cwd = testdata) {
  const o = { out: '', err: '' };
  const code = await main(['verify', 'migration', ...args], { stdout: (t) => (o.out += t), stderr: (t) => (o.err += t), env: {}, cwd, isTTY: false });
  return { code, ...o };
}

async function databasesLike(prefix: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`])).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

/** Locks the static side predicts per statement line, on relations that existed before the file. */
function predicted(file: string): Map<number, { relation: string; mode: string }[]> {
  const model = new SchemaModel();
  model.beginFile();
  for (const s of parseMigration(readFileSync(join(testdata, 'schema.sql'), 'utf8'), 'schema.sql')) model.apply(s);
  model.beginFile();
  const out = new Map<number, { relation: string; mode: string }[]>();
  for (const s of parseMigration(readFileSync(join(testdata, 'corpus', file), 'utf8'), file)) {
    out.set(
      s.line,
      statementLocks(s, model).filter((l) => model.existing(l.relation)),
    );
    model.apply(s);
  }
  return out;
}

/** Statements the trace runs outside a transaction (see the comment where it is used). */
const isSampled = (statement: string) => /\bCONCURRENTLY\b|^\s*(VACUUM|ANALY[SZ]E)\b/i.test(statement);

describe('verify migration --database (real PostgreSQL)', async () => {
  const available = await pgAvailable();
  const seen: string[] = [];
  before(loadSqlParser);
  after(async () => {
    if (!available) return;
    const left = await databasesLike('shipgate_verify_');
    assert.deepEqual(
      left.filter((d) => seen.includes(d)),
      [],
      'every throwaway database was dropped',
    );
  });

  for (const [file, want] of Object.entries(CORPUS)) {
    test(`trace agrees with the static verdict: ${file}`, { skip: !available && 'PostgreSQL not reachable' }, async () => {
      const r = await run([
        `corpus/${file}`,
        '--schema',
        'schema.sql',
        '--table-sizes',
        'sizes-small.yaml',
        '--database',
        PG_ADMIN_URL,
        '--lock-timeout',
        '2s',
        '-o',
        'json',
      ]);
      const result = JSON.parse(r.out) as MigrationResult;
      const dyn = result.dynamic!;
      seen.push(dyn.database);
      // the trace never fails what the static rules call safe (small tables: nothing blocks for 2 s)
      assert.equal(result.verdict, want.verdict, JSON.stringify(dyn.findings));
      assert.equal(r.code, want.verdict === 'safe' ? 0 : 1);
      assert.ok(dyn.workload.queries > 0, 'the workload ran');
      const errors = dyn.statements.filter((s) => s.error);
      if (want.rules.includes('concurrently-in-transaction')) {
        assert.match(errors[0]?.error ?? '', /cannot run inside a transaction block/);
        assert.deepEqual(
          dyn.findings.map((f) => [f.rule, f.line]),
          [['dynamic-statement-failed', errors[0].line]],
        );
      } else if (want.rules.includes('required-column-without-default')) {
        // the generated rows make PostgreSQL refuse it, as production's would
        assert.match(errors[0]?.error ?? '', /contains null values/);
        assert.ok(dyn.findings.some((f) => f.rule === 'dynamic-statement-failed' && f.line === errors[0].line));
      } else assert.deepEqual(errors, []);
      const expectRewrite = want.rules.some((x) => REWRITE_RULES.includes(x));
      assert.equal(
        dyn.statements.some((s) => s.rewritten.length > 0),
        expectRewrite,
        JSON.stringify(dyn.statements.map((s) => [s.line, s.rewritten])),
      );
      const locks = predicted(file);
      for (const s of dyn.statements) {
        if (s.error) continue;
        const want2 = locks.get(s.line) ?? [];
        // Statements the trace runs outside a transaction (CONCURRENTLY, and VACUUM and ANALYZE,
        // which the parser reads as one statement kind; trace-migration.ts outsideTransaction) are
        // seen by sampling pg_locks while they run: on these small tables one can end between two
        // samples, and then shows no lock at all. Only what was seen is compared for those.
        const sampled = isSampled(s.statement);
        // every lock the rules predict is the lock PostgreSQL granted …
        if (!(sampled && s.locks.length === 0))
          for (const p of want2)
            assert.ok(
              s.locks.some((l) => l.relation === p.relation && l.mode === p.mode),
              `${file}:${s.line} predicted ${p.mode} on ${p.relation}, saw ${JSON.stringify(s.locks)}`,
            );
        // … and no lock that stops traffic went unpredicted
        for (const l of s.locks.filter((x) => blocksTraffic(x.mode)))
          assert.ok(
            want2.some((p) => p.relation === l.relation && p.mode === l.mode),
            `${file}:${s.line} saw unpredicted ${l.mode} on ${l.relation}`,
          );
      }
      // every static finding about a lock names one the trace saw, on a statement that ran
      // (a statement the finding says PostgreSQL refuses rolled back: its locks went with it)
      const refused = ['concurrently-in-transaction', 'required-column-without-default'];
      for (const f of result.findings.filter((x) => x.lockMode && x.relation && !refused.includes(x.rule))) {
        const s = dyn.statements.find((x) => x.line === f.line);
        if (s && s.locks.length === 0 && isSampled(s.statement)) continue;
        assert.ok(
          s && s.locks.some((l) => l.relation === f.relation && l.mode === f.lockMode),
          `${f.rule} at ${f.line}: ${f.lockMode} on ${f.relation} not seen`,
        );
      }
    });
  }

  test('a statement that blocks traffic longer than --lock-timeout fails the check whatever the static rules said', {
    skip: !available && 'PostgreSQL not reachable',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-trace-'));
    writeFileSync(
      join(dir, 'hold.sql'),
      "BEGIN;\nSET LOCAL lock_timeout = '1s';\nLOCK TABLE orders IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(0.8);\nCOMMIT;\n",
    );
    const r = await run(
      [
        join(dir, 'hold.sql'),
        '--schema',
        join(testdata, 'schema.sql'),
        '--table-sizes',
        join(testdata, 'sizes-small.yaml'),
        '--database',
        PG_ADMIN_URL,
        '--lock-timeout',
        '300ms',
        '-o',
        'json',
      ],
      dir,
    );
    const result = JSON.parse(r.out) as MigrationResult;
    seen.push(result.dynamic!.database);
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(
      result.findings.map((f) => f.rule),
      ['dynamic-blocking'],
    );
    const f = result.findings[0];
    assert.equal(f.line, 3);
    assert.equal(f.lockMode, 'AccessExclusiveLock');
    const lock = result.dynamic!.statements.find((s) => s.line === 3)!;
    assert.ok(lock.blockedMs >= 500 && lock.blockedMs < 5000, `blocked ${lock.blockedMs} ms`);
    assert.deepEqual([...lock.blockedQueries].sort(), ['insert', 'select', 'update']);
  });

  test('a folder is traced file by file: a table an earlier file creates gets its rows before the next file', {
    skip: !available && 'PostgreSQL not reachable',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-trace-'));
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', '001_create.sql'), 'CREATE TABLE t (id bigint, code varchar(10));\n');
    writeFileSync(
      join(dir, 'm', '002_change.sql'),
      "SET lock_timeout = '1s';\nALTER TABLE t ALTER COLUMN code TYPE varchar(40);\nALTER TABLE t ALTER COLUMN id TYPE integer;\n",
    );
    writeFileSync(join(dir, 'sizes.yaml'), 't: 300\n');
    const r = await run(['m', '--table-sizes', 'sizes.yaml', '--database', PG_ADMIN_URL, '-o', 'json'], dir);
    const result = JSON.parse(r.out) as MigrationResult;
    seen.push(result.dynamic!.database);
    assert.deepEqual(result.dynamic!.tableRows, { t: 300 });
    assert.deepEqual(
      result.dynamic!.statements.map((s) => [s.file, s.line, s.rewritten]),
      [
        ['m/001_create.sql', 1, []],
        ['m/002_change.sql', 1, []],
        ['m/002_change.sql', 2, []],
        ['m/002_change.sql', 3, ['t']],
      ],
    );
    assert.deepEqual(
      result.findings.map((f) => `${f.file}:${f.line} ${f.rule}`),
      ['m/002_change.sql:3 column-type-rewrite'],
    );
    assert.ok(result.dynamic!.workload.queries > 0);
  });

  test('bad --table-sizes inside the trace: exit 2, and the database is dropped', { skip: !available && 'PostgreSQL not reachable' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-trace-'));
    writeFileSync(join(dir, 'sizes.json'), '{"nope": 10}');
    const r = await run(
      [
        join(testdata, 'corpus', '02-index-create.safe.sql'),
        '--schema',
        join(testdata, 'schema.sql'),
        '--table-sizes',
        join(dir, 'sizes.json'),
        '--database',
        PG_ADMIN_URL,
      ],
      dir,
    );
    assert.equal(r.code, 2);
    assert.match(r.err, /no table nope in the traced schema/);
    const name = /throwaway database (shipgate_verify_[0-9a-f]+)/.exec(r.err)![1];
    seen.push(name);
    assert.deepEqual(await databasesLike(name), []);
  });

  test('Ctrl-C (SIGINT) during a trace drops the throwaway database', { skip: !available && 'PostgreSQL not reachable' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-trace-'));
    writeFileSync(join(dir, 'slow.sql'), "SET lock_timeout = '1s';\nSELECT pg_sleep(60);\n");
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'bin', 'shipgate.js'), 'verify', 'migration', join(dir, 'slow.sql'), '--database', PG_ADMIN_URL],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    const name = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no trace started: ${err}`)), 90_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /throwaway database (shipgate_verify_[0-9a-f]+)/.exec(err);
        if (m && /statements under a workload/.test(err)) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', () => reject(new Error(`exited early: ${err}`)));
    });
    seen.push(name);
    assert.deepEqual(await databasesLike(name), [name]);
    // let the trace reach pg_sleep, then press Ctrl-C
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.deepEqual(await databasesLike(name), []);
  });
});
