/** The foreign-key closure over an in-memory fake of the row port: fixed point, cycles, composite keys, NULLs, caps. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closeOver, DanglingReferenceError, RowCapError, type Row, type RowSource } from './closure';
import type { DbSchema, ForeignKey, TableInfo } from './pg-schema';

function table(key: string, columns: string[], primaryKey: string[]): TableInfo {
  const [schema, name] = key.split('.');
  return {
    key,
    schema,
    name,
    primaryKey,
    columns: columns.map((c) => ({
      name: c,
      type: 'text',
      notNull: false,
      generated: false,
      identityAlways: false,
      category: 'S',
      typeName: 'text',
      maxLength: null,
      sequence: null,
    })),
  };
}

const fk = (name: string, child: string, childColumns: string[], parent: string, parentColumns: string[]): ForeignKey => ({
  name,
  child,
  childColumns,
  parent,
  parentColumns,
  deferrable: false,
});

/** Rows in memory; counts every key asked for, so a test can see each tuple is fetched once. */
class FakeSource implements RowSource {
  readonly asked: string[] = [];
  calls = 0;
  constructor(private readonly data: Record<string, Row[]>) {}
  async rowsByKey(t: string, columns: string[], keys: string[][]): Promise<Row[]> {
    this.calls++;
    for (const k of keys) this.asked.push(`${t}(${columns.join(',')})=${k.join(',')}`);
    const wanted = new Set(keys.map((k) => JSON.stringify(k)));
    return (this.data[t] ?? []).filter((r) => wanted.has(JSON.stringify(columns.map((c) => r[c]))));
  }
}

const ids = (rows: Row[] | undefined, col = 'id') => (rows ?? []).map((r) => r[col]).sort();

