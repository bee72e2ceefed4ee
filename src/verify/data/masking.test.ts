/** Masking rules and the mask plan: parsing, key-column propagation and refusals, HMAC consistency, email uniqueness. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { InputError } from '../../core/errors';
import { EMAIL_MIN_LENGTH, Masker, parseMaskSpec, planMasks } from './masking';
import type { ColumnInfo, DbSchema, TableInfo } from './pg-schema';

const col = (name: string, over: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type: 'text',
  notNull: false,
  generated: false,
  identityAlways: false,
  category: 'S',
  typeName: 'text',
  maxLength: null,
  sequence: null,
  ...over,
});
const varchar = (name: string, n: number, over: Partial<ColumnInfo> = {}) =>
  col(name, { type: `character varying(${n})`, typeName: 'varchar', maxLength: n, ...over });
const int = (name: string, over: Partial<ColumnInfo> = {}) => col(name, { type: 'integer', typeName: 'int4', category: 'N', ...over });

function table(key: string, columns: ColumnInfo[], primaryKey: string[]): TableInfo {
  const [schema, name] = key.split('.');
  return { key, schema, name, columns, primaryKey };
}

const schema: DbSchema = {
  tables: new Map([
    [
      'public.customers',
      table(
        'public.customers',
        [int('id', { notNull: true }), varchar('code', 12, { notNull: true }), varchar('email', 80, { notNull: true }), col('note'), varchar('tiny', 10)],
        ['id'],
      ),
    ],
    ['public.orders', table('public.orders', [int('id'), int('customer_id'), col('customer_code'), varchar('contact', 80)], ['id'])],
    ['public.things', table('public.things', [col('id', { type: 'uuid', typeName: 'uuid', category: 'U' })], ['id'])],
  ]),
  foreignKeys: [
    { name: 'o_c', child: 'public.orders', childColumns: ['customer_id'], parent: 'public.customers', parentColumns: ['id'], deferrable: false },
    { name: 'o_code', child: 'public.orders', childColumns: ['customer_code'], parent: 'public.customers', parentColumns: ['code'], deferrable: false },
  ],
};
const ALL = ['public.orders', 'public.customers', 'public.things'];
const plan = (...specs: string[]) => planMasks(schema, ALL, specs.map(parseMaskSpec));
const refusal = (...specs: string[]): string => {
  try {
    plan(...specs);
  } catch (e) {
    assert.ok(e instanceof InputError);
    return e.issues.map((i) => i.message).join('\n');
  }
  assert.fail('expected a refusal');
};

describe('parseMaskSpec', () => {
  test('table.column=rule, schema.table.column=rule, fixed:VALUE keeps what follows the first colon', () => {
    assert.deepEqual(parseMaskSpec('customers.email=email'), {
      table: 'public.customers',
      column: 'email',
      rule: { kind: 'email' },
      text: 'customers.email=email',
    });
    assert.deepEqual(parseMaskSpec('hr.badges.code=hash').table, 'hr.badges');
    assert.deepEqual(parseMaskSpec('t.c=fixed:a:b=c').rule, { kind: 'fixed', value: 'a:b=c' });
  });
  for (const bad of ['email', 'customers=hash', 'customers.=hash', '.c=hash', 'customers.email=scramble']) {
    test(`refuses ${bad}`, () => assert.throws(() => parseMaskSpec(bad), InputError));
  }
});

describe('planMasks', () => {
  test('a hashed key column propagates to every column a foreign key links it to, cut to the shortest length', () => {
    const p = plan('customers.code=hash');
    assert.deepEqual(p.get('public.customers')!.get('code'), { rule: { kind: 'hash' }, hashLength: 12, uuid: false, propagated: false });
    assert.deepEqual(p.get('public.orders')!.get('customer_code'), { rule: { kind: 'hash' }, hashLength: 12, uuid: false, propagated: true });
  });
  test('non-key columns keep their own rule and length; keep leaves no mask', () => {
    const p = plan('customers.note=null', 'orders.contact=email', 'customers.email=keep', 'customers.tiny=hash');
    assert.equal(p.get('public.customers')!.get('note')!.rule.kind, 'null');
    assert.equal(p.get('public.customers')!.get('tiny')!.hashLength, 10);
    assert.equal(p.get('public.customers')!.has('email'), false);
    assert.equal(p.get('public.orders')!.get('contact')!.rule.kind, 'email');
  });
  test('a uuid key is hashed into a uuid', () => {
    assert.equal(plan('things.id=hash').get('public.things')!.get('id')!.uuid, true);
  });
  test('refusals name the column and the reason', () => {
    assert.match(refusal('customers.email=null'), /public\.customers\.email is NOT NULL/);
    assert.match(refusal('orders.customer_code=fixed:X'), /key column .*can only be masked with hash or email/);
    assert.match(refusal('customers.code=null'), /key column/);
    assert.match(refusal('customers.code=hash', 'orders.customer_code=keep'), /must be masked alike/);
    assert.match(refusal('customers.id=hash'), /is integer; hash needs a text/);
    assert.match(refusal('customers.tiny=email'), new RegExp(`holds 10 characters; an email mask needs ${EMAIL_MIN_LENGTH}`));
    assert.match(refusal('customers.nope=hash'), /has no column nope/);
    assert.match(refusal('nope.c=hash'), /no table public\.nope/);
    assert.match(refusal('customers.note=hash', 'customers.note=null'), /masked twice/);
  });
  test('a mask on a table the copy does not reach is refused', () => {
    assert.throws(
      () => planMasks(schema, ['public.orders'], [parseMaskSpec('things.id=hash')]),
      (e: unknown) => e instanceof InputError && /things\.id=hash: public\.things is not copied/.test(e.issues[0].message),
    );
  });
});

describe('Masker', () => {
  const hmac = (key: string, v: string) => createHmac('sha256', key).update(v).digest('hex');
  test('hash is the keyed HMAC-SHA256, cut to the length; another key gives another value', () => {
    const m = new Masker('k1');
    assert.equal(m.hash('C1', null, false), hmac('k1', 'C1'));
    assert.equal(m.hash('C1', 12, false), hmac('k1', 'C1').slice(0, 12));
    assert.notEqual(new Masker('k2').hash('C1', null, false), m.hash('C1', null, false));
  });
  test('a uuid hash is a well-formed uuid from the first 128 bits', () => {
    const h = hmac('k', 'x');
    assert.equal(new Masker('k').hash('x', null, true), `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`);
  });
  test('email: the same input gives the same address in every table, distinct inputs distinct addresses', () => {
    const m = new Masker('k');
    const a = m.email('ann@shop.test');
    assert.equal(a, `user${hmac('k', 'ann@shop.test').slice(0, 8)}@example.invalid`);
    assert.equal(m.email('ann@shop.test'), a);
    const many = new Set(Array.from({ length: 20000 }, (_, i) => m.email(`person${i}@shop.test`)));
    assert.equal(many.size, 20000);
    for (const e of many) assert.match(e, /^user[0-9a-f]{8,64}@example\.invalid$/);
  });
  test('row() masks only the planned columns and keeps NULLs NULL', () => {
    const m = new Masker('k');
    const masks = plan('customers.code=hash', 'customers.note=fixed:n/a').get('public.customers');
    const r = m.row(masks, { id: '1', code: 'C1', email: 'a@b', note: null });
    assert.deepEqual(r, { id: '1', code: hmac('k', 'C1').slice(0, 12), email: 'a@b', note: 'n/a' });
    assert.deepEqual(m.row(plan('customers.code=hash').get('public.orders'), { customer_code: null }), { customer_code: null });
  });
});
