/** The insert order and the cycle strategy: parents first, deferrable cycle keys deferred, others null-then-update, the rest refused. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../core/errors';
import { planInserts, stronglyConnected } from './insert-plan';
import type { DbSchema, ForeignKey, TableInfo } from './pg-schema';

function table(key: string, columns: [string, boolean][], primaryKey = ['id']): TableInfo {
  const [schema, name] = key.split('.');
  return {
    key,
    schema,
    name,
    primaryKey,
    columns: columns.map(([c, notNull]) => ({
      name: c,
      type: 'integer',
      notNull,
      generated: false,
      identityAlways: false,
      category: 'N',
      typeName: 'int4',
      maxLength: null,
      sequence: null,
    })),
  };
}
const fk = (name: string, child: string, col: string, parent: string, deferrable = false): ForeignKey => ({
  name,
  child,
  childColumns: [col],
  parent,
  parentColumns: ['id'],
  deferrable,
});
const schemaOf = (tables: TableInfo[], foreignKeys: ForeignKey[]): DbSchema => ({ tables: new Map(tables.map((t) => [t.key, t])), foreignKeys });
const names = (fks: ForeignKey[]) => fks.map((f) => f.name).sort();

describe('planInserts', () => {
  test('parents before children along a chain, whatever order the tables are given in', () => {
    const s = schemaOf(
      [
        table('public.items', [
          ['id', true],
          ['order_id', true],
        ]),
        table('public.orders', [
          ['id', true],
          ['customer_id', true],
        ]),
        table('public.customers', [['id', true]]),
      ],
      [fk('i_o', 'public.items', 'order_id', 'public.orders'), fk('o_c', 'public.orders', 'customer_id', 'public.customers')],
    );
    const p = planInserts(s, ['public.items', 'public.orders', 'public.customers']);
    assert.deepEqual(p.order, ['public.customers', 'public.orders', 'public.items']);
    assert.deepEqual([p.deferred, p.nullThenUpdate], [[], []]);
  });

  test('a two-table cycle: the deferrable key is deferred, the other is null-then-update; a self-reference is null-then-update', () => {
    const s = schemaOf(
      [
        table('public.teams', [
          ['id', true],
          ['lead_id', false],
        ]),
        table('public.employees', [
          ['id', true],
          ['team_id', false],
          ['manager_id', false],
        ]),
      ],
      [
        fk('lead', 'public.teams', 'lead_id', 'public.employees', true),
        fk('team', 'public.employees', 'team_id', 'public.teams'),
        fk('mgr', 'public.employees', 'manager_id', 'public.employees'),
      ],
    );
    const p = planInserts(s, ['public.teams', 'public.employees']);
    assert.deepEqual(names(p.deferred), ['lead']);
    assert.deepEqual(names(p.nullThenUpdate), ['mgr', 'team']);
    assert.deepEqual(p.order.sort(), ['public.employees', 'public.teams']);
  });

  test('a cycle with one NOT NULL, non-deferrable key is ordered by it: its parent goes first', () => {
    const s = schemaOf(
      [
        table('public.a', [
          ['id', true],
          ['b_id', true],
        ]),
        table('public.b', [
          ['id', true],
          ['a_id', false],
        ]),
      ],
      [fk('a_b', 'public.a', 'b_id', 'public.b'), fk('b_a', 'public.b', 'a_id', 'public.a')],
    );
    const p = planInserts(s, ['public.a', 'public.b']);
    assert.deepEqual(p.order, ['public.b', 'public.a']);
    assert.deepEqual(names(p.nullThenUpdate), ['b_a']);
  });

  test('a cycle of NOT NULL, non-deferrable keys is refused naming them', () => {
    const s = schemaOf(
      [
        table('public.a', [
          ['id', true],
          ['b_id', true],
        ]),
        table('public.b', [
          ['id', true],
          ['a_id', true],
        ]),
      ],
      [fk('a_b', 'public.a', 'b_id', 'public.b'), fk('b_a', 'public.b', 'a_id', 'public.a')],
    );
    assert.throws(
      () => planInserts(s, ['public.a', 'public.b']),
      (e: unknown) => e instanceof InputError && /a_b .*b_a|b_a .*a_b/.test(e.message),
    );
    const self = schemaOf(
      [
        table('public.n', [
          ['id', true],
          ['up', true],
        ]),
      ],
      [fk('up', 'public.n', 'up', 'public.n')],
    );
    assert.throws(() => planInserts(self, ['public.n']), /up \(public\.n → public\.n\)/);
  });

  test('foreign keys to tables outside the copy are ignored', () => {
    const s = schemaOf(
      [
        table('public.a', [
          ['id', true],
          ['x', true],
        ]),
      ],
      [fk('a_x', 'public.a', 'x', 'public.elsewhere')],
    );
    assert.deepEqual(planInserts(s, ['public.a']).order, ['public.a']);
  });
});

describe('stronglyConnected', () => {
  test('components of a graph with a cycle, a self-loop and a tail', () => {
    const c = stronglyConnected(
      ['a', 'b', 'c', 'd'],
      new Map([
        ['a', ['b']],
        ['b', ['a', 'c']],
        ['c', ['c']],
        ['d', ['a']],
      ]),
    );
    assert.equal(c.get('a'), c.get('b'));
    assert.notEqual(c.get('a'), c.get('c'));
    assert.notEqual(c.get('d'), c.get('a'));
  });
});