describe('closeOver', () => {
  // employees.manager_id → employees (self), employees.team_id → teams, teams.lead_id → employees (cycle)
  const schema: DbSchema = {
    tables: new Map([
      ['public.employees', table('public.employees', ['id', 'team_id', 'manager_id'], ['id'])],
      ['public.teams', table('public.teams', ['id', 'lead_id'], ['id'])],
    ]),
    foreignKeys: [
      fk('mgr', 'public.employees', ['manager_id'], 'public.employees', ['id']),
      fk('team', 'public.employees', ['team_id'], 'public.teams', ['id']),
      fk('lead', 'public.teams', ['lead_id'], 'public.employees', ['id']),
    ],
  };
  const data = {
    'public.employees': [
      { id: '1', team_id: '1', manager_id: null },
      { id: '2', team_id: '2', manager_id: '1' },
      { id: '3', team_id: '2', manager_id: '2' },
      { id: '4', team_id: '3', manager_id: '3' },
      { id: '5', team_id: '1', manager_id: '1' },
      { id: '6', team_id: '1', manager_id: '5' },
    ],
    'public.teams': [
      { id: '1', lead_id: '1' },
      { id: '2', lead_id: '2' },
      { id: '3', lead_id: '5' },
    ],
  };

  test('follows a self-reference and a two-table cycle to the fixed point, asking for each key once', async () => {
    const source = new FakeSource(data);
    const r = await closeOver({ schema, seeds: new Map([['public.employees', [data['public.employees'][3]]]]), source, maxRows: 100 });
    assert.deepEqual(ids(r.tables.get('public.employees')!.rows), ['1', '2', '3', '4', '5']);
    assert.deepEqual(ids(r.tables.get('public.teams')!.rows), ['1', '2', '3']);
    assert.equal(r.tables.get('public.employees')!.selected, 1);
    assert.equal(r.tables.get('public.employees')!.pulledIn, 4);
    assert.equal(r.tables.get('public.teams')!.pulledIn, 3);
    assert.equal(r.totalRows, 8);
    assert.equal(new Set(source.asked).size, source.asked.length, `a key was asked twice: ${source.asked.join(' ')}`);
  });

  test('a selected row is not counted again when the closure reaches it', async () => {
    const source = new FakeSource(data);
    const seeds = new Map([['public.employees', [data['public.employees'][1], data['public.employees'][0]]]]);
    const r = await closeOver({ schema, seeds, source, maxRows: 100 });
    const e = r.tables.get('public.employees')!;
    assert.deepEqual([e.selected, e.pulledIn], [2, 0]);
    assert.deepEqual(ids(r.tables.get('public.teams')!.rows), ['1', '2']);
  });

  test('children seeds are counted apart and closed over like the selected rows', async () => {
    const source = new FakeSource(data);
    const seeds = new Map([['public.teams', [data['public.teams'][2]]]]);
    const children = new Map([['public.employees', [data['public.employees'][3]]]]);
    const r = await closeOver({ schema, seeds, children, source, maxRows: 100 });
    const e = r.tables.get('public.employees')!;
    assert.deepEqual([e.selected, e.children, e.pulledIn], [0, 1, 4]);
    const t = r.tables.get('public.teams')!;
    assert.deepEqual([t.selected, t.children, t.pulledIn], [1, 0, 2]);
  });

  test('composite keys are matched on every column; a NULL in any of them is no reference', async () => {
    const s: DbSchema = {
      tables: new Map([
        ['public.items', table('public.items', ['id', 'sku', 'region'], ['id'])],
        ['public.products', table('public.products', ['sku', 'region', 'title'], ['sku', 'region'])],
      ]),
      foreignKeys: [fk('prod', 'public.items', ['sku', 'region'], 'public.products', ['sku', 'region'])],
    };
    const products = [
      { sku: 'a', region: 'eu', title: 'A eu' },
      { sku: 'a', region: 'us', title: 'A us' },
      { sku: 'b', region: 'eu', title: 'B eu' },
    ];
    const items = [
      { id: '1', sku: 'a', region: 'us' },
      { id: '2', sku: 'b', region: null },
      { id: '3', sku: 'a', region: 'us' },
    ];
    const source = new FakeSource({ 'public.products': products });
    const r = await closeOver({ schema: s, seeds: new Map([['public.items', items]]), source, maxRows: 100 });
    assert.deepEqual(r.tables.get('public.products')!.rows, [{ sku: 'a', region: 'us', title: 'A us' }]);
    assert.deepEqual(source.asked, ['public.products(sku,region)=a,us']);
  });

  test('keys are fetched in batches of batchSize', async () => {
    const s: DbSchema = {
      tables: new Map([
        ['public.c', table('public.c', ['id', 'p'], ['id'])],
        ['public.p', table('public.p', ['id'], ['id'])],
      ]),
      foreignKeys: [fk('cp', 'public.c', ['p'], 'public.p', ['id'])],
    };
    const children = Array.from({ length: 25 }, (_, i) => ({ id: String(i), p: String(i % 11) }));
    const source = new FakeSource({ 'public.p': Array.from({ length: 11 }, (_, i) => ({ id: String(i) })) });
    const r = await closeOver({ schema: s, seeds: new Map([['public.c', children]]), source, maxRows: 100, batchSize: 4 });
    assert.equal(r.tables.get('public.p')!.rows.length, 11);
    assert.equal(source.calls, 3);
  });

  test('tables without a primary key are deduplicated on all their values', async () => {
    const s: DbSchema = {
      tables: new Map([
        ['public.log', table('public.log', ['at', 'who'], [])],
        ['public.users', table('public.users', ['name'], [])],
      ]),
      foreignKeys: [fk('who', 'public.log', ['who'], 'public.users', ['name'])],
    };
    const source = new FakeSource({ 'public.users': [{ name: 'ann' }] });
    const seeds = new Map([
      [
        'public.log',
        [
          { at: '1', who: 'ann' },
          { at: '1', who: 'ann' },
          { at: '2', who: 'ann' },
        ],
      ],
    ]);
    const r = await closeOver({ schema: s, seeds, source, maxRows: 100 });
    assert.equal(r.tables.get('public.log')!.rows.length, 2);
    assert.equal(r.tables.get('public.users')!.rows.length, 1);
  });

  test('the total row cap stops the closure with a RowCapError naming the table', async () => {
    const source = new FakeSource(data);
    await assert.rejects(
      closeOver({ schema, seeds: new Map([['public.employees', [data['public.employees'][3]]]]), source, maxRows: 5 }),
      (e: unknown) => e instanceof RowCapError && e.cap === 5 && /row cap of 5/.test(e.message),
    );
  });

  test('between columns of different types a reference not found by its text is left to the target, not refused', async () => {
    const t = (key: string, cols: string[], type: string) => {
      const info = table(key, cols, [cols[0]]);
      info.columns = info.columns.map((c) => ({ ...c, type }));
      return info;
    };
    const s: DbSchema = {
      tables: new Map([
        ['public.c', t('public.c', ['id', 'price'], 'numeric(10,2)')],
        ['public.p', t('public.p', ['price'], 'numeric')],
      ]),
      foreignKeys: [fk('cp', 'public.c', ['price'], 'public.p', ['price'])],
    };
    const source = new FakeSource({ 'public.p': [{ price: '1.5' }] });
    const r = await closeOver({ schema: s, seeds: new Map([['public.c', [{ id: '1', price: '1.50' }]]]), source, maxRows: 10 });
    assert.equal(r.tables.get('public.p')?.rows.length ?? 0, 0);
    assert.deepEqual(source.asked, ['public.p(price)=1.50']);
  });

  test('a reference the source cannot satisfy is a DanglingReferenceError naming the foreign key and key', async () => {
    const source = new FakeSource({ 'public.teams': [] });
    await assert.rejects(
      closeOver({ schema, seeds: new Map([['public.employees', [{ id: '9', team_id: '42', manager_id: null }]]]), source, maxRows: 100 }),
      (e: unknown) => e instanceof DanglingReferenceError && e.fk.name === 'team' && /\(42\)/.test(e.message),
    );
  });
});
