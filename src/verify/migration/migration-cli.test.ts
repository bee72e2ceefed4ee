import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { main } from '../../cli/main';
import { CORPUS } from './corpus-expectations';
import { RULE_IDS } from './rule-catalog';

const here = dirname(fileURLToPath(import.meta.url));
const testdata = join(here, 'testdata');

const capture = (cwd: string) => {
  const o = { out: '', err: '' };
  return { o, io: { stdout: (t: string) => (o.out += t), stderr: (t: string) => (o.err += t), env: {}, cwd, isTTY: false } };
};

async function run(args: string[], cwd = testdata) {
  const { o, io } = capture(cwd);
  const code = await main(['verify', 'migration', ...args], io);
  return { code, ...o };
}

describe('shipgate verify migration: the corpus', () => {
  test('every corpus file has an expectation and there are at least 40', () => {
    const files = readdirSync(join(testdata, 'corpus'))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    assert.deepEqual(files, Object.keys(CORPUS).sort());
    assert.ok(files.length >= 40);
    // one unsafe and one safe file per rule that can fail the check
    for (const rule of RULE_IDS.filter((r) => !r.startsWith('dynamic-') && r !== 'irreversible-drop')) {
      assert.ok(
        Object.values(CORPUS).some((c) => c.verdict === 'unsafe' && c.rules.includes(rule)),
        `an unsafe file for ${rule}`,
      );
    }
  });
  for (const [file, want] of Object.entries(CORPUS)) {
    test(file, async () => {
      const r = await run([`corpus/${file}`, '--schema', 'schema.sql', '-o', 'json']);
      assert.equal(r.code, want.verdict === 'safe' ? 0 : 1, r.out + r.err);
      const result = JSON.parse(r.out);
      assert.deepEqual([...new Set(result.findings.map((f: { rule: string }) => f.rule))].sort(), want.rules);
      assert.equal(result.verdict, want.verdict);
      assert.equal(result.irreversible, want.irreversible ?? false);
      for (const f of result.findings) {
        assert.ok(f.line >= 1 && f.column >= 1 && f.safeRewrite && f.message, JSON.stringify(f));
        assert.match(f.docs, new RegExp(`migration-rules\\.md#${f.rule}$`));
        if (f.lockMode) assert.ok(['reads and writes', 'writes', 'nothing'].includes(f.blocks));
      }
    });
  }
});

