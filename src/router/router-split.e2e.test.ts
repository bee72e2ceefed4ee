import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from './router';
import { TestClient } from './testing/http-client';
import { startUpstreams, type UpstreamProcess } from './testing/upstream-process';

function table(stable: UpstreamProcess[], canary: UpstreamProcess[], canaryWeight: number, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'shipgate.dev/v1',
    kind: 'RouteTable',
    metadata: { name: 'default' },
    spec: {
      routes: [
        {
          name: 'shop',
          match: { host: '*', pathPrefix: '/' },
          stickiness: { header: 'x-user-id', cookie: 'sg-bucket' },
          ...extra,
          backends: [
            { version: 'stable', weight: 100 - canaryWeight, instances: stable.map((u) => u.url) },
            ...(canary.length ? [{ version: 'canary', weight: canaryWeight, instances: canary.map((u) => u.url) }] : []),
          ],
        },
      ],
    },
  };
}

describe('router: weighted sticky split', () => {
  let ups: UpstreamProcess[];
  let stable: UpstreamProcess[];
  let canary: UpstreamProcess[];
  let router: Router;
  let client: TestClient;

  before(async () => {
    ups = await startUpstreams(['stable', 'stable', 'canary']);
    stable = ups.slice(0, 2);
    canary = ups.slice(2);
    router = new Router();
    router.applyTable(table(stable, canary, 10));
    const { listen } = await router.start({ listen: '127.0.0.1:0' });
    client = new TestClient(`http://127.0.0.1:${listen.port}`);
  });
  after(async () => {
    client.close();
    await router.close();
    await Promise.all(ups.map((u) => u.kill()));
  });

  const versionsOf = (n: number, key: (i: number) => string) =>
    client.many(n, 32, async (i) => {
      const r = await client.request('/', { headers: { 'x-user-id': key(i) } });
      assert.equal(r.status, 200);
      assert.equal(JSON.parse(r.body).version, r.headers['x-shipgate-version']);
      return r.headers['x-shipgate-version'] as string;
    });

  test('10,000 keyed requests split 90/10 within ±2 pp, each key on one version', async () => {
    const versions = await versionsOf(10_000, (i) => `user-${i}`);
    const canaryShare = versions.filter((v) => v === 'canary').length / versions.length;
    assert.ok(Math.abs(canaryShare - 0.1) <= 0.02, `canary share ${canaryShare}`);
    const again = await versionsOf(1_000, (i) => `user-${i * 7}`);
    again.forEach((v, i) => assert.equal(v, versions[i * 7], `user-${i * 7} switched version`));
    const stats = router.stats();
    const canaryTotal = stats.series.find((s) => s.version === 'canary' && !s.mirror)!.requests;
    assert.ok(canaryTotal >= versions.filter((v) => v === 'canary').length);
  });

  test('raising the canary weight moves keys only stable → canary', async () => {
    const before = await versionsOf(2_000, (i) => `m-${i}`);
    router.applyTable(table(stable, canary, 40));
    const afterRaise = await versionsOf(2_000, (i) => `m-${i}`);
    let moved = 0;
    before.forEach((v, i) => {
      if (v === 'canary') assert.equal(afterRaise[i], 'canary', `m-${i} went back to stable`);
      else if (afterRaise[i] === 'canary') moved++;
    });
    const share = afterRaise.filter((v) => v === 'canary').length / 2_000;
    assert.ok(Math.abs(share - 0.4) <= 0.04, `canary share ${share}`);
    assert.ok(moved > 0);
    router.applyTable(table(stable, canary, 10));
  });

  test('a client without a key gets a cookie and keeps its version', async () => {
    const first = await client.request('/');
    const setCookie = (first.headers['set-cookie'] ?? []).find((c) => c.startsWith('sg-bucket='));
    assert.ok(setCookie, 'sg-bucket cookie set');
    const cookie = setCookie.split(';')[0];
    for (let i = 0; i < 20; i++) {
      const r = await client.request('/', { headers: { cookie } });
      assert.equal(r.headers['x-shipgate-version'], first.headers['x-shipgate-version']);
      assert.equal(r.headers['set-cookie'], undefined);
    }
  });

  test('x-shipgate-version and configured header routes pick a version', async () => {
    router.applyTable(table(stable, canary, 0, { headerRoutes: [{ header: 'x-tester', value: 'yes', version: 'canary' }] }));
    for (const headers of [{ 'x-shipgate-version': 'canary' }, { 'x-tester': 'yes' }]) {
      const r = await client.request('/', { headers: { ...headers, 'x-user-id': 'u1' } });
      assert.equal(r.headers['x-shipgate-version'], 'canary');
      assert.equal(JSON.parse(r.body).version, 'canary');
    }
    const plain = await client.request('/', { headers: { 'x-user-id': 'u1' } });
    assert.equal(plain.headers['x-shipgate-version'], 'stable');
    const unknown = await client.request('/', { headers: { 'x-shipgate-version': 'nope', 'x-user-id': 'u1' } });
    assert.equal(unknown.headers['x-shipgate-version'], 'stable');
    router.applyTable(table(stable, canary, 10));
  });

  test('session pinning keeps a session on its version until that version is removed', async () => {
    router.applyTable(table(stable, canary, 50, { sessionPinning: true }));
    // Find a session that starts on stable.
    let pin = '';
    for (let i = 0; !pin && i < 50; i++) {
      const r = await client.request('/', { headers: { 'x-user-id': `p-${i}` } });
      if (r.headers['x-shipgate-version'] === 'stable') pin = (r.headers['set-cookie'] ?? []).find((c) => c.startsWith('sg-version='))!.split(';')[0];
    }
    assert.equal(pin, 'sg-version=stable');
    router.applyTable(table(stable, canary, 100, { sessionPinning: true }));
    const pinned = await client.request('/', { headers: { cookie: pin } });
    assert.equal(pinned.headers['x-shipgate-version'], 'stable', 'pinned session stays on stable at weight 0');
    const fresh = await client.request('/', { headers: { 'x-user-id': 'new-user' } });
    assert.equal(fresh.headers['x-shipgate-version'], 'canary');
    // Stable removed: the pinned session moves.
    const onlyCanary = table(stable, canary, 100, { sessionPinning: true });
    onlyCanary.spec.routes[0].backends = onlyCanary.spec.routes[0].backends.filter((b) => b.version === 'canary');
    router.applyTable(onlyCanary);
    const moved = await client.request('/', { headers: { cookie: pin } });
    assert.equal(moved.headers['x-shipgate-version'], 'canary');
    assert.match(String(moved.headers['set-cookie']), /sg-version=canary/);
    router.applyTable(table(stable, canary, 10));
  });

  test('round-robin spreads a version over its instances', async () => {
    const ports = await client.many(
      40,
      4,
      async () => JSON.parse((await client.request('/', { headers: { 'x-shipgate-version': 'stable' } })).body).port as number,
    );
    const counts = new Map<number, number>();
    for (const p of ports) counts.set(p, (counts.get(p) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), stable.map((u) => u.port).sort());
    for (const n of counts.values()) assert.ok(n >= 15, `uneven: ${[...counts.values()]}`);
  });
});
