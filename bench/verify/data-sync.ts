/**
 * Figure: `shipgate data sync` copying a ~100,000-row subset with foreign-key closure over a
 * 4-table schema (order_items → orders → customers, order_items → products), two columns masked,
 * against the peer in the same run: `pg_dump --data-only -t …` of the same four tables piped to
 * `psql` (whole tables, no closure, no masking). Reports copy time and rows/s of each, and the
 * ratios. Creates and drops its own databases on the local PostgreSQL (127.0.0.1:5432). Bounded:
 * stops after 60 s of copying.
 *
 *   node --import tsx bench/verify/data-sync.ts [--rounds 3] [--items 60000]
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { main } from '../../src/cli/main';
import { createPgDatabase } from '../../src/testing/postgres';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, items: { type: 'string', default: '60000' } } });
const ROUNDS = Math.max(1, Number(args.rounds));
/** Root rows: order_items of the first ITEMS / 3 orders (3 items per order). */
const ITEMS = Number(args.items);
const BUDGET_MS = 60_000;

const SCHEMA = `
  CREATE TABLE customers (id int PRIMARY KEY, email varchar(80) NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL);
  CREATE TABLE products (id int PRIMARY KEY, sku varchar(20) NOT NULL UNIQUE, title text NOT NULL, price numeric(10,2) NOT NULL);
  CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, created_at timestamptz NOT NULL, total numeric(12,2) NOT NULL, note text);
  CREATE TABLE order_items (order_id int NOT NULL REFERENCES orders, line int NOT NULL, product_id int NOT NULL REFERENCES products, qty int NOT NULL,
                            PRIMARY KEY (order_id, line));`;
const SIZES = { customers: 30_000, products: 2_000, orders: 60_000, order_items: 180_000 };
const DATA = `
  INSERT INTO customers SELECT g, 'c' || g || '@shop.test', 'Customer ' || g, now() - g * interval '1 minute' FROM generate_series(1, ${SIZES.customers}) g;
  INSERT INTO products SELECT g, 'SKU-' || g, 'Product ' || g, (g % 97) + 0.99 FROM generate_series(1, ${SIZES.products}) g;
  INSERT INTO orders SELECT g, 1 + (hashint4(g) & 2147483647) % ${SIZES.customers}, now() - g * interval '1 second', g % 500, CASE WHEN g % 7 = 0 THEN 'gift' END
    FROM generate_series(1, ${SIZES.orders}) g;
  INSERT INTO order_items SELECT o, l, 1 + (hashint4(o * 3 + l) & 2147483647) % ${SIZES.products}, 1 + l FROM generate_series(1, ${SIZES.orders}) o, generate_series(1, 3) l;
  ANALYZE;`;

async function exec(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function count(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      'SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM products) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items) AS n',
    );
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}

async function ours(from: string, to: string): Promise<{ ms: number; rows: number }> {
  let out = '';
  let err = '';
  const io = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s), env: {}, cwd: process.cwd(), isTTY: false };
  const t0 = performance.now();
  const code = await main(
    [
      'data',
      'sync',
      '--from',
      from,
      '--to',
      to,
      '--tables',
      'order_items',
      '--where',
      `order_items:order_id <= ${Math.ceil(ITEMS / 3)}`,
      '--limit',
      String(ITEMS),
      '--mask',
      'customers.email=email',
      '--mask',
      'customers.name=hash',
      '--mask-key',
      'bench',
      '--truncate',
      '-o',
      'json',
    ],
    io,
  );
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`data sync exit ${code}: ${err}`);
  return { ms, rows: JSON.parse(out).totalRows };
}

/** pg_dump --data-only of the four tables | psql, in one transaction on the target. */
async function peer(from: string, to: string): Promise<{ ms: number; rows: number }> {
  await exec(to, 'TRUNCATE customers, products, orders, order_items');
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const dump = spawn('pg_dump', ['--data-only', '-t', 'customers', '-t', 'products', '-t', 'orders', '-t', 'order_items', from], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const psql = spawn('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-o', '/dev/null', to], { stdio: ['pipe', 'ignore', 'inherit'] });
    dump.stdout.pipe(psql.stdin);
    let left = 2;
    const done = (name: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${name} exit ${code}`));
      else if (--left === 0) resolve();
    };
    dump.on('exit', done('pg_dump'));
    psql.on('exit', done('psql'));
  });
  const ms = performance.now() - t0;
  return { ms, rows: await count(to) };
}

const source = await createPgDatabase();
const target = await createPgDatabase();
const peerTarget = await createPgDatabase();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  await exec(source.url, SCHEMA + DATA);
  await exec(target.url, SCHEMA);
  await exec(peerTarget.url, SCHEMA);
  const started = performance.now();
  const a: { ms: number; rows: number }[] = [];
  const b: { ms: number; rows: number }[] = [];
  for (let r = 0; r < ROUNDS && performance.now() - started < BUDGET_MS; r++) {
    // alternate who goes first: the page cache and the neighbours should favour neither
    const pair =
      r % 2 === 0
        ? [() => ours(source.url, target.url), () => peer(source.url, peerTarget.url)]
        : [() => peer(source.url, peerTarget.url), () => ours(source.url, target.url)];
    const first = await pair[0]();
    const second = await pair[1]();
    const [x, y] = r % 2 === 0 ? [first, second] : [second, first];
    a.push(x);
    b.push(y);
    console.error(
      `round ${r + 1}: data sync ${x.rows} rows in ${Math.round(x.ms)} ms (${Math.round(x.rows / (x.ms / 1000))} rows/s); pg_dump | psql ${y.rows} rows in ${Math.round(y.ms)} ms (${Math.round(y.rows / (y.ms / 1000))} rows/s)`,
    );
  }
  const ms = median(a.map((x) => x.ms));
  const peerMs = median(b.map((x) => x.ms));
  const rate = a[0].rows / (ms / 1000);
  const peerRate = b[0].rows / (peerMs / 1000);
  console.log(
    JSON.stringify(
      {
        machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
        load: loadavg().map((l) => l.toFixed(2)),
        sourceRows: SIZES,
        rounds: a.length,
        dataSync: { rows: a[0].rows, medianMs: Math.round(ms), rowsPerSecond: Math.round(rate), runsMs: a.map((x) => Math.round(x.ms)) },
        pgDumpPsql: { rows: b[0].rows, medianMs: Math.round(peerMs), rowsPerSecond: Math.round(peerRate), runsMs: b.map((x) => Math.round(x.ms)) },
        timeRatio: Number((ms / peerMs).toFixed(2)),
        rowsPerSecondRatio: Number((rate / peerRate).toFixed(2)),
      },
      null,
      2,
    ),
  );
} finally {
  await source.drop();
  await target.drop();
  await peerTarget.drop();
}
