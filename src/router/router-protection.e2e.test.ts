import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from './router';
import { TestClient } from './testing/http-client';
import { deadUrl, routeTable } from './testing/route-table-builder';
import { startUpstreams, type UpstreamProcess } from './testing/upstream-process';

describe('router: protection', () => {
  let ups: UpstreamProcess[];
  let router: Router;
  let client: TestClient;
  let dead: string;
  let dead2: string;
  let dead3: string;
  let dead4: string;

  before(async () => {
    ups = await startUpstreams(['stable', 'stable', 'canary']);
    dead = await deadUrl();
    dead2 = await deadUrl();
    dead3 = await deadUrl();
    dead4 = await deadUrl();
    router = new Router();
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }]));
    const { listen } = await router.start({ listen: '127.0.0.1:0' });
    client = new TestClient(`http://127.0.0.1:${listen.port}`, 64);
  });
  after(async () => {
    client.close();
    await router.close();
    await Promise.all(ups.map((u) => u.kill()));
  });

  test('rate limit sheds with 503 and Retry-After', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }], { rateLimit: { requestsPerSecond: 2, burst: 5 } }));
    const replies = await client.many(20, 1, () => client.request('/'));
    const ok = replies.filter((r) => r.status === 200).length;
    const shed = replies.filter((r) => r.status === 503);
    assert.ok(ok >= 5 && ok <= 7, `admitted ${ok}`);
    assert.ok(shed.length >= 13);
    for (const r of shed) assert.ok(Number(r.headers['retry-after']) >= 1);
    assert.equal(JSON.parse(shed[0].body).code, 'RATE_LIMITED');
    assert.ok(router.stats().shed.shop >= 13);
  });

  test('concurrency limit with a bounded queue sheds the rest with 503 and Retry-After', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }], { concurrency: { max: 2, queue: 2, queueTimeoutMs: 5_000 } }));
    const replies = await client.many(10, 10, () => client.request('/slow/300'));
    const ok = replies.filter((r) => r.status === 200).length;
    const shed = replies.filter((r) => r.status === 503);
    assert.equal(ok, 4, 'two running plus two queued');
    assert.equal(shed.length, 6);
    for (const r of shed) assert.equal(r.headers['retry-after'], '1');
  });

  test('fault injection: aborts hit their ratio', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url], fault: { abort: { percent: 30, status: 418 } } }]));
    const replies = await client.many(1_000, 32, () => client.request('/plain'));
    const aborted = replies.filter((r) => r.status === 418);
    assert.ok(Math.abs(aborted.length / 1_000 - 0.3) <= 0.05, `abort ratio ${aborted.length / 1_000}`);
    assert.ok(aborted.every((r) => r.headers['x-shipgate-fault'] === 'abort' && r.headers['x-shipgate-version'] === 'stable'));
    assert.equal(replies.filter((r) => r.status === 200).length, 1_000 - aborted.length);
    const series = router.stats().series.find((s) => s.route === 'shop' && s.version === 'stable' && !s.mirror)!;
    assert.ok((series.totals['4xx'] ?? 0) >= aborted.length);
  });

  test('fault injection: delays add latency to their share', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url], fault: { delay: { percent: 50, delayMs: 400 } } }]));
    const ms = await client.many(120, 30, async () => {
      const s = Date.now();
      assert.equal((await client.request('/plain')).status, 200);
      return Date.now() - s;
    });
    const delayed = ms.filter((x) => x >= 395).length / ms.length;
    assert.ok(delayed >= 0.35 && delayed <= 0.65, `delayed share ${delayed}`);
  });

  test('GET retries on a dead instance go to another one; POST is not retried', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [dead, ups[0].url] }], { outlier: { consecutiveFailures: 1000 } }));
    const gets = await client.many(40, 4, () => client.request('/'));
    assert.ok(gets.every((r) => r.status === 200));
    const posts = await client.many(10, 1, () => client.request('/', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }));
    assert.equal(posts.filter((r) => r.status === 502).length, 5);
    assert.equal(JSON.parse(posts.find((r) => r.status === 502)!.body).code, 'UPSTREAM_UNREACHABLE');
  });

  test('retries never exceed the budget (20% of requests)', async () => {
    router.applyTable(
      routeTable([{ version: 'stable', weight: 1, instances: [dead, dead2] }], { retries: { attempts: 3, budgetPercent: 20, minPerSecond: 0 } }),
    );
    const before = router.stats().retries.shop;
    const replies = await client.many(200, 8, () => client.request('/'));
    assert.ok(replies.every((r) => r.status === 502));
    const retried = router.stats().retries.shop - before;
    assert.ok(retried > 0 && retried <= 40, `retried ${retried}`);
    const series = router.stats().series.find((s) => s.version === 'stable' && !s.mirror)!;
    assert.ok((series.totals.connect_error ?? 0) >= 200);
  });

  test('consecutive failures eject an instance, never the last one', async () => {
    router.applyTable(
      routeTable([{ version: 'stable', weight: 1, instances: [dead3, ups[1].url] }], {
        outlier: { consecutiveFailures: 3, baseEjectionMs: 60_000 },
        retries: { attempts: 0 },
      }),
    );
    const first = await client.many(20, 1, () => client.request('/'));
    assert.equal(first.filter((r) => r.status === 502).length, 3, 'three failures, then ejected');
    const later = await client.many(30, 4, () => client.request('/'));
    assert.ok(later.every((r) => r.status === 200));
    const deadState = router.stats().instances.find((i) => i.url === dead3)!;
    assert.ok(deadState.outlier.ejectedUntilMs > Date.now());

    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [dead4] }], { outlier: { consecutiveFailures: 2 }, retries: { attempts: 0 } }));
    await client.many(10, 1, () => client.request('/'));
    assert.equal(router.stats().instances.find((i) => i.url === dead4)!.outlier.ejectedUntilMs, 0, 'the only instance is never ejected');
  });

  test('active health checks take an instance out and bring it back', async () => {
    router.applyTable(
      routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url, ups[1].url] }], {
        healthCheck: { path: '/healthz', intervalMs: 50, unhealthyThreshold: 1, healthyThreshold: 1 },
      }),
    );
    await client.request(`${ups[0].url}/_ctl/unhealthy`, { method: 'POST' });
    try {
      await waitFor(() => router.stats().instances.find((i) => i.url === ups[0].url)?.healthy === false);
      const ports = await client.many(20, 2, async () => JSON.parse((await client.request('/')).body).port);
      assert.ok(ports.every((p) => p === ups[1].port));
    } finally {
      await client.request(`${ups[0].url}/_ctl/healthy`, { method: 'POST' });
    }
    await waitFor(() => router.stats().instances.find((i) => i.url === ups[0].url)?.healthy === true);
    const ports = await client.many(20, 2, async () => JSON.parse((await client.request('/')).body).port);
    assert.ok(ports.includes(ups[0].port));
  });

  test('timeouts: headers and whole request', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }], { timeouts: { headersMs: 150, requestMs: 400 } }));
    const t0 = Date.now();
    const slow = await client.request('/slow/2000');
    assert.equal(slow.status, 504);
    assert.ok(Date.now() - t0 < 1_500, `took ${Date.now() - t0} ms`);
    assert.equal(JSON.parse(slow.body).code, 'UPSTREAM_TIMEOUT');
    // Headers arrive at once, the body takes ~500 ms: the whole-request timeout cuts it.
    const t1 = Date.now();
    await assert.rejects(client.request('/stream/100'));
    assert.ok(Date.now() - t1 < 1_000);
    const timeouts = () => router.stats().series.find((s) => s.version === 'stable' && !s.mirror)!.totals.timeout ?? 0;
    await waitFor(() => timeouts() >= 2);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
