/**
 * The Alertmanager receiver through the API and CLI on a real server: only an `alerts` token posts,
 * alerts are stored by fingerprint and linked to services and versions by label, every notification
 * is audited, and a firing alert on the version being released rolls the rollout back
 * (`externalAlert`) — while one on the old version, one that began before the release, or a resolved
 * one does not. SQLite and PostgreSQL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { baseSpec, releaseTemplate, TEST_ROLLOUT_OPTIONS } from '../rollout/e2e-fixture';
import { rolloutRuntime } from '../rollout/capability';
import type { StatusView } from '../rollout/rollout-status';

const dir = mkdtempSync(join(tmpdir(), 'sg-alerts-'));
const notification = (status: 'firing' | 'resolved', alerts: { labels: Record<string, string>; startsAt: string; fingerprint?: string }[]) => ({
  version: '4',
  groupKey: '{}:{alertname="ShopErrorBudgetBurn"}',
  status,
  receiver: 'shipgate',
  groupLabels: { alertname: 'ShopErrorBudgetBurn' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager.example:9093',
  alerts: alerts.map((a) => ({
    status,
    labels: { alertname: 'ShopErrorBudgetBurn', severity: 'page', ...a.labels },
    annotations: { summary: 'shop is burning its error budget 14x' },
    startsAt: a.startsAt,
    endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example:9090/graph',
    ...(a.fingerprint ? { fingerprint: a.fingerprint } : {}),
  })),
});

for (const store of await testStores()) {
  describe(`Alertmanager receiver and the externalAlert rollback on ${store}`, () => {
    let s: TestServer;
    let alertsToken: string;
    const post = (body: unknown, token = alertsToken) =>
      s.fetch('/api/v1/alerts/alertmanager', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const status = async () => (await (await s.fetch('/api/v1/rollouts/shop/status')).json()) as StatusView;
    const until = async (cond: (st: StatusView) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const st = await status();
        if (cond(st)) return st;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`condition not met: ${JSON.stringify((await status()).run?.phase)}`);
    };

    before(async () => {
      s = await startTestServer({ store, options: { rollout: TEST_ROLLOUT_OPTIONS } });
      const file = join(dir, `shop-${store}.yaml`);
      writeFileSync(
        file,
        [
          stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Service', metadata: { name: 'shop' }, spec: { owner: 'team-shop' } }),
          stringify(releaseTemplate('shop')),
          stringify({
            apiVersion: 'shipgate.dev/v1',
            kind: 'Rollout',
            metadata: { name: 'shop-production' },
            spec: baseSpec({
              target: { type: 'static', endpoints: Object.fromEntries(['v1', 'v2', 'v3', 'v4'].map((v) => [v, ['http://127.0.0.1:9']])) },
              strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
              drain: { quietPeriod: '50ms', maxWait: '1s' },
            }),
          }),
        ].join('---\n'),
      );
      assert.equal((await s.cli(['apply', '-f', file])).code, 0);
      alertsToken = await s.token('alerts', 'alertmanager');
      assert.equal((await s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '30s'])).code, 0);
    });
    after(async () => {
      await rolloutRuntime(s.server.ctx).stop();
      await s.close();
    });

    test('only an alerts token posts; a malformed notification is a 400 naming the field and stores nothing', async () => {
      const body = notification('firing', [{ labels: { service: 'shop' }, startsAt: new Date().toISOString() }]);
      for (const role of ['deployer', 'oncall', 'viewer', 'metrics'] as const)
        assert.equal((await post(body, await s.token(role, `u-${role}`))).status, 403, role);
      const bad = await post({ status: 'firing', alerts: [{ status: 'firing', labels: {}, startsAt: 'yesterday' }] });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(await bad.json()), /alerts\.0\.startsAt/);
      assert.equal(((await (await s.fetch('/api/v1/alerts')).json()) as { items: unknown[] }).items.length, 0);
    });

    test('an alert that began before the release, or on the old version, does not roll it back; a new one on this version does', async () => {
      const before = new Date(Date.now() - 60_000).toISOString();
      const r = await s.cli(['release', 'shop', '--version', 'v2']);
      assert.equal(r.code, 0, r.stderr);
      await until((st) => st.run?.toVersion === 'v2' && st.run.phase === 'paused');
      assert.equal(
        (await post(notification('firing', [{ labels: { service: 'shop', environment: 'production' }, startsAt: before, fingerprint: 'old-1' }]))).status,
        200,
      );
      assert.equal(
        (await post(notification('firing', [{ labels: { service: 'shop', version: 'v1' }, startsAt: new Date().toISOString(), fingerprint: 'v1-1' }]))).status,
        200,
      );
      assert.equal(
        (await post(notification('firing', [{ labels: { service: 'cart', version: 'v2' }, startsAt: new Date().toISOString(), fingerprint: 'cart-1' }])))
          .status,
        200,
      );
      await new Promise((res) => setTimeout(res, 500));
      assert.equal((await status()).run!.phase, 'paused', 'nothing of those concerns shop v2');

      const res = await post(
        notification('firing', [
          { labels: { service: 'shop', environment: 'production', version: 'v2' }, startsAt: new Date().toISOString(), fingerprint: 'v2-1' },
        ]),
      );
      assert.deepEqual(await res.json(), { stored: 1, firing: 1, resolved: 0 });
      const st = await until((x) => x.run?.phase === 'rolledBack');
      const rb = st.run!.rollback as { reason: string; message: string };
      assert.equal(rb.reason, 'externalAlert');
      assert.match(rb.message, /ShopErrorBudgetBurn \(page\) firing since .*: shop is burning its error budget 14x/);
      const listed = await s.cli(['alerts', 'list', '--service', 'shop', '--status', 'firing', '-o', 'json'], { token: await s.token('viewer', 'vic') });
      assert.deepEqual((JSON.parse(listed.stdout) as { items: { fingerprint: string }[] }).items.map((a) => a.fingerprint).sort(), ['old-1', 'v1-1', 'v2-1']);
      const audit = (await (await s.fetch('/api/v1/audit/events?kind=Alert&limit=20')).json()) as {
        items: { action: string; actor: string; details: { firing: number } }[];
      };
      assert.equal(audit.items.filter((e) => e.action === 'alerts.receive').length, 4);
      assert.ok(audit.items.every((e) => e.actor === 'alertmanager'));
    });

    test('a resolved alert no longer counts: the next release goes on', async () => {
      assert.equal(
        (
          await post(
            notification('resolved', [
              { labels: { service: 'shop', environment: 'production', version: 'v2' }, startsAt: new Date().toISOString(), fingerprint: 'v2-1' },
            ]),
          )
        ).status,
        200,
      );
      const r = await s.cli(['release', 'shop', '--version', 'v3']);
      assert.equal(r.code, 0, r.stderr);
      await until((st) => st.run?.toVersion === 'v3' && st.run.phase === 'paused');
      await new Promise((res) => setTimeout(res, 300));
      assert.equal((await status()).run!.phase, 'paused');
      const resolved = ((await (await s.fetch('/api/v1/alerts?status=resolved')).json()) as { items: { fingerprint: string; endsAtMs: number | null }[] })
        .items;
      assert.equal(resolved[0].fingerprint, 'v2-1');
      assert.ok(resolved[0].endsAtMs !== null);
    });
  });
}

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
