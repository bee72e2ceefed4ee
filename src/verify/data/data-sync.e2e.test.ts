/**
 * `shipgate data sync` end to end on the real PostgreSQL at 127.0.0.1:5432: each test creates its
 * source and target databases (testdata/schema.sql, testdata/rows.sql) and drops them however it ends.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { main } from '../../cli/main';
import { createPgDatabase } from '../../testing/postgres';

const here = dirname(fileURLToPath(import.meta.url));
const SCHEMA = readFileSync(join(here, 'testdata/schema.sql'), 'utf8');
const ROWS = readFileSync(join(here, 'testdata/rows.sql'), 'utf8');
const KEY = 'test-mask-key';

const drops: (() => Promise<void>)[] = [];
after(async () => {
  for (const d of drops) await d().catch(() => {});
});

async function database(sql: string[]): Promise<string> {
  const db = await createPgDatabase();
  drops.push(db.drop);
  await query(db.url, sql.join('\n'));
  return db.url;
}

async function query(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

const rows = async (url: string, sql: string) => (await query(url, sql)).rows;

async function sync(args: string[]) {
  const o = { out: '', err: '' };
  const io = { stdout: (t: string) => (o.out += t), stderr: (t: string) => (o.err += t), env: {}, cwd: here, isTTY: false };
  const code = await main(['data', 'sync', ...args], io);
  return { code, ...o };
}

const ROOTS = [
  '--tables',
  'orders,order_items,hr.badges',
  '--where',
  'orders:id IN (2, 5)',
  '--where',
  'order_items:order_id = 7',
  '--where',
  'hr.badges:id = 10',
];

/** Every user table's rows on `url`, as `table: [primary keys…]`, sorted. */
async function keySets(url: string): Promise<Record<string, string[]>> {
  const q = async (sql: string) => (await rows(url, sql)).map((r) => String(r.k));
  return {
    customers: await q('SELECT id AS k FROM customers ORDER BY id'),
    products: await q(`SELECT sku || '/' || region AS k FROM products ORDER BY 1`),
    orders: await q('SELECT id AS k FROM orders ORDER BY id'),
    order_items: await q(`SELECT order_id || '/' || line AS k FROM order_items ORDER BY 1`),
    teams: await q('SELECT id AS k FROM teams ORDER BY id'),
    employees: await q('SELECT id AS k FROM employees ORDER BY id'),
    badges: await q('SELECT id AS k FROM hr.badges ORDER BY id'),
    audit_log: await q('SELECT id AS k FROM audit_log ORDER BY id'),
  };
}

const EMPTY = { customers: [], products: [], orders: [], order_items: [], teams: [], employees: [], badges: [], audit_log: [] };

const EXPECTED = {
  customers: ['1', '2', '3', '4'],
  products: ['a/eu', 'b/eu'],
  orders: ['2', '5', '7'],
  order_items: ['7/1', '7/2'],
  teams: ['1', '2', '3'],
  employees: ['1', '2', '3', '4', '5'],
  badges: ['10'],
  audit_log: [],
};

