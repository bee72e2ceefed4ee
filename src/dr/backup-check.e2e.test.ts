/**
 * BackupChecks through the public CLI and API against the real PostgreSQL at 127.0.0.1:5432, on a
 * database of their own holding 1,000,000 rows: a fresh pg_dump restored and compared (pass, the
 * restore time recorded, a stale throwaway cleaned), a truncated dump file and a dump without a
 * table (fail, named), the throwaway database gone after every run, and the refusals.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { main } from '../cli/main';
import { startTestServer, type TestServer } from '../testing/harness';
import { createPgDatabase, PG_ADMIN_URL } from '../testing/postgres';
import type { CheckView, RunView } from './dr-routes';
import { throwawayName } from './pg-tools';

const ROWS = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'sg-dr-'));
const doc = (kind: string, name: string, spec: unknown) => stringify({ apiVersion: 'shipgate.dev/v1', kind, metadata: { name }, spec });

async function adminQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const throwaways = async () =>
  (await adminQuery<{ datname: string }>(`select datname from pg_database where datname like 'shipgate\\_restore\\_%'`)).map((r) => r.datname);

describe('backup checks against the real PostgreSQL', () => {
  let s: TestServer;
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let backups: string;
  const apply = async (name: string, text: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return s.cli(['apply', '-f', file]);
  };
  const pgDump = (out: string, extra: string[] = []) => {
    const u = new URL(db.url);
    const r = spawnSync('pg_dump', ['-Fc', ...extra, '-h', u.hostname, '-p', u.port || '5432', '-U', 'postgres', '-f', out, db.name], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  /** `backup check NAME -o json`, and the run's throwaway database is gone afterwards. */
  const check = async (name: string) => {
    const r = await s.cli(['backup', 'check', name, '-o', 'json'], { token: await s.token('oncall', 'olga') });
    const run = JSON.parse(r.stdout) as RunView;
    const created = run.steps.find((x) => x.step === 'create');
    if (created) {
      const throwaway = /created (shipgate_restore_\S+)/.exec(created.message)?.[1];
      assert.ok(throwaway, created.message);
      assert.ok(!(await throwaways()).includes(throwaway), `${throwaway} must be dropped after the run`);
      assert.equal(run.steps.at(-1)?.step, 'drop');
      assert.equal(run.steps.at(-1)?.ok, true);
    }
    return { ...r, run };
  };

  before(async () => {
    db = await createPgDatabase();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`
      create table customers (id int primary key, name text not null, email text unique);
      insert into customers select g, 'customer ' || g, 'c' || g || '@example.com' from generate_series(1, 5000) g;
      create table orders (id bigint primary key, customer int not null references customers, amount numeric(12, 2) not null, placed date not null);
      insert into orders select g, 1 + g % 5000, (g % 100000) / 100.0, date '2026-01-01' + (g % 300) from generate_series(1, ${ROWS}) g;
      create index orders_customer on orders (customer);
      create schema billing;
      create table billing.invoices (id int primary key, note text);
      insert into billing.invoices select g, null from generate_series(1, 100) g;
      analyze;`);
    await c.end();
    s = await startTestServer();
    backups = join(s.dataDir, 'backups');
    mkdirSync(backups);
    const applied = await apply(
      'base',
      [
        doc('Database', 'orders-db', { environments: { production: { url: db.url } } }),
        doc('BackupCheck', 'orders-nightly', {
          database: 'orders-db',
          environment: 'production',
          source: { dump: true },
          rto: '10m',
          rpo: '1h',
          criticalTables: ['orders'],
        }),
      ].join('---\n'),
    );
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await s?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a fresh pg_dump of 1,000,000 rows restores and compares equal: pass, exit 0, restore time recorded, a stale throwaway dropped', async () => {
    const stale = throwawayName(Date.now() - 2 * 3_600_000);
    await adminQuery(`create database ${stale}`);
    const r = await check('orders-nightly');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.run.status, 'pass', r.run.reasons.join('; '));
    assert.deepEqual(r.run.reasons, []);
    assert.ok(r.run.restoreMs! > 0, 'restore time measured');
    assert.ok(r.run.backupAgeMs! >= 0 && r.run.backupAgeMs! < 60_000, `a fresh dump is about 0 old, got ${r.run.backupAgeMs}`);
    assert.ok(r.run.backupBytes! > 1_000_000);
    assert.deepEqual(
      r.run.steps.map((x) => x.step),
      ['cleanup', 'dump', 'create', 'restore', 'compare', 'amcheck', 'drop'],
    );
    assert.match(r.run.steps[0]!.message, new RegExp(`dropped 1 leftover\\(s\\): ${stale}`));
    assert.ok(!(await throwaways()).includes(stale));
    assert.deepEqual(
      r.run.tables.map((t) => [t.table, t.status, t.restoredRows, t.critical]),
      [
        ['billing.invoices', 'ok', 100, false],
        ['public.customers', 'ok', 5000, false],
        ['public.orders', 'ok', ROWS, true],
      ],
    );
    for (const t of r.run.tables) assert.equal(t.sourceChecksum, t.restoredChecksum);
    assert.equal(r.run.amcheck, 'ok');
    assert.match(r.run.steps.find((x) => x.step === 'amcheck')!.message, /^5 btree index\(es\) sound$/);

    // The record is kept, listed for readers, and audited (start and result).
    const viewer = await s.token('viewer', 'vic');
    const list = await s.cli(['backup', 'list', '-o', 'json'], { token: viewer });
    assert.equal(list.code, 0, list.stderr);
    const checks = (JSON.parse(list.stdout) as { checks: CheckView[] }).checks;
    assert.deepEqual(
      checks.map((c) => [c.name, c.lastRun?.id, c.lastRun?.status, c.rtoMs, c.rpoMs]),
      [['orders-nightly', r.run.id, 'pass', 600_000, 3_600_000]],
    );
    const table = await s.cli(['backup', 'show', r.run.id], { token: viewer });
    assert.equal(table.code, 0);
    assert.match(table.stdout, /public\.orders\s+ok\s+1000000\s+1000000\s+yes/);
    const audit = (await (await s.fetch('/api/v1/audit/events?kind=BackupCheck&name=orders-nightly')).json()) as { items: { action: string; actor: string }[] };
    assert.deepEqual(
      audit.items.filter((e) => e.action !== 'resource.create').map((e) => [e.action, e.actor]),
      [
        ['backup.check.start', 'olga'],
        ['backup.check', 'olga'],
      ],
    );
  });

  test('a truncated dump file: pg_restore fails, the run fails naming it, exit 1, no throwaway left', async () => {
    pgDump(join(backups, 'full.dump'));
    const whole = readFileSync(join(backups, 'full.dump'));
    writeFileSync(join(backups, 'truncated.dump'), whole.subarray(0, Math.floor(whole.length / 2)));
    const applied = await apply(
      'truncated',
      doc('BackupCheck', 'orders-truncated', { database: 'orders-db', environment: 'production', source: { file: 'truncated.dump' }, rto: '10m', rpo: '1d' }),
    );
    assert.equal(applied.code, 0, applied.stderr);
    const r = await check('orders-truncated');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.run.status, 'fail');
    assert.match(r.run.reasons[0]!, /^pg_restore failed \(exit 1\): .*pg_restore: error: /);
    assert.equal(r.run.restoreMs, null);
    assert.equal(r.run.amcheck, 'skipped');
    assert.ok(r.run.backupAgeMs! >= 0);
  });

  test('a dump made without a table (pg_dump -T orders): fail naming the missing table, critical or not', async () => {
    pgDump(join(backups, 'no-orders.dump'), ['-T', 'public.orders']);
    const applied = await apply(
      'no-orders',
      doc('BackupCheck', 'orders-partial', { database: 'orders-db', environment: 'production', source: { file: 'no-orders.dump' }, rto: '10m', rpo: '1d' }),
    );
    assert.equal(applied.code, 0, applied.stderr);
    const r = await check('orders-partial');
    assert.equal(r.code, 1);
    assert.equal(r.run.status, 'fail');
    assert.deepEqual(r.run.reasons, [`public.orders is missing from the backup (${ROWS} rows in the database)`]);
    assert.deepEqual(
      r.run.tables.map((t) => [t.table, t.status]),
      [
        ['billing.invoices', 'ok'],
        ['public.customers', 'ok'],
        ['public.orders', 'missing'],
      ],
    );
    const human = await s.cli(['backup', 'show', r.run.id]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /fail: public\.orders is missing from the backup/);

    // On a terminal, each step is reported on stderr as it ends; stdout keeps the JSON alone.
    let stdout = '';
    let stderr = '';
    const code = await main(['backup', 'check', 'orders-partial', '-o', 'json'], {
      stdout: (x) => void (stdout += x),
      stderr: (x) => void (stderr += x),
      env: { SHIPGATE_SERVER: s.url, SHIPGATE_TOKEN: s.adminToken },
      cwd: process.cwd(),
      isTTY: true,
    });
    assert.equal(code, 1);
    assert.equal((JSON.parse(stdout) as RunView).status, 'fail');
    const lines = stderr.trim().split('\n');
    assert.match(lines[0]!, /^running orders-partial \(bkp_[0-9a-f]{20}\): dump, restore, compare…$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(':')[0]),
      ['✓ cleanup', '✓ create', '✓ restore', '✗ compare', '✓ amcheck', '✓ drop'],
    );
  });

  test('a backup older than the rpo fails on its age', async () => {
    const applied = await apply(
      'tight-rpo',
      doc('BackupCheck', 'orders-tight', { database: 'orders-db', environment: 'production', source: { file: 'no-orders.dump' }, rto: '10m', rpo: '1ms' }),
    );
    assert.equal(applied.code, 0, applied.stderr);
    const r = await check('orders-tight');
    assert.equal(r.code, 1);
    assert.match(r.run.reasons[0]!, /^backup age .* is over the rpo of 1ms$/);
  });

  test('on the PostgreSQL store too: a dump file restores and compares equal, the run is recorded and listed', async () => {
    const p = await startTestServer({ store: 'postgres' });
    try {
      mkdirSync(join(p.dataDir, 'backups'));
      copyFileSync(join(backups, 'full.dump'), join(p.dataDir, 'backups', 'full.dump'));
      const file = join(dir, 'pg-store.yaml');
      writeFileSync(
        file,
        [
          doc('Database', 'orders-db', { environments: { production: { url: db.url } } }),
          doc('BackupCheck', 'orders-file', { database: 'orders-db', environment: 'production', source: { file: 'full.dump' }, rto: '10m', rpo: '1d' }),
        ].join('---\n'),
      );
      assert.equal((await p.cli(['apply', '-f', file])).code, 0);
      const r = await p.cli(['backup', 'check', 'orders-file', '-o', 'json']);
      const run = JSON.parse(r.stdout) as RunView;
      assert.equal(r.code, 0, run.reasons.join('; '));
      assert.equal(run.status, 'pass');
      assert.ok(run.restoreMs! > 0);
      assert.deepEqual(
        run.tables.map((t) => [t.table, t.status, t.restoredRows]),
        [
          ['billing.invoices', 'ok', 100],
          ['public.customers', 'ok', 5000],
          ['public.orders', 'ok', ROWS],
        ],
      );
      const list = JSON.parse((await p.cli(['backup', 'list', '-o', 'json'])).stdout) as { checks: CheckView[] };
      assert.deepEqual(
        list.checks.map((c) => [c.name, c.lastRun?.status, c.lastRun?.restoreMs]),
        [['orders-file', 'pass', run.restoreMs]],
      );
    } finally {
      await p.close();
    }
  });

  test('refusals: unknown Database → 404 and exit 2; a file outside the backup folder → 400 naming spec.source.file; a viewer → 403', async () => {
    // A Database deleted after its BackupCheck was applied.
    assert.equal((await apply('gone', doc('Database', 'gone-db', { environments: { production: { url: db.url } } }))).code, 0);
    assert.equal(
      (await apply('orphan', doc('BackupCheck', 'orphan', { database: 'gone-db', environment: 'production', source: { dump: true }, rto: '1m', rpo: '1h' })))
        .code,
      0,
    );
    assert.equal((await s.cli(['delete', 'database', 'gone-db'])).code, 0);
    const before = await throwaways();
    const gone = await s.cli(['backup', 'check', 'orphan']);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /no Database named gone-db \(spec\.database\)/);
    const res = await s.fetch('/api/v1/backup-checks/orphan/runs', { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    const unknownCheck = await s.fetch('/api/v1/backup-checks/nope/runs', { method: 'POST', body: '{}' });
    assert.equal(unknownCheck.status, 404);
    assert.match(((await unknownCheck.json()) as { message: string }).message, /no BackupCheck named nope/);

    // Paths that leave the backup folder are refused at apply, naming the field.
    for (const file of ['../../../etc/passwd', '/etc/passwd', 'sub/../../x.dump']) {
      const content = doc('BackupCheck', 'escape', { database: 'orders-db', environment: 'production', source: { file }, rto: '1m', rpo: '1h' });
      const r = await s.fetch('/api/v1/apply', { method: 'POST', body: JSON.stringify({ files: [{ name: 'escape.yaml', content }] }) });
      assert.equal(r.status, 400, file);
      const body = (await r.json()) as { details: { issues: { path: string; message: string }[] } };
      assert.deepEqual(
        body.details.issues.map((i) => i.path),
        ['spec.source.file'],
        file,
      );
      const cli = await apply('escape', content);
      assert.equal(cli.code, 2);
      assert.match(cli.stderr, /spec\.source\.file/);
    }
    // …and a symbolic link in the folder that leads out of it is refused when the check runs.
    symlinkSync('/etc/passwd', join(backups, 'link.dump'));
    assert.equal(
      (
        await apply(
          'link',
          doc('BackupCheck', 'linked', { database: 'orders-db', environment: 'production', source: { file: 'link.dump' }, rto: '1m', rpo: '1h' }),
        )
      ).code,
      0,
    );
    const linked = await s.fetch('/api/v1/backup-checks/linked/runs', { method: 'POST', body: '{}' });
    assert.equal(linked.status, 400);
    const lb = (await linked.json()) as { message: string; details: { issues: { path: string }[] } };
    assert.match(lb.message, /^spec\.source\.file: link\.dump leads outside the server backup folder$/);
    assert.deepEqual(
      lb.details.issues.map((i) => i.path),
      ['spec.source.file'],
    );

    // Readers may list but not run.
    const viewer = await s.token('viewer', 'vera');
    const denied = await s.fetch('/api/v1/backup-checks/orders-nightly/runs', { method: 'POST', body: '{}', token: viewer });
    assert.equal(denied.status, 403);
    const deniedCli = await s.cli(['backup', 'check', 'orders-nightly'], { token: viewer });
    assert.equal(deniedCli.code, 2);
    assert.match(deniedCli.stderr, /may not POST/);
    // Nothing was started by any refusal.
    assert.deepEqual(await throwaways(), before);
  });
});
