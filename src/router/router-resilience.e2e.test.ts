import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Router } from './router';
import { TestClient } from './testing/http-client';
import { routeTable } from './testing/route-table-builder';
import { startUpstream, startUpstreams, type UpstreamProcess } from './testing/upstream-process';

describe('router: resilience', () => {
  let ups: UpstreamProcess[];
  let router: Router;
  let client: TestClient;
  let port: number;

  before(async () => {
    ups = await startUpstreams(['stable', 'stable', 'canary']);
    router = new Router({ headersTimeoutMs: 500 });
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url, ups[1].url] }]));
    port = (await router.start({ listen: '127.0.0.1:0' })).listen.port;
    client = new TestClient(`http://127.0.0.1:${port}`, 32);
  });
  after(async () => {
    client.close();
    await router.close();
    await Promise.all(ups.map((u) => u.kill()));
  });

  test('killing an instance mid-load loses no GET request', async () => {
    const victim = await startUpstream('stable');
    ups.push(victim);
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url, victim.url] }], { outlier: { consecutiveFailures: 3 } }));
    let done = 0;
    const killed = (async () => {
      while (done < 200) await new Promise((r) => setTimeout(r, 5));
      await victim.kill();
    })();
    const replies = await client.many(1_000, 16, async (i) => {
      const r = await client.request(i % 3 === 0 ? '/slow/20' : '/');
      done++;
      return r.status;
    });
    await killed;
    assert.deepEqual(
      replies.filter((s) => s !== 200),
      [],
    );
    assert.ok(router.stats().retries.shop > 0, 'some requests were retried');
  });

  test('reloading the table under load drops no request', async () => {
    const tables = [
      routeTable([
        { version: 'stable', weight: 90, instances: [ups[0].url, ups[1].url] },
        { version: 'canary', weight: 10, instances: [ups[2].url] },
      ]),
      routeTable([
        { version: 'stable', weight: 50, instances: [ups[1].url] },
        { version: 'canary', weight: 50, instances: [ups[2].url] },
      ]),
      routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }]),
    ];
    let stop = false;
    let reloads = 0;
    const reloader = (async () => {
      while (!stop) {
        router.applyTable(tables[reloads++ % tables.length]);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const replies = await client.many(
      1_000,
      16,
      async (i) => (await client.request(i % 4 === 0 ? '/slow/30' : '/', { headers: { 'x-user-id': `u${i}` } })).status,
    );
    stop = true;
    await reloader;
    assert.ok(reloads >= 10, `only ${reloads} reloads`);
    assert.deepEqual(
      replies.filter((s) => s !== 200),
      [],
    );
  });

  test('a removed instance drains: its in-flight request finishes', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[1].url] }]));
    const slow = client.request('/slow/400');
    await new Promise((r) => setTimeout(r, 100));
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }]));
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).port, ups[1].port);
    assert.equal(JSON.parse((await client.request('/')).body).port, ups[0].port);
  });

  test('a table applied is in force within 100 ms', async () => {
    router.applyTable(
      routeTable([
        { version: 'stable', weight: 1, instances: [ups[0].url] },
        { version: 'canary', weight: 0, instances: [ups[2].url] },
      ]),
    );
    const t0 = performance.now();
    router.applyTable(
      routeTable([
        { version: 'stable', weight: 0, instances: [ups[0].url] },
        { version: 'canary', weight: 1, instances: [ups[2].url] },
      ]),
    );
    const r = await client.request('/', { headers: { 'x-user-id': 'anyone' } });
    assert.equal(r.headers['x-shipgate-version'], 'canary');
    assert.ok(performance.now() - t0 < 100);
  });

  test('an invalid table is refused with a precise error and the old one stays', () => {
    const before = router.current().generation;
    assert.throws(
      () => router.applyTable(routeTable([{ version: 'stable', weight: -5, instances: ['not a url'] }])),
      (e: Error & { issues?: { path: string }[] }) => {
        const paths = (e.issues ?? []).map((i) => i.path);
        return paths.includes('spec.routes[0].backends[0].weight') && paths.includes('spec.routes[0].backends[0].instances[0]');
      },
    );
    assert.equal(router.current().generation, before);
    for (const path of ['/health check', '/santé', 'healthz']) {
      assert.throws(
        () => router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }], { healthCheck: { path } })),
        (e: Error & { issues?: { path: string }[] }) => (e.issues ?? []).some((i) => i.path === 'spec.routes[0].healthCheck.path'),
        path,
      );
    }
    assert.equal(router.current().generation, before);
  });

  test('huge headers get 431, bad requests 400, and the router keeps serving', async () => {
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }]));
    const huge = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(40_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431/);
    const bad = await rawRequest(port, 'GARBAGE\r\n\r\n');
    assert.match(bad, /^HTTP\/1\.1 400/);
    const badHeader = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nbad header: y\r\n\r\n');
    assert.match(badHeader, /^HTTP\/1\.1 400/);
    const latin1Path = await rawRequest(
      port,
      Buffer.concat([Buffer.from('GET /caf'), Buffer.from([0xe9]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]),
    );
    assert.match(latin1Path, /^HTTP\/1\.1 (200|400)/);
    const oddHeader = await rawRequest(
      port,
      Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nx-odd: a'), Buffer.from([0xff, 0x01]), Buffer.from('b\r\nConnection: close\r\n\r\n')]),
    );
    assert.match(oddHeader, /^HTTP\/1\.1 (200|400)/);
    assert.equal((await client.request('/')).status, 200);
  });

  test('slowloris clients are cut off by the header timeout', async () => {
    const t0 = Date.now();
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let closed = false;
    sock.on('close', () => (closed = true));
    sock.on('error', () => {});
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => !closed && sock.write('x-a: b\r\n'), 100);
    try {
      while (!closed && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50));
    } finally {
      clearInterval(drip);
      sock.destroy();
    }
    assert.ok(closed, 'connection closed');
    assert.ok(Date.now() - t0 < 3_000, `closed after ${Date.now() - t0} ms`);
    assert.equal((await client.request('/')).status, 200);
  });
});

function rawRequest(port: number, text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    sock.on('data', (d) => (out += d.toString()));
    sock.on('end', () => resolve(out));
    sock.on('close', () => resolve(out));
    sock.on('error', (e) => (out ? resolve(out) : reject(e)));
    sock.setTimeout(5_000, () => sock.destroy());
  });
}

test('errors of the listening sockets after start (failed accepts) are logged and the router goes on', async () => {
  const logged: string[] = [];
  const router = new Router({ log: (m, e) => logged.push(`${m}: ${(e as Error)?.message}`) });
  router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: ['http://127.0.0.1:9'] }]));
  const { admin } = await router.start({ listen: '127.0.0.1:0', admin: '127.0.0.1:0' });
  try {
    // What libuv reports when accept() fails, e.g. out of file descriptors; more than once.
    const emfile = () => Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });
    for (const server of [router['server']!, router['admin']!]) {
      server.emit('error', emfile());
      server.emit('error', emfile());
    }
    assert.equal(logged.filter((l) => l === 'listener error: accept EMFILE').length, 4);
    assert.equal((await fetch(`http://127.0.0.1:${admin!.port}/healthz`)).status, 200);
  } finally {
    await router.close();
  }
});
