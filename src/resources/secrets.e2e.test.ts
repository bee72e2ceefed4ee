import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { ManualClock } from '../core/clock';
import { startReceiver } from '../slo/testdata/webhook-receiver';
import { manifests, points } from '../slo/testdata/manifests';

const T = Date.parse('2026-03-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const TOKEN = 'xoxb-do-not-show-1234';
const dataSource = (token: string) => `
apiVersion: openslo/v1
kind: DataSource
metadata: {name: prom}
spec:
  type: Prometheus
  connectionDetails: {url: "http://127.0.0.1:9/prom", bearerToken: "${token}"}
`;

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Webhook URLs (they carry their token) and DataSource connection details are secrets: viewers and
 * deployers see a stable marker, the audit log only ever holds markers, admins and the server
 * itself use the real values.
 */
for (const store of await testStores()) {
  describe(`secret fields on ${store}`, () => {
    let s: TestServer;
    /** The server's keyed marker of a value. */
    const mark = (v: unknown) => s.server.ctx.secretMarker(v);
    let rx: Awaited<ReturnType<typeof startReceiver>>;
    let dir: string;
    let viewer: string;
    let deployer: string;
    const clock = new ManualClock(T);
    const file = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    /** Every secret the tests apply; none may appear in what a non-admin or the audit log gets. */
    const secrets = () => [`${rx.url}/alertmanager`, `${rx.url}/slack`, TOKEN, 'http://127.0.0.1:9/prom', 'rotated-token-5678'];
    const assertNoSecret = (text: string, what: string) => {
      for (const x of secrets()) assert.ok(!text.includes(x), `${what} shows ${x}`);
    };

    before(async () => {
      rx = await startReceiver();
      dir = mkdtempSync(join(tmpdir(), 'secrets-e2e-'));
      s = await startTestServer({ store, clock, options: { slo: { intervalMs: 0 } } });
      viewer = await s.token('viewer', 'vic');
      deployer = await s.token('deployer', 'dora');
      const r = await s.cli(['apply', '-f', file('slo.yaml', manifests(rx.url) + '---' + dataSource(TOKEN))], { token: deployer });
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => {
      await s.close();
      await rx.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a viewer reading targets, policies and data sources sees markers, never the values', async () => {
      const one = await s.fetch('/api/v1/resources/alertnotificationtarget/oncall-webhook', { token: viewer });
      assert.equal(one.status, 200);
      const text = await one.clone().text();
      assertNoSecret(text, 'GET AlertNotificationTarget');
      const m = ((await one.json()) as { manifest: { metadata: { annotations: Record<string, string> }; spec: { target: string } } }).manifest;
      assert.equal(m.metadata.annotations['shipgate.dev/url'], mark(`${rx.url}/alertmanager`));
      assert.equal(m.spec.target, 'webhook', 'what is not secret stays readable');
      // The inline target of the policy, the list form and the data source.
      for (const path of [
        '/api/v1/resources/alertpolicy/payments-burn',
        '/api/v1/resources/alertnotificationtarget',
        '/api/v1/resources/datasource',
        '/api/v1/resources/datasource/prom',
      ]) {
        const r = await s.fetch(path, { token: viewer });
        assert.equal(r.status, 200, path);
        assertNoSecret(await r.text(), path);
      }
      const ds = (
        (await (await s.fetch('/api/v1/resources/datasource/prom', { token: deployer })).json()) as {
          manifest: { spec: { connectionDetails: Record<string, string>; type: string } };
        }
      ).manifest;
      assert.deepEqual(ds.spec.connectionDetails, { url: mark('http://127.0.0.1:9/prom'), bearerToken: mark(TOKEN) });
      assert.equal(ds.spec.type, 'Prometheus');
      // `shipgate get -o yaml` and the inlined OpenSLO export go through the same redaction.
      const got = await s.cli(['get', 'alertpolicy', 'payments-burn', '-o', 'yaml'], { token: viewer });
      assert.equal(got.code, 0, got.stderr);
      assertNoSecret(got.stdout, 'shipgate get -o yaml');
      assert.match(got.stdout, /secret:hmac:[0-9a-f]{12}/);
      const exported = await s.fetch('/api/v1/slo/export/payments-availability?inline=true', { token: viewer });
      assert.equal(exported.status, 200);
      assertNoSecret(await exported.text(), 'slo export --inline');
    });

    test('an admin sees the real values', async () => {
      const r = (await (await s.fetch('/api/v1/resources/alertnotificationtarget/oncall-webhook')).json()) as {
        manifest: { metadata: { annotations: Record<string, string> } };
      };
      assert.equal(r.manifest.metadata.annotations['shipgate.dev/url'], `${rx.url}/alertmanager`);
      const ds = (await (await s.fetch('/api/v1/resources/datasource/prom')).json()) as { manifest: { spec: { connectionDetails: Record<string, string> } } };
      assert.equal(ds.manifest.spec.connectionDetails.bearerToken, TOKEN);
      const exported = await (await s.fetch('/api/v1/slo/export/payments-availability?inline=true')).text();
      assert.ok(exported.includes(`${rx.url}/slack`));
    });

    test("a viewer's diff shows that a secret changes, not its old or new value; an admin's shows the values", async () => {
      const f = file('ds2.yaml', dataSource('rotated-token-5678'));
      const r = await s.cli(['diff', '-f', f], { token: viewer });
      assert.equal(r.code, 1, r.stderr);
      assertNoSecret(r.stdout, 'diff by a viewer');
      assert.match(r.stdout, new RegExp(`-\\s+bearerToken: ${mark(TOKEN)}`));
      assert.match(r.stdout, new RegExp(`\\+\\s+bearerToken: ${mark('rotated-token-5678')}`));
      const a = await s.cli(['diff', '-f', f]);
      assert.equal(a.code, 1);
      assert.match(a.stdout, /\+\s+bearerToken: rotated-token-5678/);
    });

    test('the audit log holds markers only, for every reader, and its chain still verifies', async () => {
      // A change and a delete of secret-bearing resources, so before and after are both written.
      assert.equal((await s.cli(['apply', '-f', file('ds3.yaml', dataSource('rotated-token-5678'))], { token: deployer })).code, 0);
      const events = await s.fetch('/api/v1/audit/events?limit=5000', { token: viewer });
      assert.equal(events.status, 200);
      const text = await events.text();
      assertNoSecret(text, 'audit events');
      const items = (
        JSON.parse(text) as {
          items: {
            action: string;
            kind: string;
            name: string;
            before?: { spec: { connectionDetails: Record<string, string> } };
            after?: { spec: { connectionDetails: Record<string, string> } };
          }[];
        }
      ).items;
      const update = items.find((e) => e.action === 'resource.update' && e.kind === 'DataSource')!;
      assert.equal(update.before!.spec.connectionDetails.bearerToken, mark(TOKEN));
      assert.equal(update.after!.spec.connectionDetails.bearerToken, mark('rotated-token-5678'));
      const exported = await s.cli(['audit', 'export']);
      assert.equal(exported.code, 0, exported.stderr);
      assertNoSecret(exported.stdout, 'audit export (even by an admin)');
      const verify = await s.cli(['audit', 'verify']);
      assert.equal(verify.code, 0, verify.stdout);
    });

    test('applying what a reader got back keeps the stored secret; a marker that matches nothing is refused', async () => {
      const got = await s.cli(['get', 'alertnotificationtarget', 'oncall-webhook', '-o', 'yaml'], { token: deployer });
      assert.equal(got.code, 0, got.stderr);
      const again = await s.cli(['apply', '-f', file('roundtrip.yaml', got.stdout)], { token: deployer });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /unchanged/);
      const edited = got.stdout.replace('Alertmanager-compatible receiver', 'the on-call receiver');
      assert.equal((await s.cli(['apply', '-f', file('edited.yaml', edited)], { token: deployer })).code, 0);
      const stored = (await (await s.fetch('/api/v1/resources/alertnotificationtarget/oncall-webhook')).json()) as {
        manifest: { metadata: { annotations: Record<string, string> }; spec: { description: string } };
      };
      assert.equal(stored.manifest.metadata.annotations['shipgate.dev/url'], `${rx.url}/alertmanager`);
      assert.equal(stored.manifest.spec.description, 'the on-call receiver');
      // A marker of some other value (or on a new resource) cannot be stored in place of a secret.
      const bogus = edited.replace(/secret:hmac:[0-9a-f]{12}/, mark('http://attacker.example/'));
      const refused = await s.cli(['apply', '-f', file('bogus.yaml', bogus)], { token: deployer });
      assert.equal(refused.code, 2, refused.stdout);
      assert.match(refused.stderr, /redacted marker .* matches no stored value/);
      const fresh = await s.cli(['apply', '-f', file('fresh.yaml', edited.replace('name: oncall-webhook', 'name: copied-target'))], { token: deployer });
      assert.equal(fresh.code, 2);
      assert.equal((await s.fetch('/api/v1/resources/alertnotificationtarget/copied-target')).status, 404);
    });

    test('the webhook still fires with the real URL', async () => {
      assert.equal((await s.cli(['push', file('good.jsonl', points('payments', T, 0, 60, 100, 100))])).code, 0);
      assert.equal((await s.cli(['push', file('bad.jsonl', points('payments', T, 0, 5, 0, 400))])).code, 0);
      const tick = await s.fetch('/api/v1/slo/evaluate', { method: 'POST', body: JSON.stringify({ at: iso(T) }) });
      assert.equal(tick.status, 200, await tick.clone().text());
      await until(() => rx.received.some((x) => x.path === '/alertmanager') && rx.received.some((x) => x.path === '/slack'));
      assert.equal(rx.received.filter((x) => x.path === '/alertmanager')[0]?.body.status, 'firing');
      assert.ok(rx.received.some((x) => x.path === '/slack'));
    });
  });
}
