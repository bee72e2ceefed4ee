/**
 * The monitoring loop with nothing faked: the shop's SLO exported as Prometheus rules
 * (`shipgate observe export`, checked by the real promtool), a real Prometheus scraping the
 * in-process router's series (`/api/v1/router/metrics`) and evaluating them, a real Alertmanager
 * delivering to Shipgate's receiver with an `alerts` token — and a bad canary rolled back by the
 * `externalAlert` trigger. The Rollout listens to no other trigger, so the alert is what rolls it back.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { baseSpec, releaseTemplate, TEST_ROLLOUT_OPTIONS } from '../rollout/e2e-fixture';
import { rolloutRuntime } from '../rollout/capability';
import { LoadGenerator } from '../demo/load-generator';
import { HOOKS } from '../core/hooks';
import type { StatusView } from '../rollout/rollout-status';
import { startAlertmanager, startPrometheus, type Monitor } from './testdata/monitoring';

const dir = mkdtempSync(join(tmpdir(), 'sg-am-loop-'));
const upstream = (status: number): Server =>
  createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status }));
  });
const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

describe('Prometheus → Alertmanager → Shipgate: a burning canary rolled back', () => {
  let s: TestServer;
  let good: Server;
  let bad: Server;
  let prom: Monitor;
  let am: Monitor;
  let load: LoadGenerator;

  before(async () => {
    good = upstream(200);
    bad = upstream(500);
    const [goodUrl, badUrl] = [await listen(good), await listen(bad)];
    s = await startTestServer({
      store: 'sqlite',
      router: '127.0.0.1:0',
      options: { rollout: TEST_ROLLOUT_OPTIONS, router: { flushMs: 200 }, slo: { intervalMs: 0 } },
    });
    const file = join(dir, 'shop.yaml');
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
            target: { type: 'static', endpoints: { v1: [goodUrl], v2: [badUrl] } },
            strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }], rollbackOn: ['externalAlert'] } },
            drain: { quietPeriod: '100ms', maxWait: '1s' },
          }),
        }),
        `apiVersion: openslo/v1
kind: SLO
metadata: {name: shop-availability}
spec:
  service: shop
  indicator:
    metadata: {name: shop-requests}
    spec:
      ratioMetric:
        counter: false
        good: {metricSource: {type: shipgate, spec: {series: router.requests, labels: {route: shop, code_class: 2xx|3xx|4xx}}}}
        total: {metricSource: {type: shipgate, spec: {series: router.requests, labels: {route: shop}}}}
  timeWindow: [{duration: 1h, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`,
      ].join('---\n'),
    );
    const applied = await s.cli(['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '30s'])).code, 0);
    const routerUrl = s.server.ctx.services.get(HOOKS.inProcessRouter)!.url()!;
    load = new LoadGenerator(routerUrl, { ratePerSecond: 40, users: 100, timeoutMs: 5000 });
    load.start();
  });
  after(async () => {
    await load?.stop();
    await prom?.close();
    await am?.close();
    await rolloutRuntime(s.server.ctx).stop();
    await s.close();
    await new Promise((r) => good.close(r));
    await new Promise((r) => bad.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the exported rules pass promtool; the alert fires, is delivered and rolls the canary back', async () => {
    const exported = await s.cli(['observe', 'export', 'shop', '--out', dir]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /1 rule group\(s\)/);
    const check = spawnSync('/usr/bin/promtool', ['check', 'rules', join(dir, 'shop.rules.yaml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
    const dashboard = JSON.parse(readFileSync(join(dir, 'shop.dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    assert.ok(dashboard.panels.some((p) => p.title === 'shop: error ratio per version'));

    const alertsToken = await s.token('alerts', 'alertmanager');
    const scrapeToken = await s.token('viewer', 'prometheus');
    const server = new URL(s.url);
    am = await startAlertmanager(`route:
  receiver: shipgate
  group_by: [alertname, service]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: shipgate
    webhook_configs:
      - url: ${s.url}/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization: {credentials: ${alertsToken}}
`);
    prom = await startPrometheus(
      `global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [shop.rules.yaml]
alerting:
  alertmanagers: [{static_configs: [{targets: ["${new URL(am.url).host}"]}]}]
scrape_configs:
  - job_name: shipgate-router
    metrics_path: /api/v1/router/metrics
    authorization: {credentials: ${scrapeToken}}
    static_configs: [{targets: ["${server.host}"]}]
`,
      { 'shop.rules.yaml': readFileSync(join(dir, 'shop.rules.yaml'), 'utf8') },
    );
    // Every exported dashboard query is PromQL this Prometheus accepts.
    for (const p of dashboard.panels)
      for (const t of p.targets) {
        const r = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(t.expr)}`)).json()) as { status: string; error?: string };
        assert.equal(r.status, 'success', `${p.title}: ${t.expr}: ${r.error}`);
      }
    // A few scrapes of the healthy version first: no alert.
    await new Promise((r) => setTimeout(r, 4000));
    const quiet = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: unknown[] } };
    assert.deepEqual(quiet.data.alerts, [], 'v1 alone burns nothing');

    const released = await s.cli(['release', 'shop', '--version', 'v2']);
    assert.equal(released.code, 0, released.stderr);
    let st: StatusView | undefined;
    for (let i = 0; i < 300; i++) {
      st = (await (await s.fetch('/api/v1/rollouts/shop/status')).json()) as StatusView;
      if (st.run?.toVersion === 'v2' && st.run.phase === 'rolledBack') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(
      st?.run?.phase,
      'rolledBack',
      `prometheus alerts: ${JSON.stringify(await (await fetch(`${prom.url}/api/v1/alerts`)).json())}\n${am.log().slice(-2000)}`,
    );
    const rb = st!.run!.rollback as { reason: string; message: string };
    assert.equal(rb.reason, 'externalAlert');
    assert.match(rb.message, /shop-availability-burn(-version)? \(page\) firing since .*burning the error budget of shop-availability faster than/);
    type Stored = { name: string; labels: Record<string, string> };
    let stored: Stored[] = [];
    // The release-specific page (its own Alertmanager group) names the canary's version, never the
    // healthy one; it may arrive just after the aggregate one that rolled the canary back.
    for (let i = 0; i < 75 && !stored.some((a) => a.labels.scope === 'version'); i++) {
      stored = ((await (await s.fetch('/api/v1/alerts?service=shop')).json()) as { items: Stored[] }).items;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(stored.some((a) => a.labels.slo === 'shop-availability' && a.labels.window === 'page-fast'));
    const versioned = stored.filter((a) => a.labels.scope === 'version');
    assert.ok(versioned.length > 0, JSON.stringify(stored.map((a) => a.labels)));
    assert.deepEqual([...new Set(versioned.map((a) => a.labels.version))], ['v2']);
  });
});
