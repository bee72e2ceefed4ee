import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { HOOKS } from '../core/hooks';
import type { MetricsService } from './types';
import { quantile, record, type HistogramCounts } from './latency-histogram';

const T0 = Date.parse('2026-03-01T10:00:00Z');

function hist(values: number[]): HistogramCounts {
  const h: HistogramCounts = {};
  for (const v of values) record(h, v);
  return h;
}

for (const store of await testStores()) {
  describe(`builtin series on ${store}`, () => {
    let s: TestServer;
    let m: MetricsService;
    before(async () => {
      s = await startTestServer({ store });
      m = s.server.ctx.services.get(HOOKS.metrics)!;
    });
    after(() => s.close());

    test('router buckets from several routers add up per version and window', async () => {
      await m.ingestRouterBuckets([
        { route: 'shop', version: 'stable', startMs: T0, counts: { '2xx': 90, '5xx': 2 }, latency: hist(Array(92).fill(20)) },
        { route: 'shop', version: 'stable', startMs: T0 + 3_000, counts: { '2xx': 8, timeout: 1 }, latency: hist(Array(9).fill(200)) },
        { route: 'shop', version: 'canary', startMs: T0 + 10_000, counts: { '2xx': 10, '4xx': 1 }, latency: hist(Array(11).fill(30)) },
        { route: 'shop', version: 'canary', startMs: T0 + 10_000, counts: { '2xx': 5 }, latency: {}, mirror: true },
      ]);
      const stable = await m.routerWindow({ route: 'shop', version: 'stable', fromMs: T0, toMs: T0 + 60_000 });
      assert.equal(stable.requests, 101);
      assert.equal(stable.errors, 3);
      assert.equal(stable.counts['2xx'], 98);
      assert.ok(Math.abs(quantile(stable.latency, 0.99) - 200) / 200 < 0.011);
      const canary = await m.routerWindow({ route: 'shop', version: 'canary', fromMs: T0, toMs: T0 + 60_000 });
      assert.deepEqual([canary.requests, canary.errors], [11, 0], 'mirrored copies are not user traffic');
      const all = await m.routerSeries({ route: 'shop', fromMs: T0, toMs: T0 + 20_000 });
      assert.deepEqual(
        all.map((b) => [b.startMs - T0, b.requests]),
        [
          [0, 101],
          [10_000, 11],
        ],
      );
      const none = await m.routerWindow({ route: 'shop', fromMs: T0 + 20_000, toMs: T0 + 60_000 });
      assert.equal(none.requests, 0);
    });

    test('push API and `shipgate push` sum counters by series, labels and time', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'shipgate-push-'));
      const file = join(dir, 'points.jsonl');
      const t = T0 / 1000;
      writeFileSync(
        file,
        [
          { series: 'checkout.good', labels: { env: 'prod', region: 'eu' }, t, value: 95 },
          { series: 'checkout.good', labels: { env: 'prod', region: 'us' }, t: t + 30, value: 5 },
          { series: 'checkout.good', labels: { env: 'staging' }, t: new Date(T0).toISOString(), value: 1000 },
          { series: 'checkout.total', labels: { env: 'prod' }, t, value: 110 },
        ]
          .map((p) => JSON.stringify(p))
          .join('\n') + '\n',
      );
      const r = await s.cli(['push', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /4 points pushed/);
      assert.equal(await m.sumSeries({ series: 'checkout.good', labels: { env: 'prod' }, fromMs: T0, toMs: T0 + 60_000 }), 100);
      assert.equal(await m.sumSeries({ series: 'checkout.good', fromMs: T0, toMs: T0 + 60_000 }), 1100);
      assert.equal(await m.sumSeries({ series: 'checkout.good', fromMs: T0 + 60_000, toMs: T0 + 120_000 }), 0);
      assert.deepEqual(
        await m.sumSeriesSteps({ series: 'checkout.good', labels: { env: 'prod' }, fromMs: T0 - 60_000, toMs: T0 + 120_000, stepMs: 60_000 }),
        [0, 100, 0],
      );
    });

    test('bad points are refused with their line, and nothing is stored', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'shipgate-push-'));
      const file = join(dir, 'bad.jsonl');
      writeFileSync(file, `{"series":"x.ok","t":1,"value":1}\n{"series":"x.ok","t":"yesterday","value":1}\nnot json\n`);
      const r = await s.cli(['push', file]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /bad\.jsonl:2 t: expected unix seconds or an ISO-8601 time/);
      assert.match(r.stderr, /bad\.jsonl:3 not valid JSON/);
      assert.equal(await m.sumSeries({ series: 'x.ok', fromMs: 0, toMs: T0 }), 0);
      const res = await s.fetch('/api/v1/series', { method: 'POST', body: JSON.stringify({ points: [{ series: 'x.ok', t: 1, value: 'a lot' }] }) });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { details: { issues: { path: string }[] } };
      assert.equal(body.details.issues[0].path, 'points[0].value');
    });
  });
}
