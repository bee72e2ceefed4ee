import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from './router';
import { startCapacityUpstream, type CapacityUpstream } from './testing/capacity-upstream';
import { TestClient, type Reply } from './testing/http-client';
import { routeTable } from './testing/route-table-builder';

// The upstream serves 8 at once in 40 ms each (200 req/s) and queues the rest.
const CAPACITY = 8;
const SERVICE_MS = 40;

interface Tally {
  ok: number;
  refused: number;
  other: number;
}

/** Closed-loop workers hitting the router until `ms` have passed; a refused worker pauses 10 ms. */
async function overload(client: TestClient, workers: number, ms: number, headers: Record<string, string>, refusals: Reply[]): Promise<Tally> {
  const t: Tally = { ok: 0, refused: 0, other: 0 };
  const end = Date.now() + ms;
  const worker = async () => {
    while (Date.now() < end) {
      const r = await client.request('/', { headers });
      if (r.status === 200) t.ok++;
      else if (r.status === 503 || r.status === 429) {
        t.refused++;
        refusals.push(r);
        await new Promise((done) => setTimeout(done, 10));
      } else t.other++;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return t;
}

for (const fastPath of [true, false]) {
  describe(`router: adaptive concurrency (${fastPath ? 'fast path' : 'node:http'})`, () => {
    let upstream: CapacityUpstream;
    let router: Router;
    let client: TestClient;

    before(async () => {
      upstream = await startCapacityUpstream(CAPACITY, SERVICE_MS);
      router = new Router({ fastPath });
      router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [upstream.url] }]));
      const { listen } = await router.start({ listen: '127.0.0.1:0' });
      client = new TestClient(`http://127.0.0.1:${listen.port}`, 128);
    });
    after(async () => {
      client.close();
      await router.close();
      await upstream.close();
    });

    test('under overload the limit settles near capacity and sheddable requests are shed before critical ones', async () => {
      router.applyTable(
        routeTable([{ version: 'stable', weight: 1, instances: [upstream.url] }], {
          concurrency: { adaptive: { initial: 32, min: 2, max: 500, probeIntervalMs: 1_000 }, queue: 16, queueTimeoutMs: 1_000 },
        }),
      );
      const limits: number[] = [];
      const sampler = setInterval(() => limits.push(router.stats().concurrency.shop.limit), 100);
      const refusals: Reply[] = [];
      // 48 workers against 8 slots: six times what the upstream serves at once.
      const [critical, sheddable] = await Promise.all([
        overload(client, 24, 3_000, {}, refusals),
        overload(client, 24, 3_000, { 'x-shipgate-priority': 'sheddable' }, refusals),
      ]);
      clearInterval(sampler);
      // A probe (every second here) halves the limit on purpose, for as long as the RTT keeps falling;
      // on a busy machine that can fill most of a short window. Between probes the limit goes back
      // to what it learnt: the highest value of the last 1.5 s is the one in force.
      const late = limits.slice(-15);
      const settled = Math.max(...late);
      assert.ok(settled >= CAPACITY && settled <= 3 * CAPACITY, `limit over the last 1.5 s: ${late.join(',')} (all: ${limits.join(',')})`);
      assert.ok(upstream.maxActive() <= CAPACITY);
      assert.equal(critical.other + sheddable.other, 0, 'only 200 or 503');
      const share = (t: Tally) => t.ok / (t.ok + t.refused);
      assert.ok(
        // Critical requests are refused only when the queue is full: mostly while a probe (every
        // second here) halves what is in flight. Sheddable ones are refused whenever the limit is reached.
        share(critical) > 0.5 && share(sheddable) < share(critical) / 2,
        `critical ${JSON.stringify(critical)}, sheddable ${JSON.stringify(sheddable)}`,
      );
      assert.ok(critical.ok > 3 * sheddable.ok, `critical ${critical.ok} vs sheddable ${sheddable.ok} served`);
      assert.ok(refusals.length > 0);
      for (const r of refusals) {
        assert.equal(r.status, 503);
        assert.ok(Number(r.headers['retry-after']) >= 1, `retry-after ${r.headers['retry-after']}`);
        assert.equal(JSON.parse(r.body).code, 'OVERLOADED');
      }
    });

    test('a sheddable route gets no queue slot at its static limit; a critical one queues', async () => {
      const concurrency = { max: 1, queue: 4, queueTimeoutMs: 5_000 };
      router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [upstream.url] }], { concurrency, priority: 'sheddable' }));
      const shed = await Promise.all([client.request('/'), client.request('/'), client.request('/')]);
      assert.deepEqual(shed.map((r) => r.status).sort(), [200, 503, 503]);
      const refusal = shed.find((r) => r.status === 503)!;
      assert.equal(refusal.headers['retry-after'], '1');
      assert.match(JSON.parse(refusal.body).message, /sheddable requests are shed first/);

      router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [upstream.url] }], { concurrency }));
      const queued = await Promise.all([client.request('/'), client.request('/'), client.request('/')]);
      assert.deepEqual(
        queued.map((r) => r.status),
        [200, 200, 200],
      );
    });
  });
}
