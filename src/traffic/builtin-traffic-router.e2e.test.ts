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
});
