import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { transaction } from '../store/db';
import { RESOURCE_CHANGED } from '../core/events';
import { HOOKS } from '../core/hooks';
import { ManualClock } from '../core/clock';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { parseDocuments } from '../core/manifest';
import { burningSlo, evaluate, T } from '../outbox/testdata/burning-slo';
import { startScriptedReceiver, until } from '../outbox/testdata/receivers';
import type { OutboxView } from '../outbox/outbox-store';

/** Each kind that names an outbound URL: the manifest, the field the refusal must name, and how to read it back. */
const KINDS: { what: string; kind: string; name: string; path: string; yaml: (origin: string) => string }[] = [
  {
    what: 'RouteTable backend',
    kind: 'routetable',
    name: 'egress-rt',
    path: 'spec.routes[0].backends[0].instances[0]',
    yaml: (o) => `apiVersion: shipgate.dev/v1
kind: RouteTable
metadata: {name: egress-rt}
spec:
  routes:
    - name: shop
      backends:
        - {version: stable, weight: 100, instances: ["${o}"]}
`,
  },
  {
    what: 'Prometheus DataSource',
    kind: 'datasource',
    name: 'egress-prom',
    path: 'spec.connectionDetails.url',
    yaml: (o) => `apiVersion: openslo/v1
kind: DataSource
metadata: {name: egress-prom}
spec: {type: Prometheus, connectionDetails: {url: "${o}"}}
`,
  },
  {
    what: 'webhook notification target',
    kind: 'alertnotificationtarget',
    name: 'egress-hook',
    path: 'metadata.annotations.shipgate.dev/url',
    yaml: (o) => `apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: egress-hook
  annotations: {shipgate.dev/url: "${o}/hook"}
spec: {target: webhook}
`,
  },
  {
    what: 'scheduled SyntheticCheck target',
    kind: 'syntheticcheck',
    name: 'egress-synthetic',
    path: 'spec.schedule.target',
    yaml: (o) => `apiVersion: shipgate.dev/v1
kind: SyntheticCheck
metadata: {name: egress-synthetic}
spec:
  steps: [{name: home, request: {path: /}}]
  schedule: {every: 1m, environment: production, target: "${o}"}
`,
  },
];

const REFUSED = [
  { origin: 'http://127.0.0.1:9', reason: /loopback/ },
  { origin: 'http://169.254.169.254', reason: /cloud metadata/ },
  { origin: 'http://localhost:9', reason: /"localhost" is a loopback/ },
];

for (const store of await testStores()) {
  describe(`egress policy on ${store}, server without --allow-loopback-egress`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ store, router: '127.0.0.1:0', options: { egress: { allowLoopback: false } } });
    });
    after(() => s.close());

    for (const k of KINDS) {
      for (const r of REFUSED) {
        test(`${k.what} on ${r.origin}: 403 EGRESS_DENIED naming ${k.path}, nothing applied`, async () => {
          const res = await s.fetch('/api/v1/apply', { method: 'POST', body: JSON.stringify({ files: [{ name: 'x.yaml', content: k.yaml(r.origin) }] }) });
          const body = (await res.json()) as { code: string; details: { rule: string; issues: { path: string; message: string; line?: number }[] } };
          assert.equal(res.status, 403, JSON.stringify(body));
          assert.equal(body.code, 'EGRESS_DENIED');
          assert.equal(body.details.rule, 'EGRESS_DENIED');
          assert.equal(body.details.issues.length, 1);
          assert.equal(body.details.issues[0].path, k.path);
          assert.match(body.details.issues[0].message, r.reason);
          assert.ok(body.details.issues[0].line! > 1, 'the refusal points at the line');
          assert.equal((await s.fetch(`/api/v1/resources/${k.kind}/${k.name}`)).status, 404);
        });
      }
      test(`${k.what} on a public name is accepted (the check is not a blanket refusal)`, async () => {
        const res = await s.fetch('/api/v1/apply', {
          method: 'POST',
          body: JSON.stringify({ files: [{ name: 'ok.yaml', content: k.yaml('http://egress-test.example.com:8080') }] }),
        });
        assert.equal(res.status, 200, await res.text());
        assert.equal((await s.fetch(`/api/v1/resources/${k.kind}/${k.name}`)).status, 200);
      });
    }

    test('the CLI exits 2 and names the field', async () => {
      const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const dir = mkdtempSync(join(tmpdir(), 'egress-'));
      try {
        writeFileSync(join(dir, 'rt.yaml'), KINDS[0].yaml('http://169.254.169.254'));
        const r = await s.cli(['apply', '-f', join(dir, 'rt.yaml')]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /spec\.routes\[0\]\.backends\[0\]\.instances\[0\]: 169\.254\.169\.254 is a cloud metadata address/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('the router refuses a stored table naming a loopback backend (written past the apply path, as rollouts write)', async () => {
      const router = s.server.ctx.services.get(HOOKS.inProcessRouter)!;
      const put = async (name: string, origin: string) => {
        const [doc] = parseDocuments(KINDS[0].yaml(origin).replace('egress-rt', name).replace('name: shop', `name: ${name}`), 'x.yaml');
        const m = doc.value as never;
        await transaction(s.server.ctx.db, (trx) => s.server.ctx.resources.put(trx, m, 'test'));
        s.server.ctx.events.emit(RESOURCE_CHANGED, { apiVersion: 'shipgate.dev/v1', kind: 'RouteTable', name, action: 'created' });
      };
      // Wait for the public table applied above to be in force first.
      assert.ok(await until(() => router.current().spec.routes.some((r) => r.name === 'shop')));
      await put('sneaky', 'http://127.0.0.1:9');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        router.current().spec.routes.map((r) => r.name),
        ['shop'],
        'the table in force stays',
      );
    });
  });

  describe(`egress at connection time on ${store}: a name allowlisted for webhooks that resolves to loopback`, () => {
    test('is applied (the name is allowed) but every delivery is refused after resolving; the receiver gets nothing', async () => {
      const rx = await startScriptedReceiver(() => 200);
      const s = await startTestServer({
        store,
        clock: new ManualClock(T),
        options: { egress: { allowLoopback: false, allow: { webhook: ['localhost'] } }, outbox: { pollMs: 50 } },
      });
      try {
        await burningSlo(s, `http://localhost:${rx.port}`);
        assert.equal((await evaluate(s, T)).body.outbox.length, 2);
        let items: OutboxView[] = [];
        assert.ok(
          await until(async () => {
            items = ((await (await s.fetch('/api/v1/outbox?status=dead')).json()) as { items: OutboxView[] }).items;
            return items.length === 2;
          }),
          'not refused',
        );
        for (const m of items) {
          assert.equal(m.attempts, 1, 'a refusal is not retried');
          assert.match(m.lastError!, /egress denied: "localhost" resolves to (127\.0\.0\.1|::1), which is a loopback address/);
        }
        assert.equal(rx.received.length, 0);
      } finally {
        await s.close();
        await rx.close();
      }
    });
  });
}
