import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { startTestServer, REPO_ROOT, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { HOOKS, type InProcessRouter } from '../core/hooks';
import { RESOURCE_CHANGED } from '../core/events';
import { Router } from './router';
import { ServerRouteSource } from './server-route-source';
import { HttpPushSink } from './stats-sinks';
import { TestClient } from './testing/http-client';
import { routeTable } from './testing/route-table-builder';
import { startUpstreams, type UpstreamProcess } from './testing/upstream-process';

async function waitFor<T>(get: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `shipgate router …` as a real process; resolves with its proxy URL once it listens. */
function startRouterProcess(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string; log: string[] }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'shipgate.js'), 'router', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`router process did not start: ${log.join('\n')}`)), 30_000);
    child.once('exit', (c) => reject(new Error(`router process exited ${c}: ${log.join('\n')}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      log.push(line);
      const m = /router listening on (http:\/\/[^\s,]+)/.exec(line);
      if (m) {
        clearTimeout(t);
        resolve({ child, url: m[1], log });
      }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

const stores = await testStores();
for (const store of stores) {
  describe(`router capability on ${store}`, () => {
    let s: TestServer;
    let ups: UpstreamProcess[];
    let dir: string;
    let client: TestClient;
    let inProcess: InProcessRouter;

    before(async () => {
      ups = await startUpstreams(['stable', 'canary']);
      s = await startTestServer({ store, router: '127.0.0.1:0', options: { router: { flushMs: 100, heartbeatMs: 200 } } });
      dir = mkdtempSync(join(tmpdir(), 'shipgate-router-'));
      inProcess = s.server.ctx.services.get(HOOKS.inProcessRouter)!;
      assert.ok(inProcess, 'the in-process router runs when --router is set');
      client = new TestClient(inProcess.url()!);
    });
    after(async () => {
      client.close();
      await s.close();
      await Promise.all(ups.map((u) => u.kill()));
      rmSync(dir, { recursive: true, force: true });
    });

    const applyTable = async (stableWeight: number) => {
      const file = join(dir, `rt-${stableWeight}.yaml`);
      writeFileSync(
        file,
        stringify(
          routeTable(
            [
              { version: 'stable', weight: stableWeight, instances: [ups[0].url] },
              { version: 'canary', weight: 100 - stableWeight, instances: [ups[1].url] },
            ],
            { stickiness: { header: 'x-user-id' } },
          ),
        ),
      );
      const r = await s.cli(['apply', '-f', file]);
      assert.equal(r.code, 0, r.stderr);
    };

    const canaryRequests = async () => {
      const metrics = s.server.ctx.services.get(HOOKS.metrics)!;
      return (await metrics.routerWindow({ route: 'shop', version: 'canary', fromMs: 0, toMs: Date.now() + 60_000 })).requests;
    };

    test('the in-process router applies a stored RouteTable within 100 ms and reports stats to the metrics service', async () => {
      await applyTable(100);
      await waitFor(() => inProcess.current().spec.routes.length === 1);
      const r = await client.request('/', { headers: { 'x-user-id': 'alice' } });
      assert.equal(r.headers['x-shipgate-version'], 'stable');
      let toldAt = 0;
      const off = s.server.ctx.events.on(RESOURCE_CHANGED, (e) => {
        if (e.kind === 'RouteTable') toldAt = performance.now();
      });
      let appliedAt = 0;
      const poll = setInterval(() => {
        if (!appliedAt && inProcess.current().spec.routes[0]?.backends[0].weight === 0) appliedAt = performance.now();
      }, 2);
      try {
        await applyTable(0);
        await waitFor(() => appliedAt > 0, 2_000);
      } finally {
        clearInterval(poll);
        off();
      }
      // The target is 100 ms; the bound leaves room for a loaded CI machine (the path includes a store read).
      assert.ok(toldAt > 0 && appliedAt - toldAt < 500, `applied ${appliedAt - toldAt} ms after the change event`);
      const r2 = await client.request('/', { headers: { 'x-user-id': 'alice' } });
      assert.equal(r2.headers['x-shipgate-version'], 'canary');
      await waitFor(async () => (await canaryRequests()) >= 1);
    });

    test('GET /api/v1/router/table gives the merged table and a generation', async () => {
      const res = await s.fetch('/api/v1/router/table');
      assert.equal(res.status, 200);
      const body = (await res.json()) as { generation: number; etag: string; spec: { routes: { name: string; backends: { weight: number }[] }[] } };
      assert.ok(body.generation >= 1);
      assert.equal(body.spec.routes[0].name, 'shop');
      assert.deepEqual(
        body.spec.routes[0].backends.map((b) => b.weight),
        [0, 100],
      );
    });

    test('the watch stream sends the table on connect and on every change', async () => {
      const ac = new AbortController();
      const res = await s.fetch('/api/v1/router/watch', { signal: ac.signal });
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      const reader = res.body!.getReader();
      const events: { tables: { spec: { routes: { backends: { weight: number }[] }[] } }[] }[] = [];
      let buf = '';
      const pump = (async () => {
        const dec = new TextDecoder();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            buf += dec.decode(value, { stream: true });
            let i: number;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const data = block.split('\n').find((l) => l.startsWith('data: '));
              if (block.includes('event: table') && data) events.push(JSON.parse(data.slice(6)));
            }
          }
        } catch {
          /* aborted */
        }
      })();
      await waitFor(() => events.length >= 1);
      await applyTable(70);
      await waitFor(() => events.length >= 2);
      assert.equal(events[1].tables[0].spec.routes[0].backends[0].weight, 70);
      ac.abort();
      await pump;
    });

    test('POST /api/v1/router/stats: routers push buckets, deployers and viewers are refused, bad buckets get field paths', async () => {
      const routerToken = await s.token('router', 'router-1');
      const deployer = await s.token('deployer', 'dev-1');
      const viewer = await s.token('viewer', 'v');
      const bucket = { route: 'pushed', version: 'v2', startMs: 1_700_000_000_000, counts: { '2xx': 9, '5xx': 1 }, latency: { '200': 10 } };
      // A deployer must not be able to write the numbers their own canary is judged on.
      const byDeployer = await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets: [bucket] }), token: deployer });
      assert.equal(byDeployer.status, 403);
      const ok = await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets: [bucket] }), token: routerToken });
      assert.equal(ok.status, 202, await ok.clone().text());
      const metrics = s.server.ctx.services.get(HOOKS.metrics)!;
      const w = await metrics.routerWindow({ route: 'pushed', version: 'v2', fromMs: 1_700_000_000_000, toMs: 1_700_000_010_000 });
      assert.equal(w.requests, 10);
      const denied = await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets: [bucket] }), token: viewer });
      assert.equal(denied.status, 403);
      const bad = await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets: [{ ...bucket, startMs: 5 }] }), token: routerToken });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /buckets\[0\]\.startMs/);
    });

    async function followsAndPushes(c1: TestClient, lastGood: string): Promise<void> {
      await applyTable(100);
      await waitFor(async () => (await c1.request('/', { headers: { 'x-user-id': 'bob' } })).headers['x-shipgate-version'] === 'stable');
      await applyTable(0);
      await waitFor(async () => (await c1.request('/', { headers: { 'x-user-id': 'bob' } })).headers['x-shipgate-version'] === 'canary');
      assert.ok(existsSync(lastGood));
      assert.equal(JSON.parse(readFileSync(lastGood, 'utf8')).tables[0].spec.routes[0].backends[0].weight, 0);
      const before = await canaryRequests();
      await c1.many(20, 4, () => c1.request('/', { headers: { 'x-user-id': 'bob' } }));
      // Pushed with the router token, added to the same series as the in-process router's.
      await waitFor(async () => (await canaryRequests()) >= before + 20);
    }

    test('a router following the server applies changes, pushes stats and keeps the last-known-good table', async () => {
      const routerToken = await s.token('router', 'router-2');
      const lastGood = join(dir, 'last-good.json');
      if (store === stores[0]) {
        // The real `shipgate router --server` process, once (it does not depend on the store).
        const r1 = await startRouterProcess(['--listen', '127.0.0.1:0', '--last-good', lastGood, '--push-ms', '200'], {
          SHIPGATE_SERVER: s.url,
          SHIPGATE_TOKEN: routerToken,
        });
        const c1 = new TestClient(r1.url);
        try {
          await followsAndPushes(c1, lastGood);
        } finally {
          c1.close();
          await stop(r1.child);
        }
      } else {
        const router = new Router({ sink: new HttpPushSink(s.url, routerToken), flushMs: 200 });
        const source = new ServerRouteSource(router, { serverUrl: s.url, token: routerToken, lastGoodFile: lastGood, report: () => {} });
        source.start();
        await router.start({ listen: '127.0.0.1:0' });
        const c1 = new TestClient(router.url()!);
        try {
          await followsAndPushes(c1, lastGood);
        } finally {
          c1.close();
          source.close();
          await router.close();
        }
      }
      // The server is unreachable: a new router starts from the last-known-good table and keeps retrying.
      const reports: string[] = [];
      const r2 = new Router();
      const source = new ServerRouteSource(r2, {
        serverUrl: 'http://127.0.0.1:9',
        token: routerToken,
        lastGoodFile: lastGood,
        minBackoffMs: 20,
        maxBackoffMs: 100,
        report: (m) => reports.push(m),
      });
      assert.equal(source.loadLastGood(), true);
      source.start();
      await r2.start({ listen: '127.0.0.1:0' });
      const c2 = new TestClient(r2.url()!);
      try {
        const r = await c2.request('/', { headers: { 'x-user-id': 'bob' } });
        assert.equal(r.headers['x-shipgate-version'], 'canary');
        await waitFor(() => reports.filter((l) => /retrying in \d+ ms/.test(l)).length >= 3);
      } finally {
        c2.close();
        source.close();
        await r2.close();
      }
    });
  });
}
