import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';

const SERVICES = `apiVersion: shipgate.dev/v1
kind: Service
metadata: {name: orders, labels: {team: checkout}}
spec:
  owner: team-checkout
  tier: 1
  oncall: alice
  sla: 0.999
  dependencies:
    - {service: db-orders, kind: hard}
    - {service: recommendations, kind: soft, fallback: "cached list"}
---
apiVersion: shipgate.dev/v1
kind: Service
metadata: {name: db-orders}
spec: {tier: 1, sla: 0.9995}
`;
const ENV_JSON = JSON.stringify({
  apiVersion: 'shipgate.dev/v1',
  kind: 'Environment',
  metadata: { name: 'production' },
  spec: { kind: 'production', region: 'eu-west-1', services: { orders: { version: '2.4.0', instances: 3, configHash: '9f2c1e' } } },
});
const BAD = `apiVersion: shipgate.dev/v1
kind: Service
metadata: {name: shop}
spec:
  tier: 2
  dependencies:
    - {service: a, kind: hard}
    - {service: b, kind: soft}
    - {service: c, kind: hardish}
`;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-manifests-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

for (const store of await testStores()) {
  describe(`resources on ${store}`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ store });
    });
    after(() => s.close());

    test('apply of a folder creates every document; re-apply is a no-op with no audit events', async () => {
      const dir = tree({ 'services/orders.yaml': SERVICES, 'envs/production.json': ENV_JSON });
      const r1 = await s.cli(['apply', '-f', dir, '-o', 'json']);
      assert.equal(r1.code, 0, r1.stderr);
      assert.deepEqual(
        JSON.parse(r1.stdout).map((x: { action: string }) => x.action),
        ['created', 'created', 'created'],
      );
      const before = (await s.server.ctx.audit.list(s.server.ctx.db)).length;
      const r2 = await s.cli(['apply', '-f', dir, '-o', 'json']);
      assert.equal(r2.code, 0, r2.stderr);
      assert.ok(JSON.parse(r2.stdout).every((x: { action: string }) => x.action === 'unchanged'));
      assert.equal((await s.server.ctx.audit.list(s.server.ctx.db)).length, before);
    });

    test('a directory with one bad document applies nothing and names file:line:col and field', async () => {
      const dir = tree({ 'a-good.yaml': SERVICES.replace(/orders/g, 'billing'), 'services/shop.yaml': BAD });
      const r = await s.cli(['apply', '-f', dir], { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /services\/shop\.yaml:9:26 spec\.dependencies\[2\]\.kind: expected "hard" \| "soft"/);
      assert.match(r.stderr, /nothing was applied/);
      const g = await s.cli(['get', 'service', 'billing']);
      assert.equal(g.code, 2);
      assert.match(g.stderr, /Service "billing" not found/);
    });

    test('a document defined twice in one apply is refused', async () => {
      const dir = tree({ 'a.yaml': SERVICES, 'b.yaml': SERVICES });
      const r = await s.cli(['apply', '-f', dir], { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /b\.yaml:3:\d+ metadata\.name: Service "orders" is also defined at a\.yaml:3/);
    });

    test('get prints a table, JSON and YAML', async () => {
      const t = await s.cli(['get', 'services']);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout.split('\n')[0], /^NAME\s+TIER\s+OWNER/);
      assert.match(t.stdout, /orders\s+1\s+team-checkout\s+alice\s+0\.999/);
      const j = await s.cli(['get', 'svc', 'orders', '-o', 'json']);
      assert.equal(JSON.parse(j.stdout).spec.dependencies[1].fallback, 'cached list');
      const y = await s.cli(['get', 'environment', 'production', '-o', 'yaml']);
      assert.equal(parse(y.stdout).spec.services.orders.configHash, '9f2c1e');
      const bad = await s.cli(['get', 'widgets']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /unknown kind "widgets"/);
      const fmt = await s.cli(['get', 'services', '-o', 'xml']);
      assert.equal(fmt.code, 2);
    });

    test('diff exits 0 when in sync and 1 with the changed lines otherwise', async () => {
      const dir = tree({ 's.yaml': SERVICES });
      const same = await s.cli(['diff', '-f', dir]);
      assert.equal(same.code, 0, same.stderr + same.stdout);
      const changed = tree({ 's.yaml': SERVICES.replace('oncall: alice', 'oncall: bob') });
      const d = await s.cli(['diff', '-f', changed]);
      assert.equal(d.code, 1);
      assert.match(d.stdout, /Service\/orders: update/);
      assert.match(d.stdout, /- +oncall: alice/);
      assert.match(d.stdout, /\+ +oncall: bob/);
      const stored = await s.cli(['get', 'service', 'orders', '-o', 'json']);
      assert.equal(JSON.parse(stored.stdout).spec.oncall, 'alice', 'diff must not change anything');
    });

    test('delete removes one resource and is audited', async () => {
      const r = await s.cli(['delete', 'service', 'db-orders']);
      assert.equal(r.code, 0, r.stderr);
      const again = await s.cli(['delete', 'service', 'db-orders']);
      assert.equal(again.code, 2);
      const events = await s.server.ctx.audit.list(s.server.ctx.db, { kind: 'Service', name: 'db-orders' });
      assert.deepEqual(
        events.map((e) => e.action),
        ['resource.create', 'resource.delete'],
      );
      assert.equal(events[1].afterHash, null);
    });

    test('the API refuses malformed bodies with 4xx, never 500', async () => {
      const cases: [RequestInit, number][] = [
        [{ method: 'POST', body: '{not json' }, 400],
        [{ method: 'POST', body: JSON.stringify({ files: [] }) }, 400],
        [{ method: 'POST', body: JSON.stringify({ files: [{ name: 'x.yaml', content: 'a: [1' }] }) }, 400],
        [{ method: 'POST', body: JSON.stringify({ files: [{ name: 'x.yaml', content: 'apiVersion: v9\nkind: X\n' }] }) }, 400],
        [{ method: 'POST', body: JSON.stringify({ files: [{ name: 'x.yaml', content: 'x'.repeat(17 * 1024 * 1024) }] }) }, 413],
        [{ method: 'POST', body: 'a: 1', headers: { 'content-type': 'application/xml' } }, 415],
      ];
      for (const [init, status] of cases) {
        const res = await s.fetch('/api/v1/apply', init);
        assert.equal(res.status, status, `${String(init.body).slice(0, 40)} → ${res.status}`);
        const body = (await res.json()) as { code: string; message: string };
        assert.ok(body.code && body.message, JSON.stringify(body));
      }
    });
  });
}
