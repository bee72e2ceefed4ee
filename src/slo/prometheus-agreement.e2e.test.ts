import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { startTestServer, type TestServer } from '../testing/harness';
import { startPrometheus } from './testdata/prometheus-process';

/**
 * The same SLO read from Shipgate's builtin store (pushed points) and from a real Prometheus
 * scraping a /metrics endpoint that counted the same requests: the SLIs agree within 1%.
 */
describe('builtin and Prometheus sources agree', () => {
  let s: TestServer;
  let prom: Awaited<ReturnType<typeof startPrometheus>>;
  let metrics: Server;
  const registry = new Registry();
  const requests = new Counter({ name: 'checkout_requests_total', help: 'requests by class', labelNames: ['code_class'], registers: [registry] });

  before(async () => {
    requests.inc({ code_class: '2xx' }, 0);
    requests.inc({ code_class: '5xx' }, 0);
    metrics = createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    });
    await new Promise<void>((r) => metrics.listen(0, '127.0.0.1', r));
    const port = (metrics.address() as AddressInfo).port;
    prom = await startPrometheus([`127.0.0.1:${port}`]);
    s = await startTestServer({ store: 'sqlite', options: { slo: { intervalMs: 0 } } });
    const slo = (name: string, good: object, total: object) => `
apiVersion: openslo/v1
kind: SLO
metadata: {name: ${name}}
spec:
  service: checkout
  indicator:
    metadata: {name: ${name}-sli}
    spec: {ratioMetric: {counter: false, good: {metricSource: ${JSON.stringify(good)}}, total: {metricSource: ${JSON.stringify(total)}}}}
  timeWindow: [{duration: 1h, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`;
    const docs = [
      `apiVersion: openslo/v1\nkind: DataSource\nmetadata: {name: local-prometheus}\nspec: {type: Prometheus, connectionDetails: {url: "${prom.url}"}}\n`,
      slo('checkout-builtin', { type: 'shipgate', spec: { series: 'checkout.good' } }, { type: 'shipgate', spec: { series: 'checkout.total' } }),
      slo(
        'checkout-prom',
        { metricSourceRef: 'local-prometheus', spec: { query: 'sum(increase(checkout_requests_total{code_class="2xx"}[{{.window}}]))' } },
        { metricSourceRef: 'local-prometheus', spec: { query: 'sum(increase(checkout_requests_total[{{.window}}]))' } },
      ),
      slo(
        'checkout-prom-down',
        { type: 'prometheus', spec: { query: 'x', url: 'http://127.0.0.1:9' } },
        { type: 'prometheus', spec: { query: 'x', url: 'http://127.0.0.1:9' } },
      ),
    ];
    const r = await s.fetch('/api/v1/apply', { method: 'POST', body: JSON.stringify({ files: [{ name: 'slos.yaml', content: docs.join('---\n') }] }) });
    assert.equal(r.status, 200, await r.text());
  });
  after(async () => {
    await s?.close();
    await prom?.close();
    await new Promise((r) => metrics?.close(r));
  });

  test('SLI within 1% (and the error ratio close), Prometheus down is an error, not a crash', async (t) => {
    // Prometheus must have scraped the zero counters first, or it cannot see the first increase.
    for (let i = 0; i < 100; i++) {
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=checkout_requests_total`)).json()) as { data: { result: unknown[] } };
      if (r.data.result.length === 2) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    // 8 seconds of traffic at 5% errors; every request counted by both paths
    const deadline = Date.now() + 8_000;
    let k = 0;
    while (Date.now() < deadline) {
      const bad = k % 2;
      const good = 10 - bad;
      requests.inc({ code_class: '2xx' }, good);
      if (bad) requests.inc({ code_class: '5xx' }, bad);
      const t = Date.now() / 1000;
      const push = await s.fetch('/api/v1/series', {
        method: 'POST',
        body: JSON.stringify({
          points: [
            { series: 'checkout.good', t, value: good },
            { series: 'checkout.total', t, value: 10 },
          ],
        }),
      });
      assert.equal(push.status, 200);
      k++;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2_500)); // two more scrapes
    const at = new Date(Math.ceil(Date.now() / 60_000) * 60_000).toISOString();
    const get = async (name: string) =>
      (await (await s.fetch(`/api/v1/slo/status/${name}?at=${encodeURIComponent(at)}`)).json()) as {
        status?: { objectives: { sli: number; burnRates: Record<string, number> }[] };
        error?: string;
      };
    const a = (await get('checkout-builtin')).status!.objectives[0];
    const b = (await get('checkout-prom')).status!.objectives[0];
    t.diagnostic(`SLI builtin ${a.sli}, prometheus ${b.sli}`);
    assert.ok(a.sli > 0.9 && a.sli < 0.99, `builtin SLI ${a.sli}`);
    assert.ok(Math.abs(a.sli - b.sli) / a.sli < 0.01, `builtin ${a.sli} vs prometheus ${b.sli}`);
    const errA = 1 - a.sli;
    const errB = 1 - b.sli;
    assert.ok(Math.abs(errA - errB) / errA < 0.1, `error ratio builtin ${errA} vs prometheus ${errB}`);
    const budget = async (name: string) => ((await get(name)).status as unknown as { objectives: { budgetTotal: number }[] }).objectives[0].budgetTotal;
    const [ta, tb] = [await budget('checkout-builtin'), await budget('checkout-prom')];
    assert.ok(Math.abs(tb - ta) / ta < 0.1, `events builtin ${ta / 0.01} vs prometheus ${tb / 0.01}`);
    const down = await get('checkout-prom-down');
    assert.match(down.error ?? '', /Prometheus at http:\/\/127\.0\.0\.1:9 unreachable/);
  });
});
