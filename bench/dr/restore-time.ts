/**
 * Restore time of a BackupCheck against plain pg_restore, in the same run, on a generated
 * 1,000,000-row database at the real PostgreSQL (127.0.0.1:5432, SHIPGATE_TEST_PG_URL): one
 * pg_dump -Fc file, restored `--rounds` times each way in alternating order (a plain pg_restore
 * into a fresh database; `shipgate backup check` with `source.file`, which restores the same file
 * with the same flags and then compares every table and runs amcheck). The ratio is the
 * BackupCheck's measured restore time over the plain one: what wrapping pg_restore costs. The
 * whole drill (dump included, `source.dump`) is timed once more. Prints a markdown table;
 * bench/RESULTS.md is written by hand.
 *
 *   node --import tsx bench/dr/restore-time.ts [--rounds 3] [--rows 1000000]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { stringify } from 'yaml';
import { startTestServer } from '../../src/testing/harness';
import { createPgDatabase } from '../../src/testing/postgres';
import type { RunView } from '../../src/dr/dr-routes';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, rows: { type: 'string', default: '1000000' } } });
const ROUNDS = Math.max(1, Number(args.rounds));
const ROWS = Math.max(1, Number(args.rows));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const db = await createPgDatabase();
const s = await startTestServer();
try {
  const t0 = performance.now();
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query(`
    create table customers (id int primary key, name text not null, email text unique);
    insert into customers select g, 'customer ' || g, 'c' || g || '@example.com' from generate_series(1, 5000) g;
    create table orders (id bigint primary key, customer int not null references customers, amount numeric(12, 2) not null, placed date not null);
    insert into orders select g, 1 + g % 5000, (g % 100000) / 100.0, date '2026-01-01' + (g % 300) from generate_series(1, ${ROWS}) g;
    create index orders_customer on orders (customer);
    analyze;`);
  await c.end();
  const genMs = performance.now() - t0;

  const backups = join(s.dataDir, 'backups');
  mkdirSync(backups);
  const file = join(backups, 'bench.dump');
  const u = new URL(db.url);
  const conn = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username) || 'postgres'];
  const d0 = performance.now();
  const dump = spawnSync('pg_dump', ['-Fc', ...conn, '-f', file, db.name], { encoding: 'utf8' });
  if (dump.status !== 0) throw new Error(dump.stderr);
  const dumpMs = performance.now() - d0;

  const doc = (name: string, source: unknown) =>
    stringify({
      apiVersion: 'shipgate.dev/v1',
      kind: 'BackupCheck',
      metadata: { name },
      spec: { database: 'bench-db', environment: 'production', source, rto: '1h', rpo: '1d' },
    });
  const manifests = join(s.dataDir, 'bench.yaml');
  writeFileSync(
    manifests,
    [
      stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Database', metadata: { name: 'bench-db' }, spec: { environments: { production: { url: db.url } } } }),
      doc('bench-file', { file: 'bench.dump' }),
      doc('bench-dump', { dump: true }),
    ].join('---\n'),
  );
  const applied = await s.cli(['apply', '-f', manifests]);
  if (applied.code !== 0) throw new Error(applied.stderr);

  const plain = (): number => {
    const name = `shipgate_bench_${process.pid}_${Date.now()}`;
    spawnSync('psql', [...conn, '-qc', `create database ${name} template template0`, 'postgres'], { encoding: 'utf8' });
    const r0 = performance.now();
    const r = spawnSync('pg_restore', [...conn, '--no-owner', '--no-privileges', '--exit-on-error', '-d', name, file], { encoding: 'utf8' });
    const ms = performance.now() - r0;
    spawnSync('psql', [...conn, '-qc', `drop database ${name} with (force)`, 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return ms;
  };
  const check = async (name: string): Promise<RunView> => {
    const r = await s.cli(['backup', 'check', name, '-o', 'json']);
    const run = JSON.parse(r.stdout) as RunView;
    if (run.status !== 'pass') throw new Error(`${name}: ${run.summary}`);
    return run;
  };
  const stepMs = (run: RunView, step: string) => {
    const x = run.steps.find((y) => y.step === step)!;
    return Date.parse(x.endedAt!) - Date.parse(x.startedAt);
  };

  const rows: { plainMs: number; checkMs: number; compareMs: number; amcheckMs: number; runMs: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let plainMs = 0;
    let run: RunView | undefined;
    // Alternate which goes first, so a warm cache favours neither.
    if (i % 2 === 0) {
      plainMs = plain();
      run = await check('bench-file');
    } else {
      run = await check('bench-file');
      plainMs = plain();
    }
    rows.push({
      plainMs,
      checkMs: run.restoreMs!,
      compareMs: stepMs(run, 'compare'),
      amcheckMs: stepMs(run, 'amcheck'),
      runMs: Date.parse(run.endedAt!) - Date.parse(run.startedAt),
    });
  }
  const full = await check('bench-dump');
  const fullMs = Date.parse(full.endedAt!) - Date.parse(full.startedAt);

  const cpu = cpus();
  console.log(
    `backup restore check: ${ROWS} + 5000 rows (generated in ${sec(genMs)}), dump ${(statSync(file).size / 1_048_576).toFixed(1)} MiB (pg_dump -Fc ${sec(dumpMs)}); ${cpu.length} × ${cpu[0]?.model ?? '?'}; ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log('');
  console.log('| round | plain pg_restore | BackupCheck restore | ratio | compare (both sides) | amcheck | whole run (file) |');
  console.log('|---|---|---|---|---|---|---|');
  rows.forEach((r, i) =>
    console.log(
      `| ${i + 1} | ${sec(r.plainMs)} | ${sec(r.checkMs)} | ${(r.checkMs / r.plainMs).toFixed(2)} | ${sec(r.compareMs)} | ${sec(r.amcheckMs)} | ${sec(r.runMs)} |`,
    ),
  );
  const mp = median(rows.map((r) => r.plainMs));
  const mc = median(rows.map((r) => r.checkMs));
  console.log(
    `| median | ${sec(mp)} | ${sec(mc)} | ${(mc / mp).toFixed(2)} | ${sec(median(rows.map((r) => r.compareMs)))} | ${sec(median(rows.map((r) => r.amcheckMs)))} | ${sec(median(rows.map((r) => r.runMs)))} |`,
  );
  console.log('');
  console.log(`whole drill with a fresh dump (source.dump): ${sec(fullMs)} (dump step ${sec(stepMs(full, 'dump'))}, restore ${sec(full.restoreMs!)})`);
} finally {
  await s.close();
  await db.drop();
}
