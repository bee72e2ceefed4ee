import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ShipgateMetricSource } from './shipgate-metric-source';
import { record } from '../metrics/latency-histogram';
import type { HistogramCounts } from '../metrics/latency-histogram';
import type { MetricsService, RouterBucket, SeriesPoint, VersionWindow } from '../metrics/types';

/** A fake of our own MetricsService port: router buckets and pushed points in memory. */
class FakeMetrics implements MetricsService {
  buckets: RouterBucket[] = [];
  points: SeriesPoint[] = [];
  sumCalls = 0;
  async ingestRouterBuckets(b: RouterBucket[]) {
    this.buckets.push(...b);
  }
  async routerWindow(): Promise<VersionWindow> {
    throw new Error('unused');
  }
  async routerSeries(q: { route: string; version?: string; fromMs: number; toMs: number }) {
    return this.buckets
      .filter((b) => b.route === q.route && (!q.version || b.version === q.version) && b.startMs >= q.fromMs && b.startMs < q.toMs)
      .map((b) => ({ startMs: b.startMs, counts: b.counts, latency: b.latency, requests: 0, errors: 0 }));
  }
  async ingestPoints(p: SeriesPoint[]) {
    this.points.push(...p);
  }
  async sumSeries(q: { series: string; labels?: Record<string, string>; fromMs: number; toMs: number }) {
    return (await this.sumSeriesSteps({ ...q, stepMs: q.toMs - q.fromMs }))[0];
  }
  async sumSeriesSteps(q: { series: string; labels?: Record<string, string>; fromMs: number; toMs: number; stepMs: number }) {
    this.sumCalls++;
    const out = new Array<number>(Math.ceil((q.toMs - q.fromMs) / q.stepMs)).fill(0);
    for (const p of this.points) {
      if (p.series !== q.series || p.tMs < q.fromMs || p.tMs >= q.toMs) continue;
      if (!Object.entries(q.labels ?? {}).every(([k, v]) => p.labels[k] === v)) continue;
      out[Math.floor((p.tMs - q.fromMs) / q.stepMs)] += p.value;
    }
    return out;
  }
}

const MIN = 60_000;
const hist = (ms: number[]): HistogramCounts => {
  const h: HistogramCounts = {};
  for (const x of ms) record(h, x);
  return h;
};

describe('ShipgateMetricSource', () => {
  const fake = new FakeMetrics();
  // minute 0: two 10-second buckets; minute 2: one
  fake.buckets.push(
    { route: 'shop', version: 'v1', startMs: 0, counts: { '2xx': 90, '5xx': 10 }, latency: hist([50, 80, 400]) },
    { route: 'shop', version: 'v2', startMs: 10_000, counts: { '2xx': 5, timeout: 1 }, latency: hist([900]) },
    { route: 'shop', version: 'v1', startMs: 2 * MIN, counts: { '4xx': 3 }, latency: hist([20]) },
  );
  const src = new ShipgateMetricSource(() => fake);
  const q = (spec: Record<string, unknown>, aggregation: 'sum' | 'value' = 'sum') => src.query({ spec, aggregation, fromMs: 0, toMs: 3 * MIN, stepMs: MIN });

  const table: { name: string; spec: Record<string, unknown>; aggregation?: 'sum' | 'value'; want: number[] }[] = [
    { name: 'all requests of a route', spec: { series: 'router.requests', labels: { route: 'shop' } }, want: [106, 0, 3] },
    { name: 'good classes', spec: { series: 'router.requests', labels: { route: 'shop', code_class: '2xx|3xx|4xx' } }, want: [95, 0, 3] },
    { name: 'one version', spec: { series: 'router.requests', labels: { route: 'shop', version: 'v2' } }, want: [6, 0, 0] },
    { name: 'answered within 300 ms', spec: { series: 'router.latency', labels: { route: 'shop' }, le: 300 }, want: [2, 0, 1] },
  ];
  for (const c of table) {
    test(c.name, async () => {
      const m = await q(c.spec, c.aggregation);
      assert.equal(m.phase, 'Successful', m.message);
      assert.deepEqual([...m.values], c.want);
    });
  }
  test('latency quantile per step, NaN without data', async () => {
    const m = await q({ series: 'router.latency', labels: { route: 'shop' }, quantile: 0.5 }, 'value');
    assert.ok(Math.abs(m.values[0] - 80) / 80 < 0.02, String(m.values[0]));
    assert.ok(Number.isNaN(m.values[1]));
  });
  test('pushed series: exact per step, in one read', async () => {
    const f = new FakeMetrics();
    f.points.push(
      { series: 'checkout.good', labels: { region: 'eu' }, tMs: 700 * MIN + 5, value: 7 },
      { series: 'checkout.good', labels: { region: 'us' }, tMs: 700 * MIN, value: 100 },
    );
    const m = await new ShipgateMetricSource(() => f).query({
      spec: { series: 'checkout.good', labels: { region: 'eu' } },
      aggregation: 'sum',
      fromMs: 0,
      toMs: 1440 * MIN,
      stepMs: MIN,
    });
    assert.equal(m.values[700], 7);
    assert.equal(
      m.values.reduce((a, b) => a + b, 0),
      7,
    );
    assert.equal(f.sumCalls, 1);
  });
  test('faults are phases, not exceptions', async () => {
    assert.match((await q({ series: 'router.requests' })).message!, /labels\.route is required/);
    assert.match((await q({ series: 'router.bytes', labels: { route: 'shop' } })).message!, /unknown router series/);
    assert.match((await q({ nope: 1 })).message!, /metricSource\.spec/);
    const none = await new ShipgateMetricSource(() => undefined).query({ spec: { series: 'x' }, aggregation: 'sum', fromMs: 0, toMs: MIN, stepMs: MIN });
    assert.equal(none.phase, 'Error');
  });
});
