import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import { Router } from './router';
import { TestClient } from './testing/http-client';
import { routeTable } from './testing/route-table-builder';
import { startUpstreams, type UpstreamProcess } from './testing/upstream-process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, runCliProcess } from '../testing/harness';

describe('router: admin API, mirroring, WebSocket', () => {
  let ups: UpstreamProcess[];
  let router: Router;
  let client: TestClient;
  let raw: TestClient;
  let admin: Pick<TestClient, 'request'>;
  let adminPort: number;
  let port: number;

  before(async () => {
    ups = await startUpstreams(['stable', 'canary']);
    router = new Router();
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }]));
    const addr = await router.start({ listen: '127.0.0.1:0', admin: '127.0.0.1:0' });
    port = addr.listen.port;
    client = new TestClient(`http://127.0.0.1:${port}`);
    adminPort = addr.admin!.port;
    raw = new TestClient(`http://127.0.0.1:${adminPort}`);
    // Every admin request below carries the router's bearer token.
    const auth = `Bearer ${router.adminToken()}`;
    admin = { request: (path, o = {}) => raw.request(path, { ...o, headers: { authorization: auth, ...o.headers } }) };
  });
  after(async () => {
    client.close();
    raw.close();
    await router.close();
    await Promise.all(ups.map((u) => u.kill()));
  });

  test('PUT /routes applies YAML; GET /routes shows it; a bad table is refused with field paths', async () => {
    const table = routeTable([
      { version: 'stable', weight: 80, instances: [ups[0].url] },
      { version: 'canary', weight: 20, instances: [ups[1].url] },
    ]);
    const put = await admin.request('/routes', { method: 'PUT', body: stringify(table), headers: { 'content-type': 'application/yaml' } });
    assert.equal(put.status, 200, put.body);
    const generation = JSON.parse(put.body).generation;
    const got = JSON.parse((await admin.request('/routes')).body);
    assert.equal(got.generation, generation);
    assert.deepEqual(
      got.tables[0].spec.routes[0].backends.map((b: { weight: number }) => b.weight),
      [80, 20],
    );

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

  test('without the bearer token every admin endpoint but /healthz is a 401, and PUT /routes changes nothing', async () => {
    const before = router.current().generation;
    const table = stringify(routeTable([{ version: 'canary', weight: 1, instances: [ups[1].url] }]));
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token' },
      { authorization: `Basic ${router.adminToken()}` },
      { authorization: `Bearer ${router.adminToken()}x` },
      { authorization: 'Bearer' },
    ]) {
      for (const [method, path] of [
        ['GET', '/routes'],
        ['GET', '/stats'],
        ['GET', '/metrics'],
        ['GET', '/nope'],
        ['PUT', '/routes'],
      ]) {
        const r = await raw.request(path, { method, headers, ...(method === 'PUT' ? { body: table } : {}) });
        assert.equal(r.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
        assert.equal(JSON.parse(r.body).code, 'UNAUTHENTICATED');
        assert.match(r.headers['www-authenticate'] ?? '', /^Bearer/);
      }
    }
    assert.equal(router.current().generation, before, 'no table applied without the token');
    // Liveness probes need no token, and learn nothing but that the router is up.
    assert.equal((await raw.request('/healthz')).status, 200);
    // The token a Router makes up when given none is long and random.
    assert.ok((router.adminToken() ?? '').length >= 32);
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
      routeTable(
        [
          { version: 'stable', weight: 1, instances: [ups[0].url] },
          { version: 'canary', weight: 0, instances: [ups[1].url] },
        ],
        { mirror: { version: 'canary', percent: 50 } },
      ),
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
    router.applyTable(
      routeTable([
        { version: 'stable', weight: 0, instances: [ups[0].url] },
        { version: 'canary', weight: 1, instances: [ups[1].url] },
      ]),
    );
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

describe('shipgate router --admin: the token', () => {
  const bin = join(REPO_ROOT, 'bin', 'shipgate.js');
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'shipgate-router-admin-'));
    file = join(dir, 'routes.json');
    writeFileSync(file, JSON.stringify(routeTable([{ version: 'stable', weight: 1, instances: ['http://127.0.0.1:9'] }])));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `shipgate router`; resolves with its log lines up to "listening" and the admin URL. */
  async function startRouter(args: string[], env: Record<string, string | undefined>) {
    const child = spawn(process.execPath, [bin, 'router', '--config', file, '--listen', '127.0.0.1:0', ...args], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SHIPGATE_ROUTER_ADMIN_TOKEN: undefined, SHIPGATE_DATA: undefined, ...env },
    });
    const lines: string[] = [];
    const admin = await new Promise<string>((resolve, reject) => {
      child.once('exit', (c) => reject(new Error(`router exited ${c}: ${lines.join('\n')}`)));
      createInterface({ input: child.stderr! }).on('line', (l) => {
        lines.push(l);
        const m = /admin on (http:\/\/\S+)/.exec(l);
        if (m) resolve(m[1]);
      });
    });
    return { child, lines, admin };
  }

  test('a non-loopback --admin without a token given is a usage error (exit 2) saying what to do', async () => {
    for (const addr of ['0.0.0.0:0', '[::]:0', '192.0.2.10:9901']) {
      const r = await runCliProcess(['router', '--config', file, '--listen', '127.0.0.1:0', '--admin', addr], { SHIPGATE_ROUTER_ADMIN_TOKEN: undefined }, dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /is reachable from other machines: give the admin API a token with --admin-token-file FILE or SHIPGATE_ROUTER_ADMIN_TOKEN/);
    }
    // A token too short to be one is refused too.
    writeFileSync(join(dir, 'short.token'), 'abc\n');
    const short = await runCliProcess(
      ['router', '--config', file, '--listen', '127.0.0.1:0', '--admin', '0.0.0.0:0', '--admin-token-file', join(dir, 'short.token')],
      {},
      dir,
    );
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 16 characters/);
    const missing = await runCliProcess(
      ['router', '--config', file, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--admin-token-file', join(dir, 'nope.token')],
      {},
      dir,
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--admin-token-file .*nope\.token: ENOENT/);
  });

  test('on loopback with no token given, one is written 0600 to the state folder, printed, and required', async () => {
    const state = join(dir, 'state');
    const { child, lines, admin } = await startRouter(['--admin', '127.0.0.1:0'], { SHIPGATE_DATA: state });
    try {
      const tokenFile = join(state, 'router-admin.token');
      assert.ok(
        lines.some((l) => l.includes(`admin API token written to ${tokenFile}`)),
        lines.join('\n'),
      );
      assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
      const token = readFileSync(tokenFile, 'utf8').trim();
      assert.ok(token.length >= 32);
      assert.equal((await fetch(`${admin}/routes`)).status, 401);
      assert.equal((await fetch(`${admin}/routes`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    // The next start keeps the token (what is written down still works).
    const again = await startRouter(['--admin', '127.0.0.1:0'], { SHIPGATE_DATA: state });
    try {
      const token = readFileSync(join(state, 'router-admin.token'), 'utf8').trim();
      assert.ok(
        again.lines.some((l) => l.includes(`admin API token: ${join(state, 'router-admin.token')}`)),
        again.lines.join('\n'),
      );
      assert.equal((await fetch(`${again.admin}/stats`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    } finally {
      again.child.kill('SIGTERM');
      await new Promise((r) => again.child.once('exit', r));
    }
  });

  test('--admin-token-file and SHIPGATE_ROUTER_ADMIN_TOKEN give the token (any address)', async () => {
    const tokenFile = join(dir, 'admin.token');
    writeFileSync(tokenFile, 'from-a-file-0123456789abcdef\n', { mode: 0o600 });
    const a = await startRouter(['--admin', '0.0.0.0:0', '--admin-token-file', tokenFile], {});
    try {
      const url = a.admin.replace('0.0.0.0', '127.0.0.1');
      assert.equal((await fetch(`${url}/routes`, { headers: { authorization: 'Bearer from-a-file-0123456789abcdef' } })).status, 200);
      assert.equal((await fetch(`${url}/routes`, { headers: { authorization: 'Bearer from-the-env-0123456789abcdef' } })).status, 401);
    } finally {
      a.child.kill('SIGTERM');
      await new Promise((r) => a.child.once('exit', r));
    }
    const b = await startRouter(['--admin', '127.0.0.1:0'], { SHIPGATE_ROUTER_ADMIN_TOKEN: 'from-the-env-0123456789abcdef' });
    try {
      assert.equal((await fetch(`${b.admin}/routes`, { headers: { authorization: 'Bearer from-the-env-0123456789abcdef' } })).status, 200);
      assert.equal((await fetch(`${b.admin}/routes`)).status, 401);
      assert.ok(!existsSync(join(dir, '.shipgate', 'router-admin.token')), 'no token file written when one is given');
    } finally {
      b.child.kill('SIGTERM');
      await new Promise((r) => b.child.once('exit', r));
    }
  });
});