describe('shipgate verify migration: output and input errors', () => {
  test('the JSON result is evidence: files with sha256, findings, verdict, irreversible, dynamic null', async () => {
    const r = await run(['corpus/33-drop-column.unsafe.sql', '--schema', 'schema.sql', '-o', 'json']);
    const result = JSON.parse(r.out);
    const bytes = readFileSync(join(testdata, 'corpus/33-drop-column.unsafe.sql'));
    assert.deepEqual(result.files, [{ file: 'corpus/33-drop-column.unsafe.sql', sha256: createHash('sha256').update(bytes).digest('hex'), statements: 2 }]);
    assert.equal(result.kind, 'shipgate.dev/verify-migration/v1');
    assert.equal(result.irreversible, true);
    assert.equal(result.dynamic, null);
    const drop = result.findings.find((f: { rule: string }) => f.rule === 'drop-column-or-table');
    assert.deepEqual(
      { line: drop.line, column: drop.column, lockMode: drop.lockMode, blocks: drop.blocks, relation: drop.relation },
      { line: 2, column: 1, lockMode: 'AccessExclusiveLock', blocks: 'reads and writes', relation: 'customers' },
    );
  });

  test('the table names file:line, rule, lock mode, what it blocks and the safe rewrite', async () => {
    const r = await run(['corpus/01-index-create.unsafe.sql', '--schema', 'schema.sql']);
    assert.equal(r.code, 1);
    assert.match(r.out, /^FILE:LINE\s+RULE\s+LOCK\s+BLOCKS\s+MESSAGE\s+SAFE REWRITE/);
    assert.match(r.out, /corpus\/01-index-create\.unsafe\.sql:2\s+index-without-concurrently\s+SHARE\s+writes\s+.*CREATE INDEX CONCURRENTLY/);
    assert.match(r.out, /verdict: unsafe/);
  });

  test('SARIF 2.1.0 with rule ids, levels, locations and in-source suppressions', async () => {
    const r = await run(['corpus/32-rename-table.allowed.safe.sql', '--schema', 'schema.sql', '-o', 'sarif']);
    assert.equal(r.code, 0);
    const sarif = JSON.parse(r.out);
    assert.equal(sarif.version, '2.1.0');
    const run0 = sarif.runs[0];
    assert.deepEqual(
      run0.tool.driver.rules.map((x: { id: string }) => x.id),
      [...RULE_IDS],
    );
    const res = run0.results[0];
    assert.equal(res.ruleId, 'rename-column-or-table');
    assert.equal(run0.tool.driver.rules[res.ruleIndex].id, res.ruleId);
    assert.deepEqual(res.locations[0].physicalLocation, {
      artifactLocation: { uri: 'corpus/32-rename-table.allowed.safe.sql' },
      region: { startLine: 3, startColumn: 1 },
    });
    assert.equal(res.suppressions[0].justification, 'no release has read audit_log since v12');
  });

  test('a folder runs its files in name order; earlier files are the schema of later ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-mig-'));
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', '001_create.sql'), 'CREATE TABLE t (id bigint, code varchar(10));\nCREATE INDEX t_code ON t (code);\n');
    writeFileSync(join(dir, 'm', '002_widen.sql'), "SET lock_timeout = '1s';\nALTER TABLE t ALTER COLUMN code TYPE varchar(40);\n");
    writeFileSync(join(dir, 'm', '003_index.sql'), "SET lock_timeout = '1s';\n\n  CREATE INDEX t_id ON t (id);\n");
    const r = await run(['m', '-o', 'json'], dir);
    const result = JSON.parse(r.out);
    assert.deepEqual(
      result.files.map((f: { file: string }) => f.file),
      ['m/001_create.sql', 'm/002_widen.sql', 'm/003_index.sql'],
    );
    // 001 creates t: its index is free; 002 widens varchar: no rewrite; 003 indexes an existing table
    assert.deepEqual(
      result.findings.map((f: { file: string; line: number; column: number; rule: string }) => `${f.file}:${f.line}:${f.column} ${f.rule}`),
      ['m/003_index.sql:3:3 index-without-concurrently'],
    );
    assert.equal(r.code, 1);
  });

  for (const [file, rule] of [
    ['02-index-create.safe.sql', 'concurrently-in-transaction'],
    ['44-locks-split.safe.sql', 'locks-held-in-transaction'],
  ] as const) {
    test(`--in-transaction: the tool's wrapping transaction counts (${file})`, async () => {
      const r = await run([`corpus/${file}`, '--schema', 'schema.sql', '--in-transaction', '-o', 'json']);
      assert.equal(r.code, 1);
      assert.deepEqual(
        JSON.parse(r.out).findings.map((f: { rule: string }) => f.rule),
        [rule],
      );
    });
  }

  test('a syntax error exits 2 naming file:line:column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-mig-'));
    writeFileSync(join(dir, 'bad.sql'), "SET lock_timeout = '1s';\nALTER TABLE t\n  ADD COLUMN x int DEFALT 1;\n");
    const r = await run(['bad.sql'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.sql:3:20: syntax error at or near "DEFALT"/);
  });

  for (const [args, err] of [
    [['missing.sql'], /cannot read missing\.sql: ENOENT/],
    [['corpus/01-index-create.unsafe.sql', '-o', 'xml'], /unknown output format "xml"/],
    [['corpus/01-index-create.unsafe.sql', '--lock-timeout', 'soon'], /--lock-timeout/],
    [['corpus/01-index-create.unsafe.sql', '--table-sizes', 'schema.sql'], /table sizes must be/],
    [['corpus/01-index-create.unsafe.sql', '--database', 'mysql://x'], /postgres:\/\/ URL/],
  ] as const) {
    test(`bad input exits 2: ${args.join(' ')}`, async () => {
      const r = await run([...args]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, err);
    });
  }
});
