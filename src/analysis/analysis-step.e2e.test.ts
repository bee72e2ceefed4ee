import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { HOOKS, type AnalysisStep, type AnalysisStepInput } from '../core/hooks';
import { record, type HistogramCounts } from '../metrics/latency-histogram';
import type { MetricsService, RouterBucket } from '../metrics/types';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const fast = { minCanaryRequests: 50, minBaselineRequests: 50, errorRate: { minAbsolute: 0.05 }, latency: { minRelative: 0.5 } };

function latency(n: number, factor: number): HistogramCounts {
  const h: HistogramCounts = {};
  for (let i = 0; i < n; i++) record(h, (40 + (i % 20)) * factor);
  return h;
}

function bucket(version: string, startMs: number, requests: number, errors: number, factor = 1): RouterBucket {
  return { route: 'shop', version, startMs, counts: { '2xx': requests - errors, '5xx': errors }, latency: latency(requests, factor) };
}

for (const store of await testStores()) {
  describe(`the analysis step on ${store}`, () => {
    let s: TestServer;
    let step: AnalysisStep;
    let metrics: MetricsService;
    const dir = mkdtempSync(join(tmpdir(), 'sg-analysis-step-'));
    const input = (runId: string, template: string, nowMs: number, canaryVersion = 'v2'): AnalysisStepInput => ({
      runId,
      template,
      service: 'shop',
      environment: 'production',
      route: 'shop',
      baselineVersion: 'v1',
      canaryVersion,
      startedAtMs: T0,
      nowMs,
    });
    /** 10-second buckets from T0 for `seconds`, per version: [requests, errors, latency factor]. */
    const traffic = async (seconds: number, perVersion: Record<string, [number, number, number]>) => {
      const buckets: RouterBucket[] = [];
      for (let t = 0; t < seconds; t += 10) for (const [v, [n, e, f]] of Object.entries(perVersion)) buckets.push(bucket(v, T0 + t * 1000, n, e, f));
      await metrics.ingestRouterBuckets(buckets);
    };

    before(async () => {
      s = await startTestServer({ store, options: { analysis: { settleMs: 0 } } });
      step = s.server.ctx.services.get(HOOKS.analysisStep)!;
      metrics = s.server.ctx.services.get(HOOKS.metrics)!;
      const file = join(dir, 'templates.yaml');
      const t = (name: string, spec: object) => stringify({ apiVersion: 'shipgate.dev/v1', kind: 'AnalysisTemplate', metadata: { name }, spec });
      writeFileSync(
        file,
        [
          t('seq-rollback', { interval: '10s', maxDuration: '60s', inconclusive: 'rollback', sequential: fast }),
          t('seq-hold', { interval: '10s', maxDuration: '60s', inconclusive: 'hold', sequential: fast }),
          t('threshold', {
            judge: 'threshold',
            interval: '10s',
            maxDuration: '30s',
            threshold: { metrics: [{ name: 'errors', measure: 'error-rate', failureCondition: 'result > baseline * 2' }] },
          }),
          t('prom', {
            interval: '10s',
            maxDuration: '5m',
            limits: { consecutiveErrorLimit: 1 },
            metrics: {
              source: 'prometheus',
              url: 'http://127.0.0.1:9',
              requestsQuery: 'sum(x{version="{{version}}"})',
              errorsQuery: 'sum(y{version="{{version}}"})',
            },
          }),
        ].join('---\n'),
      );
      const r = await s.cli(['apply', '-f', file]);
      assert.equal(r.code, 0, r.stderr);
      const got = await s.cli(['get', 'analysistemplates']);
      assert.match(got.stdout, /sequential\s+builtin\s+10s\s+60s\s+rollback/);
      await traffic(60, { v1: [1000, 10, 1], v2: [100, 40, 1], v3: [300, 0, 1], v4: [1, 0, 1] });
    });
    after(() => s.close());

    test('a bad canary fails in the first interval; asking again is idempotent', async () => {
      const r = await step.evaluate(input('bad.1', 'seq-rollback', T0 + 10_000));
      assert.equal(r.verdict, 'fail', r.summary);
      assert.match(r.summary, /error-rate/);
      const again = await step.evaluate(input('bad.1', 'seq-rollback', T0 + 50_000));
      assert.equal(again.verdict, 'fail');
      const show = JSON.parse((await s.cli(['analysis', 'show', 'bad.1', '-o', 'json'])).stdout) as {
        run: { verdict: string };
        intervals: { inputs: { canary: { requests: number; errors: number; latencySamples: number } } }[];
      };
      assert.equal(show.run.verdict, 'fail');
      assert.deepEqual(
        show.intervals.map((i) => i.inputs.canary),
        [{ requests: 100, errors: 40, latencySamples: 100 }],
      );
    });

    test('intervals wait until they end, then are judged in catch-up', async () => {
      const early = await step.evaluate(input('good.1', 'seq-rollback', T0 + 9_000, 'v3'));
      assert.equal(early.verdict, 'continue');
      assert.equal(early.nextIntervalMs, 1_000);
      const r = await step.evaluate(input('good.1', 'seq-rollback', T0 + 30_000, 'v3'));
      assert.equal(r.verdict, 'pass', r.summary);
      const exported = await s.cli(['analysis', 'export', 'good.1']);
      const first = JSON.parse(exported.stdout.trim().split('\n')[0]) as { t: number; canary: { requests: number; latencyMs: number[] } };
      assert.equal(first.t, 0);
      assert.equal(first.canary.requests, 300);
      assert.equal(first.canary.latencyMs.length, 300);
    });

    test('very low traffic: need more data until the maximum, then the inconclusive policy', async () => {
      for (const at of [10_000, 30_000]) {
        const r = await step.evaluate(input('low.1', 'seq-rollback', T0 + at, 'v4'));
        assert.equal(r.verdict, 'continue');
        assert.match(r.summary, /need more data/);
      }
      const rolled = await step.evaluate(input('low.1', 'seq-rollback', T0 + 60_000, 'v4'));
      assert.equal(rolled.verdict, 'fail');
      assert.match(rolled.summary, /inconclusive, and the template says roll back/);
      const held = await step.evaluate(input('low.2', 'seq-hold', T0 + 60_000, 'v4'));
      assert.equal(held.verdict, 'inconclusive');
      assert.match(held.summary, /held for a person/);
      const show = await s.cli(['analysis', 'show', 'low.2']);
      assert.match(show.stdout, /verdict: inconclusive/);
    });

    test('threshold template: passes at its maximum duration within the limits', async () => {
      const r = await step.evaluate(input('th.1', 'threshold', T0 + 30_000, 'v3'));
      assert.equal(r.verdict, 'pass', r.summary);
      const bad = await step.evaluate(input('th.2', 'threshold', T0 + 10_000, 'v2'));
      assert.equal(bad.verdict, 'fail');
    });

    test('a broken metric source is an Error, not a failed release', async () => {
      const r1 = await step.evaluate(input('prom.1', 'prom', T0 + 10_000));
      assert.equal(r1.verdict, 'continue');
      const r2 = await step.evaluate(input('prom.1', 'prom', T0 + 20_000));
      assert.equal(r2.verdict, 'inconclusive');
      assert.match(r2.summary, /metric source error: 2 errors in a row > consecutiveErrorLimit 1/);
      const show = JSON.parse((await s.cli(['analysis', 'show', 'prom.1', '-o', 'json'])).stdout) as { intervals: { phase: string }[] };
      assert.deepEqual(
        show.intervals.map((i) => i.phase),
        ['Error', 'Error'],
      );
    });

    test('an inline analysis (a Rollout step stated inline) is a threshold run on windows from its start', async () => {
      const inline: AnalysisStepInput['inline'] = {
        thresholds: [
          { name: 'error-rate', max: 0.05 },
          { name: 'request-rate', min: 1 },
          { name: 'p99-latency-ms', maxOverBaseline: 100 },
        ],
        intervalMs: 10_000,
        count: 2,
        minRequests: 20,
        failureLimit: 0,
        inconclusiveLimit: 3,
        consecutiveErrorLimit: 4,
      };
      const at = (runId: string, nowMs: number, canaryVersion: string) => ({ ...input(runId, 'unused', nowMs, canaryVersion), template: undefined, inline });
      const good = await step.evaluate(at('inline.1', T0 + 20_000, 'v3'));
      assert.equal(good.verdict, 'pass', good.summary);
      assert.equal(good.phase, 'Successful');
      assert.deepEqual(
        good.measurements!.map((m) => [m.atMs - T0, m.phase, m.requests, m.values['request-rate']]),
        [
          [10_000, 'Successful', 300, 30],
          [20_000, 'Successful', 600, 30],
        ],
      );
      const again = await step.evaluate(at('inline.1', T0 + 40_000, 'v3'));
      assert.equal(again.verdict, 'pass');
      assert.deepEqual(again.measurements, []);
      const bad = await step.evaluate(at('inline.2', T0 + 10_000, 'v2'));
      assert.equal(bad.verdict, 'fail');
      assert.equal(bad.phase, 'Failed');
      assert.deepEqual(bad.measurements![0].reasons, ['error-rate 0.4 > max 0.05']);
      const low = await step.evaluate(at('inline.3', T0 + 40_000, 'v4'));
      assert.equal(low.verdict, 'inconclusive', low.summary);
      assert.deepEqual(
        low.measurements!.map((m) => m.reasons),
        Array(4)
          .fill(['need more data: 1 of 20 requests'])
          .map((r, i) => [r[0].replace('1 of', `${i + 1} of`)]),
      );
      const list = JSON.parse((await s.cli(['analysis', 'list', '-o', 'json'])).stdout) as { runs: { id: string; template: string; judge: string }[] };
      assert.deepEqual(
        list.runs.filter((r) => r.id.startsWith('inline.')).map((r) => [r.template, r.judge]),
        Array(3).fill(['(inline)', 'threshold']),
      );
    });

    test('unknown template and unknown run', async () => {
      const r = await step.evaluate(input('x.1', 'nope', T0 + 10_000));
      assert.equal(r.verdict, 'error');
      assert.match(r.summary, /AnalysisTemplate "nope" not found/);
      const show = await s.cli(['analysis', 'show', 'no-such-run']);
      assert.equal(show.code, 2);
      assert.match(show.stderr, /analysis run "no-such-run" not found/);
      const res = await s.fetch('/api/v1/analysis/runs/no-such-run');
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { code: string }).code, 'NOT_FOUND');
      const list = await s.cli(['analysis', 'list', '-o', 'json']);
      assert.ok((JSON.parse(list.stdout) as { runs: unknown[] }).runs.length >= 5);
    });
  });
}
