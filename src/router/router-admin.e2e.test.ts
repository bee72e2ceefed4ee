import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import { Router } from './router';
import { TestClient } from './testing/http-client';
import { routeTable } from './testing/route-table-builder';
import { startUpstreams, type UpstreamProcess } from './testing/upstream-process';

describe('router: admin API, mirroring, WebSocket', () => {
  let ups: UpstreamProcess[];
  let router: Router;
  let client: TestClient;
  let admin: TestClient;
  let port: number;

  before(async () => {
    ups = await startUpstreams(['stable', 'canary']);
    router = new Router();
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }]));
    const addr = await router.start({ listen: '127.0.0.1:0', admin: '127.0.0.1:0' });
    port = addr.listen.port;
    client = new TestClient(`http://127.0.0.1:${port}`);
    admin = new TestClient(`http://127.0.0.1:${addr.admin!.port}`);
  });
  after(async () => {
    client.close();
    admin.close();
    await router.close();
    await Promise.all(ups.map((u) => u.kill()));
  });

  test('PUT /routes applies YAML; GET /routes shows it; a bad table is refused with field paths', async () => {
    const table = routeTable([{ version: 'stable', weight: 80, instances: [ups[0].url] }, { version: 'canary', weight: 20, instances: [ups[1].url] }]);
    const put = await admin.request('/routes', { method: 'PUT', body: stringify(table), headers: { 'content-type': 'application/yaml' } });
    assert.equal(put.status, 200, put.body);
    const generation = JSON.parse(put.body).generation;
    const got = JSON.parse((await admin.request('/routes')).body);
    assert.equal(got.generation, generation);
    assert.deepEqual(got.tables[0].spec.routes[0].backends.map((b: { weight: number }) => b.weight), [80, 20]);

    const bad = await admin.request('/routes', { method: 'PUT', body: stringify(table).replace('weight: 20', 'weight: twenty') });
    assert.equal(bad.status, 400);
    const err = JSON.parse(bad.body);
    assert.equal(err.code, 'INPUT_INVALID');
    assert.deepEqual(
      err.details.issues.map((i: { path: string; line: number }) => [i.path, typeof i.line]),
      [['spec.routes[0].backends[1].weight', 'number']],
    );
    assert.equal(JSON.parse((await admin.request('/routes')).body).generation, generation, 'old table kept');
    const notYaml = await admin.request('/routes', { method: 'PUT', body: 'routes: [' });
    assert.equal(notYaml.status, 400);
  });

  test('GET /stats, /metrics and /healthz', async () => {
    await client.many(50, 8, (i) => client.request(i % 10 === 0 ? '/status/503' : '/', { headers: { 'x-shipgate-version': 'stable' } }));
    const stats = JSON.parse((await admin.request('/stats')).body);
    const s = stats.series.find((x: { version: string; mirror: boolean }) => x.version === 'stable' && !x.mirror);
    assert.ok(s.totals['2xx'] >= 45 && s.totals['5xx'] >= 5);
    assert.equal(s.buckets[0].route, 'shop');
    const metrics = await admin.request('/metrics');
    assert.match(metrics.headers['content-type'] ?? '', /text\/plain/);
    assert.match(metrics.body, /shipgate_router_requests_total\{route="shop",version="stable",code_class="5xx"\} \d+/);
    assert.match(metrics.body, /shipgate_router_request_duration_seconds_count\{route="shop",version="stable"\} \d+/);
    assert.equal((await admin.request('/healthz')).status, 200);
    assert.equal((await admin.request('/nope')).status, 404);
  });

  test('mirroring sends a share of requests to another version and discards its answers', async () => {
    router.applyTable(
      routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }, { version: 'canary', weight: 0, instances: [ups[1].url] }], { mirror: { version: 'canary', percent: 50 } }),
    );
    const mirrorCount = () => router.stats().series.find((x) => x.version === 'canary' && x.mirror)?.requests ?? 0;
    const before = mirrorCount();
    const replies = await client.many(400, 16, () => client.request('/', { headers: { 'x-user-id': 'u' } }));
    assert.ok(replies.every((r) => r.status === 200 && JSON.parse(r.body).version === 'stable'));
    const deadline = Date.now() + 3_000;
    while (mirrorCount() - before < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mirrored = mirrorCount() - before;
    assert.ok(mirrored >= 150 && mirrored <= 250, `mirrored ${mirrored} of 400`);
    const canaryMain = router.stats().series.find((x) => x.version === 'canary' && !x.mirror)?.requests ?? 0;
    assert.equal(canaryMain, 0, 'mirror copies are not counted as canary traffic');
  });

  test('WebSocket upgrades pass through to the chosen version', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 0, instances: [ups[0].url] }, { version: 'canary', weight: 1, instances: [ups[1].url] }]));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`, { headers: { 'x-user-id': 'ws-user' } });
    const upgradeVersion = new Promise<string | undefined>((resolve) => ws.once('upgrade', (res) => resolve(res.headers['x-shipgate-version'] as string)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    assert.equal(await upgradeVersion, 'canary');
    const replies: string[] = [];
    for (const m of ['a', 'b']) {
      const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
      ws.send(m);
      replies.push(await got);
    }
    assert.deepEqual(replies, ['canary:a', 'canary:b']);
    ws.close();
    await new Promise((r) => ws.once('close', r));
  });
});