describe('shipgate data sync', () => {
  test('copies the selected rows and their foreign-key closure (composite key, two-table cycle, self-reference), values intact', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA]);
    const r = await sync(['--from', from, '--to', to, ...ROOTS, '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(await keySets(to), EXPECTED);
    const report = JSON.parse(r.out);
    const byTable = Object.fromEntries(report.tables.map((t: { table: string; selected: number; pulledIn: number }) => [t.table, [t.selected, t.pulledIn]]));
    assert.deepEqual(byTable, {
      'public.orders': [2, 1],
      'public.order_items': [2, 0],
      'hr.badges': [1, 0],
      'public.customers': [0, 4],
      'public.products': [0, 2],
      'public.employees': [0, 5],
      'public.teams': [0, 3],
    });
    assert.equal(report.totalRows, 20);
    assert.equal(report.written, true);
    assert.deepEqual(report.deferred, ['public.teams.teams_lead_fk']);
    assert.deepEqual(report.nullThenUpdate.sort(), ['public.employees.employees_manager_id_fkey', 'public.employees.employees_team_id_fkey']);
    // the nulled cycle columns were set back, and typed values (arrays, jsonb, numeric, timestamptz, identity) survived
    assert.deepEqual(
      await rows(to, 'SELECT id, team_id, manager_id FROM employees ORDER BY id'),
      await rows(from, 'SELECT id, team_id, manager_id FROM employees WHERE id <= 5 ORDER BY id'),
    );
    assert.deepEqual(await rows(to, 'SELECT id, lead_id FROM teams ORDER BY id'), await rows(from, 'SELECT id, lead_id FROM teams WHERE id <= 3 ORDER BY id'));
    const cols = 'id, customer_id, customer_code, contact_email, created_at, total, tags, meta';
    assert.deepEqual(
      await rows(to, `SELECT ${cols} FROM orders ORDER BY id`),
      await rows(from, `SELECT ${cols} FROM orders WHERE id IN (2, 5, 7) ORDER BY id`),
    );
    assert.deepEqual(await rows(to, 'SELECT * FROM order_items ORDER BY line'), await rows(from, 'SELECT * FROM order_items WHERE order_id = 7 ORDER BY line'));
    // the identity's sequence was moved past the copied values: staging's next row does not collide
    assert.deepEqual(report.sequences, { order_items_qty_seq: 4 });
    assert.deepEqual(await rows(to, `INSERT INTO order_items (order_id, line, sku, region) VALUES (7, 3, 'a', 'eu') RETURNING qty`), [{ qty: 5 }]);
    // the source is untouched
    assert.deepEqual(await keySets(from), {
      customers: ['1', '2', '3', '4', '5', '6'],
      products: ['a/eu', 'a/us', 'b/eu', 'c/us'],
      orders: ['1', '2', '5', '7', '8'],
      order_items: ['1/1', '7/1', '7/2', '8/1'],
      teams: ['1', '2', '3', '4'],
      employees: ['1', '2', '3', '4', '5', '6', '7'],
      badges: ['10', '11'],
      audit_log: ['1'],
    });
  });

  test('masks consistently: a hashed key column and its foreign key still join, equal emails in two tables mask alike', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA]);
    const r = await sync([
      '--from',
      from,
      '--to',
      to,
      '--tables',
      'orders',
      '--mask',
      'customers.code=hash',
      '--mask',
      'customers.email=email',
      '--mask',
      'orders.contact_email=email',
      '--mask',
      'customers.note=null',
      '--mask',
      'customers.name=fixed:Someone',
      '--mask-key',
      KEY,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /customer_code=hash \(linked\)/);
    const hmac = (v: string) => createHmac('sha256', KEY).update(v).digest('hex');
    const customers = await rows(to, 'SELECT id, code, email, name, note FROM customers ORDER BY id');
    assert.deepEqual(
      customers.map((c) => c.code),
      ['C1', 'C2', 'C3', 'C4', 'C6'].map((c) => hmac(c).slice(0, 12)),
    );
    assert.ok(customers.every((c) => c.name === 'Someone' && c.note === null));
    assert.ok(customers.every((c) => /^user[0-9a-f]{8,}@example\.invalid$/.test(c.email)));
    assert.equal(new Set(customers.map((c) => c.email)).size, customers.length);
    assert.equal(customers[0].email, `user${hmac('ann@shop.test').slice(0, 8)}@example.invalid`);
    // the same joins as in the source: by masked code, and by masked email
    const byCode = 'SELECT o.id, c.id AS cid FROM orders o JOIN customers c ON c.code = o.customer_code ORDER BY o.id';
    assert.deepEqual(await rows(to, byCode), await rows(from, byCode));
    assert.equal((await rows(to, byCode)).length, 4);
    const byEmail = 'SELECT o.id, c.id AS cid FROM orders o JOIN customers c ON c.email = o.contact_email ORDER BY o.id';
    assert.deepEqual(await rows(to, byEmail), await rows(from, byEmail));
    assert.equal((await rows(to, byEmail)).length, 4);
  });

  test('--dry-run reports the same rows and writes nothing', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA]);
    const r = await sync(['--from', from, '--to', to, ...ROOTS, '--dry-run', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.dryRun, true);
    assert.equal(report.written, false);
    assert.equal(report.totalRows, 20);
    assert.deepEqual(await keySets(to), EMPTY);
  });

  test('a null mask on a NOT NULL column is refused before anything is written', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA]);
    const r = await sync(['--from', from, '--to', to, ...ROOTS, '--mask', 'customers.email=null']);
    assert.equal(r.code, 2);
    assert.match(r.err, /public\.customers\.email is NOT NULL/);
    assert.deepEqual(await keySets(to), EMPTY);
  });

  test('a key column masked with anything but hash or email, or linked columns masked differently, is refused', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA]);
    const fixed = await sync(['--from', from, '--to', to, '--tables', 'orders', '--mask', 'orders.customer_code=fixed:X']);
    assert.equal(fixed.code, 2);
    assert.match(fixed.err, /key column .*can only be masked with hash or email/);
    const conflict = await sync(['--from', from, '--to', to, '--tables', 'orders', '--mask', 'orders.customer_code=hash', '--mask', 'customers.code=keep']);
    assert.equal(conflict.code, 2);
    assert.match(conflict.err, /linked by foreign keys .* must be masked alike/);
    const intHash = await sync(['--from', from, '--to', to, '--tables', 'orders', '--mask', 'customers.id=hash']);
    assert.equal(intHash.code, 2);
    assert.match(intHash.err, /public\.(orders\.customer_id|customers\.id) is integer; hash needs a text/);
    assert.deepEqual(await keySets(to), EMPTY);
  });

  test('a table or column missing on the target is exit 2 naming it, nothing written', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA, 'ALTER TABLE customers DROP COLUMN note;', 'DROP TABLE hr.badges;']);
    const r = await sync(['--from', from, '--to', to, ...ROOTS]);
    assert.equal(r.code, 2);
    assert.match(r.err, /the target has no table hr\.badges/);
    assert.match(r.err, /the target's public\.customers has no column note/);
    const withoutBadges = await database([SCHEMA, 'ALTER TABLE customers DROP COLUMN note;']);
    const r2 = await sync(['--from', from, '--to', withoutBadges, '--tables', 'orders']);
    assert.equal(r2.code, 2);
    assert.deepEqual(await keySets(withoutBadges), EMPTY);
  });

  test('an existing primary key is exit 1 naming the table and key, nothing written; --truncate replaces the rows', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA, `INSERT INTO customers VALUES (4, 'OLD4', 'old@x.test', 'old', NULL), (9, 'OLD9', 'nine@x.test', 'nine', NULL);`]);
    const r = await sync(['--from', from, '--to', to, ...ROOTS]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /target refused the copy, nothing was written: .*customers_pkey.*Key \(id\)=\(4\) already exists.*table public\.customers/);
    assert.deepEqual(await keySets(to), { ...EMPTY, customers: ['4', '9'] });
    const t = await sync(['--from', from, '--to', to, ...ROOTS, '--truncate']);
    assert.equal(t.code, 0, t.err);
    assert.deepEqual(await keySets(to), EXPECTED);
    assert.deepEqual(await rows(to, 'SELECT code FROM customers WHERE id = 4'), [{ code: 'C4' }]);
  });

  test('the same database under two URLs is refused; an unreachable server is exit 3', async () => {
    const from = await database([SCHEMA, ROWS]);
    const other = new URL(from);
    other.hostname = 'localhost';
    const same = await sync(['--from', from, '--to', other.toString(), ...ROOTS]);
    assert.equal(same.code, 2);
    assert.match(same.err, /--from and --to are the same database/);
    const down = new URL(from);
    down.port = '1';
    const unreachable = await sync(['--from', from, '--to', down.toString(), ...ROOTS]);
    assert.equal(unreachable.code, 3, unreachable.err);
    assert.match(unreachable.err, /--to: cannot reach/);
  });

  test('--where runs on a read-only connection: a write through it is refused and the source unchanged', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA]);
    const r = await sync(['--from', from, '--to', to, '--tables', 'orders', '--where', "orders:id = nextval('ticket_seq')"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /read-only transaction/);
    assert.deepEqual(await rows(from, 'SELECT last_value, is_called FROM ticket_seq'), [{ last_value: '1', is_called: false }]);
    const multi = await sync(['--from', from, '--to', to, '--tables', 'orders', '--where', 'orders:true); DELETE FROM orders; SELECT (1']);
    assert.equal(multi.code, 2);
    assert.equal((await rows(from, 'SELECT count(*)::int AS n FROM orders'))[0].n, 5);
    assert.deepEqual(await keySets(to), EMPTY);
  });

  test('--with-children brings the rows that reference the selected ones, and what those reference', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA]);
    const r = await sync(['--from', from, '--to', to, '--tables', 'customers', '--where', 'customers:id = 4', '--with-children', 'orders', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    // order 5 references customer 4 by code (customer_code = 'C4'); it belongs to customer 3 by id
    assert.deepEqual(await keySets(to), { ...EMPTY, customers: ['3', '4'], orders: ['5'] });
    const t = Object.fromEntries(
      JSON.parse(r.out).tables.map((x: { table: string; selected: number; children: number; pulledIn: number }) => [
        x.table,
        [x.selected, x.children, x.pulledIn],
      ]),
    );
    assert.deepEqual(t, { 'public.customers': [1, 0, 1], 'public.orders': [0, 1, 0] });
    const bad = await sync(['--from', from, '--to', to, '--tables', 'orders', '--with-children', 'products', '--dry-run']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /public\.products has no foreign key to one of --tables/);
  });

  test('a partitioned table is copied through its declared foreign key, once, not through its partitions', async () => {
    const schema = `
      CREATE TABLE events (id int, at date NOT NULL, kind text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      CREATE TABLE notes (id int PRIMARY KEY, event_id int NOT NULL, event_at date NOT NULL, FOREIGN KEY (event_id, event_at) REFERENCES events);`;
    const from = await database([
      schema,
      `INSERT INTO events VALUES (1, '2025-03-01', 'a'), (2, '2026-03-01', 'b'), (3, '2026-04-01', 'c');
       INSERT INTO notes VALUES (10, 1, '2025-03-01'), (11, 2, '2026-03-01');`,
    ]);
    const to = await database([schema]);
    const r = await sync(['--from', from, '--to', to, '--tables', 'notes', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      JSON.parse(r.out).tables.map((t: { table: string; rows: number }) => [t.table, t.rows]),
      [
        ['public.notes', 2],
        ['public.events', 2],
      ],
    );
    assert.deepEqual(await rows(to, 'SELECT tableoid::regclass::text AS p, id FROM events ORDER BY id'), [
      { p: 'events_2025', id: 1 },
      { p: 'events_2026', id: 2 },
    ]);
  });

  test('--limit bounds each root table; the total row cap is a clear error', async () => {
    const from = await database([SCHEMA, ROWS]);
    const to = await database([SCHEMA]);
    const limited = await sync(['--from', from, '--to', to, '--tables', 'customers', '--limit', '2', '--dry-run', '-o', 'json']);
    assert.equal(limited.code, 0, limited.err);
    assert.equal(JSON.parse(limited.out).totalRows, 2);
    const capped = await sync(['--from', from, '--to', to, ...ROOTS, '--max-rows', '10']);
    assert.equal(capped.code, 2);
    assert.match(capped.err, /exceed the total row cap of 10 rows/);
    assert.deepEqual(await keySets(to), EMPTY);
  });
});
