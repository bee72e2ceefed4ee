/**
 * Figure: the dynamic trace of one index build on a 1,000,000-row table, with and without
 * CONCURRENTLY, side by side: how long the synthetic workload's writers (and readers) were blocked
 * and how long the build took. Runs `shipgate verify migration --database` itself on the local
 * PostgreSQL (127.0.0.1:5432; each run creates and drops its own throwaway database).
 * Run: node --import tsx bench/verify/migration-trace.ts [rows] [--database postgres://…]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';

const rows = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 1_000_000);
const i = process.argv.indexOf('--database');
const database = i >= 0 ? process.argv[i + 1] : 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = mkdtempSync(join(tmpdir(), 'sg-trace-bench-'));
writeFileSync(join(dir, 'schema.sql'), 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric NOT NULL, note text);\n');
writeFileSync(join(dir, 'sizes.yaml'), `orders: ${rows}\n`);
writeFileSync(join(dir, 'plain.sql'), "SET lock_timeout = '30s';\nSET statement_timeout = '10min';\nCREATE INDEX orders_customer ON orders (customer_id);\n");
writeFileSync(
  join(dir, 'concurrently.sql'),
  "SET lock_timeout = '30s';\nSET statement_timeout = '10min';\nCREATE INDEX CONCURRENTLY orders_customer ON orders (customer_id);\n",
);

interface Traced {
  line: number;
  blockedMs: number;
  blockedQueries: string[];
  durationMs: number;
  locks: { relation: string; mode: string }[];
}

async function trace(file: string) {
  let out = '';
  let err = '';
  const t0 = performance.now();
  const code = await main(
    ['verify', 'migration', file, '--schema', 'schema.sql', '--database', database, '--table-sizes', 'sizes.yaml', '--lock-timeout', '60s', '-o', 'json'],
    {
      stdout: (s) => void (out += s),
      stderr: (s) => void (err += s),
      env: {},
      cwd: dir,
      isTTY: false,
    },
  );
  const wallMs = performance.now() - t0;
  if (code === 2 || code === 3) throw new Error(`${file}: exit ${code}\n${err}`);
  const r = JSON.parse(out) as { verdict: string; dynamic: { statements: Traced[]; workload?: unknown } };
  const build = r.dynamic.statements.at(-1)!;
  return { file, verdict: r.verdict, build, wallMs };
}

try {
  const results = [];
  for (const f of ['plain.sql', 'concurrently.sql']) {
    const r = await trace(f);
    results.push(r);
    console.error(
      `${f}: index build ${Math.round(r.build.durationMs)} ms, longest wait of a workload query ${Math.round(r.build.blockedMs)} ms (${r.build.blockedQueries.join(', ') || 'none'})`,
    );
  }
  console.log(`## verify migration: trace of CREATE INDEX on a ${rows.toLocaleString('en')}-row table, under the synthetic workload`);
  console.log('');
  console.log(
    `- machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString()}, load ${loadavg()[0].toFixed(1)}`,
  );
  console.log('');
  console.log('| statement | build time | longest wait of a workload query | queries that waited | locks granted | verdict |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const locks = [...new Set(r.build.locks.map((l) => `${l.mode} ${l.relation}`))].join(', ');
    console.log(
      `| ${r.file === 'plain.sql' ? 'CREATE INDEX' : 'CREATE INDEX CONCURRENTLY'} | ${Math.round(r.build.durationMs)} ms | ${Math.round(r.build.blockedMs)} ms | ${r.build.blockedQueries.join(', ') || 'none'} | ${locks} | ${r.verdict} |`,
    );
  }
  const [plain, conc] = results;
  console.log('');
  console.log(`longest wait, plain / concurrently: ${Math.round(plain.build.blockedMs)} / ${Math.round(conc.build.blockedMs)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
