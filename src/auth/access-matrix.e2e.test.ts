import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/harness';
import { routesOf } from '../api/app';
import { allows, ROLES, type Role } from './roles';

/**
 * For every route every capability registers: no token → 401, a role the route does not allow →
 * 403, a role it allows → neither. Routes are read from the running app, so a new route is covered
 * the day it is added.
 */
describe('access matrix over every route', () => {
  let s: TestServer;
  const tokens = new Map<Role, string>();
  before(async () => {
    s = await startTestServer();
    for (const r of ROLES) tokens.set(r, await s.token(r, `user-${r}`, r === 'sdk' ? 'production' : undefined));
  });
  after(() => s.close());

  const concrete = (url: string) => url.replace(/\*$/, 'x').replace(/:([A-Za-z_]+)/g, 'x');
  // Streaming routes (server-sent events) would hold the connection open: cut them after the headers.
  const call = async (method: string, url: string, token: string | null) => {
    const ac = new AbortController();
    const res = await s.fetch(concrete(url), { method, token, body: ['GET', 'HEAD', 'DELETE'].includes(method) ? undefined : '{}', signal: ac.signal });
    ac.abort();
    return res.status;
  };

  test('routes exist and every mutating route declares its roles', () => {
    const routes = routesOf(s.server.app);
    assert.ok(routes.length >= 10, `only ${routes.length} routes`);
    for (const r of routes) if (r.method !== 'GET') assert.ok(r.access, `${r.method} ${r.url}`);
  });

  test('401 without a token, 403 for roles not allowed, allowed roles get through', async () => {
    const failures: string[] = [];
    for (const r of routesOf(s.server.app)) {
      if (r.access === 'public' || r.method === 'OPTIONS') continue;
      const anon = await call(r.method, r.url, null);
      if (anon !== 401) failures.push(`${r.method} ${r.url} without token → ${anon}`);
      for (const role of ROLES) {
        const status = await call(r.method, r.url, tokens.get(role)!);
        const ok = allows(r.access, role);
        if (ok && (status === 401 || status === 403)) {
          // An allowed role may still be refused by a domain rule (403 with a rule), never by the role guard.
          const res = await s.fetch(concrete(r.url), {
            method: r.method,
            token: tokens.get(role)!,
            body: r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}',
          });
          const body = (await res.json().catch(() => ({}))) as { message?: string };
          if (status === 401 || /may not (GET|POST|PUT|PATCH|DELETE)/.test(body.message ?? ''))
            failures.push(`${r.method} ${r.url} as ${role} → ${status} (allowed role)`);
        }
        if (!ok && status !== 403) failures.push(`${r.method} ${r.url} as ${role} → ${status} (expected 403)`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('public routes answer without a token', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json']) {
      const res = await s.fetch(path, { token: null });
      assert.equal(res.status, 200, path);
    }
  });

  test('a malformed, unknown or revoked token is refused', async () => {
    assert.equal((await s.fetch('/api/v1/kinds', { token: 'nope' })).status, 401);
    assert.equal((await s.fetch('/api/v1/kinds', { token: 'sgt_0123456789abcdef0123.AAAAAAAAAAAAAAAAAAAAAAAA' })).status, 401);
    // A token belongs to an existing user (identity.e2e.test.ts covers the refusals).
    assert.equal((await s.cli(['user', 'create', 'carol'])).code, 0);
    const created = await s.cli(['token', 'create', '--role', 'viewer', '--user', 'carol', '-o', 'json']);
    const { token, info } = JSON.parse(created.stdout);
    assert.equal((await s.fetch('/api/v1/kinds', { token })).status, 200);
    assert.equal((await s.cli(['token', 'revoke', info.id])).code, 0);
    assert.equal((await s.fetch('/api/v1/kinds', { token })).status, 401);
  });

  test('tokens are stored hashed, never in clear', async () => {
    const rows = await s.server.ctx.db.selectFrom('tokens').selectAll().execute();
    for (const r of rows) {
      assert.equal(String(r.secret_hash).length, 64);
      assert.ok(!s.adminToken.includes(String(r.secret_hash)));
    }
  });

  test('a metrics token reaches only the series push and whoami; no person but an admin pushes series', async () => {
    const metricsOnly = routesOf(s.server.app)
      .filter((r) => r.access !== 'public' && r.method !== 'OPTIONS' && allows(r.access, 'metrics'))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    assert.deepEqual(metricsOnly, ['GET /api/v1/whoami', 'POST /api/v1/series']);
    const push = (token: string) =>
      s.fetch('/api/v1/series', { method: 'POST', body: JSON.stringify({ points: [{ series: 'x.ok', t: 1, value: 1 }] }), token });
    for (const role of ['viewer', 'deployer', 'approver', 'oncall', 'router', 'sdk'] as const) assert.equal((await push(tokens.get(role)!)).status, 403, role);
    assert.equal((await push(tokens.get('metrics')!)).status, 200);
    assert.equal((await s.fetch('/api/v1/resources/service', { token: tokens.get('metrics')! })).status, 403);
  });

  test('a router token reaches only the route table, its watch stream, the stats push and whoami', async () => {
    const routerOnly = routesOf(s.server.app)
      .filter((r) => r.access !== 'public' && r.method !== 'OPTIONS' && allows(r.access, 'router'))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    assert.deepEqual(routerOnly, ['GET /api/v1/router/table', 'GET /api/v1/router/watch', 'GET /api/v1/whoami', 'POST /api/v1/router/stats']);
    // A router reads no other resource and changes nothing else.
    assert.equal((await s.fetch('/api/v1/resources/service', { token: tokens.get('router')! })).status, 403);
    assert.equal(
      (
        await s.fetch('/api/v1/series', {
          method: 'POST',
          body: JSON.stringify({ points: [{ series: 'x.ok', t: 1, value: 1 }] }),
          token: tokens.get('router')!,
        })
      ).status,
      403,
    );
    // And the CLI mints one, for a user made first (tokens belong to users).
    assert.equal((await s.cli(['user', 'create', 'edge-router-1'])).code, 0);
    const created = await s.cli(['token', 'create', '--role', 'router', '--user', 'edge-router-1', '-o', 'json']);
    assert.equal(created.code, 0, created.stderr);
    const { token, info } = JSON.parse(created.stdout);
    assert.equal(info.role, 'router');
    const who = await s.fetch('/api/v1/whoami', { token });
    assert.equal(((await who.json()) as { role: string }).role, 'router');
  });

  test('an sdk token needs an environment', async () => {
    const r = await s.cli(['token', 'create', '--role', 'sdk']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bound to one environment/);
  });
});
