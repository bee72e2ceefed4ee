import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { HOOKS } from '../core/hooks';
import { record, type HistogramCounts } from '../metrics/latency-histogram';
import type { RouterBucket } from '../metrics/types';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const fast = { minCanaryRequests: 50, minBaselineRequests: 50, errorRate: { minAbsolute: 0.05 }, latency: { minRelative: 0.5 } };

function latency(n: number): HistogramCounts {
  const h: HistogramCounts = {};
  for (let i = 0; i < n; i++) record(h, 40 + (i % 20));
  return h;
}
const bucket = (version: string, startMs: number, requests: number, errors: number): RouterBucket => ({
  route: 'shop',
  version,
  startMs,
  counts: { '2xx': requests - errors, ...(errors ? { '5xx': errors } : {}) },
  latency: latency(requests),
});

/**
 * A deployer cannot fake a passing canary: the analysis of a running rollout reads the router's
 * buckets (pushed only with a router token) and configured sources, never pushed series (which
 * only a metrics token may push in the first place).
 */
for (const store of await testStores()) {
  describe(`canary analysis ignores what a deployer pushes on ${store}`, () => {
    let s: TestServer;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sg-analysis-pushed-'));
      s = await startTestServer({ store, options: { analysis: { settleMs: 0 } } });
      writeFileSync(
        join(dir, 't.yaml'),
        stringify({
          apiVersion: 'shipgate.dev/v1',
          kind: 'AnalysisTemplate',
          metadata: { name: 'seq' },
          spec: { interval: '10s', maxDuration: '60s', inconclusive: 'rollback', sequential: fast },
        }),
      );
      const r = await s.cli(['apply', '-f', join(dir, 't.yaml')]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the router reports canary errors, a deployer and a metrics pusher push perfect numbers: the analysis still fails', async () => {
      const router = await s.token('router', 'edge-1');
      const deployer = await s.token('deployer', 'dora');
      const pusher = await s.token('metrics', 'shop-metrics');
      const real: RouterBucket[] = [];
      for (let t = 0; t < 30; t += 10) real.push(bucket('v1', T0 + t * 1000, 1000, 10), bucket('v2', T0 + t * 1000, 100, 40));
      const pushed = await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets: real }), token: router });
      assert.equal(pushed.status, 202, await pushed.clone().text());

      // The deployer tries every way in: router buckets and series (both refused to the role); a
      // metrics token tries router.* series (refused) and ordinary series named and labelled for
      // the canary (stored, but not what analysis reads).
      const fake: RouterBucket[] = [];
      for (let t = 0; t < 30; t += 10) fake.push(bucket('v2', T0 + t * 1000, 100_000, 0));
      assert.equal((await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets: fake }), token: deployer })).status, 403);
      const spoof = await s.fetch('/api/v1/series', {
        method: 'POST',
        body: JSON.stringify({
          points: [{ series: 'router.requests', labels: { route: 'shop', version: 'v2', code_class: '2xx' }, t: T0 / 1000, value: 100_000 }],
        }),
        token: pusher,
      });
      assert.equal(spoof.status, 400);
      const points = [];
      for (let t = 0; t < 30; t++) {
        for (const series of ['shop.requests', 'shop.good', 'shop.total'])
          points.push({ series, labels: { service: 'shop', route: 'shop', version: 'v2' }, t: T0 / 1000 + t, value: 1000 });
        points.push({ series: 'shop.errors', labels: { service: 'shop', route: 'shop', version: 'v2' }, t: T0 / 1000 + t, value: 0 });
      }
      assert.equal((await s.fetch('/api/v1/series', { method: 'POST', body: JSON.stringify({ points }), token: deployer })).status, 403);
      const series = await s.fetch('/api/v1/series', { method: 'POST', body: JSON.stringify({ points }), token: pusher });
      assert.equal(series.status, 200, await series.clone().text());

      const step = s.server.ctx.services.get(HOOKS.analysisStep)!;
      const r = await step.evaluate({
        runId: 'fake.1',
        template: 'seq',
        service: 'shop',
        environment: 'production',
        route: 'shop',
        baselineVersion: 'v1',
        canaryVersion: 'v2',
        startedAtMs: T0,
        nowMs: T0 + 10_000,
      });
      assert.equal(r.verdict, 'fail', r.summary);
      const show = JSON.parse((await s.cli(['analysis', 'show', 'fake.1', '-o', 'json'])).stdout) as {
        intervals: { inputs: { canary: { requests: number; errors: number } } }[];
      };
      // Exactly what the router reported for the first interval.
      assert.deepEqual(
        show.intervals.map((i) => [i.inputs.canary.requests, i.inputs.canary.errors]),
        [[100, 40]],
      );
    });
  });
}
