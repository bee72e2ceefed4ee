import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/harness';
import { RESOURCE_CHANGED, type ResourceChanged } from '../core/events';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { transaction } from '../store/db';
import type { RouteTableSpec } from '../router/route-table';
import { BuiltinTrafficRouter, managedTableName } from './builtin-traffic-router';
import type { TrafficState } from './traffic-router';

describe('builtin TrafficRouter over RouteTable resources', () => {
  let s: TestServer;
  let t: BuiltinTrafficRouter;
  const events: ResourceChanged[] = [];
  const state = (w: number, extra: Partial<TrafficState> = {}): TrafficState => ({
    backends: [
      { version: 'v1', weightPercent: 100 - w, instances: ['http://127.0.0.1:9001'] },
      { version: 'v2', weightPercent: w, instances: ['http://127.0.0.1:9002'] },
    ],
    headerRoutes: [],
    mirror: null,
    ...extra,
  });
  const table = async (name: string) => (await s.server.ctx.resources.get<RouteTableSpec>(SHIPGATE_API_VERSION, 'RouteTable', name))?.manifest;

  before(async () => {
    s = await startTestServer();
    const ctx = s.server.ctx;
    ctx.events.on(RESOURCE_CHANGED, (e) => void events.push(e));
    t = new BuiltinTrafficRouter({ db: ctx.db, resources: ctx.resources, events: ctx.events, inProcess: () => undefined });
  });
  after(() => s.close());

  test('creates a managed table for a new route; every change is audited and announced', async () => {
    await t.apply('api', state(10, { headerRoutes: [{ header: 'X-Canary', value: '1', version: 'v2' }], mirror: { version: 'v2', percent: 5 } }), 'shipgate');
    const m = await table(managedTableName('api'));
    const r = m!.spec.routes[0];
    assert.deepEqual(
      r.backends.map((b) => [b.version, b.weight]),
      [
        ['v1', 90],
        ['v2', 10],
      ],
    );
    assert.deepEqual(r.headerRoutes, [{ header: 'x-canary', value: '1', version: 'v2' }]);
    assert.deepEqual(r.mirror, { version: 'v2', percent: 5 });
    assert.deepEqual(events.at(-1), { apiVersion: SHIPGATE_API_VERSION, kind: 'RouteTable', name: 'rollout-api', action: 'created' });
    const n = events.length;
    await t.apply('api', state(10, { headerRoutes: [{ header: 'X-Canary', value: '1', version: 'v2' }], mirror: { version: 'v2', percent: 5 } }), 'shipgate');
    assert.equal(events.length, n, 'an identical state is no change');
    assert.deepEqual(
      (await t.current('api'))!.backends.map((b) => b.weightPercent),
      [90, 10],
    );
  });

  test("keeps the author's route settings when the route is in their table", async () => {
    const own = {
      apiVersion: SHIPGATE_API_VERSION,
      kind: 'RouteTable',
      metadata: { name: 'edge' },
      spec: {
        routes: [
          { name: 'shop', stickiness: { header: 'x-user-id', cookie: 'sg' }, backends: [{ version: 'old', weight: 1, instances: ['http://127.0.0.1:9000'] }] },
        ],
      },
    };
    await transaction(s.server.ctx.db, (trx) => s.server.ctx.resources.put(trx, own, 'ann'));
    await t.apply('shop', state(50), 'shipgate');
    const r = (await table('edge'))!.spec.routes[0];
    assert.equal(r.stickiness.header, 'x-user-id');
    assert.deepEqual(
      r.backends.map((b) => b.version),
      ['v1', 'v2'],
    );
    assert.equal(await table(managedTableName('shop')), undefined);
    assert.equal(await t.verifyWeight('shop', state(50)), null, 'no in-process router: unsupported');
  });

  test('refuses a state with no traffic anywhere, and removes managed routes', async () => {
    await assert.rejects(
      t.apply('api', { backends: [{ version: 'v1', weightPercent: 0, instances: ['http://127.0.0.1:1'] }], headerRoutes: [], mirror: null }, 'x'),
      /no backend/,
    );
    await t.removeManagedRoutes('api', 'shipgate');
    assert.equal(await table(managedTableName('api')), undefined);
    assert.equal(await t.current('api'), null);
  });
  test("setFault writes a version's or the route's fault, keeps the rollout's weights, survives apply, and removes it", async () => {
    await t.apply('cart', state(30), 'rollout');
    const fault = { abort: { percent: 50, status: 503 }, expiresAtMs: 1_900_000_000_000 };
    assert.deepEqual(await t.setFault('cart', 'v2', fault, 'chaos'), { previous: null });
    let r = (await table(managedTableName('cart')))!.spec.routes[0];
    assert.deepEqual(r.backends[1].fault, fault);
    assert.equal(r.backends[0].fault, undefined);
    assert.deepEqual(
      r.backends.map((b) => b.weight),
      [70, 30],
    );
    // A rollout step after the fault keeps it (the rollout owns weights, not faults).
    await t.apply('cart', state(60), 'rollout');
    r = (await table(managedTableName('cart')))!.spec.routes[0];
    assert.deepEqual(r.backends[1].fault, fault);
    await t.setFault('cart', null, { delay: { percent: 10, delayMs: 5 } }, 'chaos');
    assert.deepEqual((await table(managedTableName('cart')))!.spec.routes[0].fault, { delay: { percent: 10, delayMs: 5 } });
    assert.deepEqual(await t.setFault('cart', 'v2', null, 'chaos'), { previous: fault });
    assert.equal((await table(managedTableName('cart')))!.spec.routes[0].backends[1].fault, undefined);
    await assert.rejects(t.setFault('cart', 'v9', null, 'chaos'), /no version "v9"/);
    await assert.rejects(t.setFault('nowhere', null, null, 'chaos'), /no RouteTable defines route "nowhere"/);
    const audited = await s.server.ctx.audit.list(s.server.ctx.db, { kind: 'RouteTable', name: managedTableName('cart') });
    assert.equal(audited.filter((e) => e.actor === 'chaos').length, 3, 'each fault change is one audit event');
  });
});
